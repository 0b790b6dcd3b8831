import { CharSet } from './charset';
import { Nfa, nfaMatches } from './nfa';
import { BlueprintError } from '../../errors';

/** the character set `ValidateGlob` allows (Go: `^[a-zA-Z0-9-_:/*.@]+$`) */
const VALID_GLOB = /^[a-zA-Z0-9\-_:/*.@]+$/;

/**
 * `ValidateGlob` of policy-controller's ClusterImagePolicy webhook: undefined when valid,
 * else why not (one line). The `filepath.Match(g, "")` check cannot fail on this charset.
 */
export function validatePolicyControllerGlob(glob: string): string | undefined {
  if (glob === '') return 'glob must not be empty';
  if (VALID_GLOB.test(glob)) return undefined;
  const bad = [...glob].find((c) => !VALID_GLOB.test(c));
  return `glob ${JSON.stringify(glob)} contains ${JSON.stringify(bad)}: only letters, digits and - _ : / * . @ are allowed (^[a-zA-Z0-9-_:/*.@]+$)`;
}

/** `pkg/apis/glob/glob.go` special cases: `*` → `index.docker.io/library/*`, `*\/*` → `index.docker.io/*\/*` */
export function rewritePolicyControllerGlob(glob: string): string {
  if (glob === '*') return 'index.docker.io/library/*';
  if (glob === '*/*') return 'index.docker.io/*/*';
  return glob;
}

/**
 * The regexp policy-controller builds, as an automaton: after the special-case rewrite,
 * `*` → `[^/]*`, `**` (any run of two or more stars) → `.*` (Go `.`: any code point but `\n`),
 * everything else literal (`.` included), anchored at both ends. Throws PATTERN_INVALID for
 * globs `ValidateGlob` rejects.
 */
export function policyControllerGlobNfa(glob: string): Nfa {
  const invalid = validatePolicyControllerGlob(glob);
  if (invalid !== undefined) {
    throw new BlueprintError('PATTERN_INVALID', `invalid policy-controller glob: ${invalid}`);
  }
  const chars = [...rewritePolicyControllerGlob(glob)];
  const nfa = new Nfa();
  let state = nfa.start;
  for (let i = 0; i < chars.length; i++) {
    if (chars[i] !== '*') {
      state = nfa.step(state, CharSet.of(chars[i]));
      continue;
    }
    let run = 1;
    while (chars[i + 1] === '*') {
      run++;
      i++;
    }
    state = nfa.loop(state, run === 1 ? CharSet.except('/') : CharSet.except('\n'));
  }
  nfa.accept = state;
  return nfa;
}

/**
 * The compiled glob against one string (no reference parsing, no fallback: see
 * `matchImage` in engine.ts for the whole policy-controller decision).
 */
export function policyControllerGlobMatch(glob: string, name: string): boolean {
  return nfaMatches(policyControllerGlobNfa(glob), name);
}
