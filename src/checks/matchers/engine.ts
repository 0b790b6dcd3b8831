import { kyvernoNormalize, policyControllerName } from './image-ref';
import { ivpolGlobNfa } from './ivpol-glob';
import { kyvernoWildcardMatch, kyvernoWildcardNfa } from './kyverno-wildcard';
import { Nfa, nfaMatches } from './nfa';
import { policyControllerGlobNfa, rewritePolicyControllerGlob } from './policy-controller-glob';

/** the admission engines whose image patterns the matchers model */
export const ENGINES = ['kyverno', 'kyverno-ivpol', 'policy-controller'] as const;

/**
 * - `kyverno`: ClusterPolicy `verifyImages[].imageReferences` (wildcard on the normalized image);
 * - `kyverno-ivpol`: ImageValidatingPolicy `matchImageReferences[].glob` (gobwas glob on the raw image);
 * - `policy-controller`: ClusterImagePolicy `images[].glob` (glob regexp on the go-containerregistry name).
 */
export type Engine = (typeof ENGINES)[number];

export function isEngine(value: string): value is Engine {
  return (ENGINES as readonly string[]).includes(value);
}

export interface MatchResult {
  readonly matched: boolean;
  /** the string the engine compared the pattern with (normalized image, or the raw one) */
  readonly compared: string;
  /** one sentence on how the engine decided */
  readonly reason: string;
}

/**
 * Does `pattern` select `rawImage` (as written in a pod spec) for `engine`?
 * Throws BlueprintError PATTERN_INVALID / IMAGE_REF_INVALID.
 */
export function matchImage(engine: Engine, pattern: string, rawImage: string): MatchResult {
  const p = JSON.stringify(pattern);
  switch (engine) {
    case 'kyverno': {
      const compared = kyvernoNormalize(rawImage);
      const matched = kyvernoWildcardMatch(pattern, compared);
      return {
        matched,
        compared,
        reason: `kyverno normalizes the image to ${JSON.stringify(compared)} (docker.io default registry, no library/, `
          + `default tag latest, tag dropped when a digest is present); the wildcard ${p} (* = any run incl. "/", `
          + `? = one character) ${matched ? 'matches' : 'does not match'} it`,
      };
    }
    case 'kyverno-ivpol': {
      const matched = nfaMatches(ivpolGlobNfa(pattern), rawImage);
      return {
        matched,
        compared: rawImage,
        reason: `ImageValidatingPolicy matches the raw image string (no normalization); the glob ${p} `
          + `(gobwas, no separators: * crosses "/") ${matched ? 'matches' : 'does not match'} it`,
      };
    }
    case 'policy-controller':
      return matchPolicyController(pattern, rawImage);
  }
}

function matchPolicyController(glob: string, rawImage: string): MatchResult {
  const nfa = policyControllerGlobNfa(glob);
  const name = policyControllerName(rawImage);
  const rewritten = rewritePolicyControllerGlob(glob);
  const how = `the glob ${JSON.stringify(glob)}${rewritten !== glob ? ` (rewritten to ${JSON.stringify(rewritten)})` : ''} `
    + '(* = [^/]*, ** = .*, anchored)';
  if (nfaMatches(nfa, name)) {
    return { matched: true, compared: name, reason: `${how} matches the fully qualified name ${JSON.stringify(name)}` };
  }
  if (name !== rawImage && nfaMatches(nfa, rawImage)) {
    return {
      matched: true,
      compared: rawImage,
      reason: `${how} does not match the fully qualified name ${JSON.stringify(name)}, but matches the original `
        + 'string on the deprecated fallback retry',
    };
  }
  return {
    matched: false,
    compared: name,
    reason: `${how} matches neither the fully qualified name ${JSON.stringify(name)}`
      + `${name !== rawImage ? ` nor the original string ${JSON.stringify(rawImage)}` : ''}; note that at admission `
      + 'the image is digest-resolved to registry/repo@sha256:… with the tag dropped',
  };
}

/** the automaton of `pattern` over the strings `engine` compares (throws PATTERN_INVALID) */
export function patternNfa(engine: Engine, pattern: string): Nfa {
  switch (engine) {
    case 'kyverno':
      return kyvernoWildcardNfa(pattern);
    case 'kyverno-ivpol':
      return ivpolGlobNfa(pattern);
    case 'policy-controller':
      return policyControllerGlobNfa(pattern);
  }
}
