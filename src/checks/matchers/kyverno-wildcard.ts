import { CharSet } from './charset';
import { Nfa, nfaMatches } from './nfa';

/**
 * Kyverno's wildcard (`ext/wildcard` → IGLOU-EU/go-wildcard v1.0.3 `Match`), used for
 * `imageReferences`, `skipImageReferences`, keyless `subject`/`issuer` (type Cosign):
 * - `*` matches any run of code points, including `/` and the empty run;
 * - `?` matches exactly one code point (also `/` or `:`), never the empty string;
 * - every other code point is literal: no classes, no braces, no escapes; case-sensitive;
 * - the whole string must match; the empty pattern matches only the empty string.
 */
export function kyvernoWildcardNfa(pattern: string): Nfa {
  const nfa = new Nfa();
  let state = nfa.start;
  for (const ch of pattern) {
    if (ch === '*') state = nfa.loop(state, CharSet.any());
    else if (ch === '?') state = nfa.step(state, CharSet.any());
    else state = nfa.step(state, CharSet.of(ch));
  }
  nfa.accept = state;
  return nfa;
}

/** go-wildcard v1.0.3 `Match(pattern, name)` */
export function kyvernoWildcardMatch(pattern: string, name: string): boolean {
  return nfaMatches(kyvernoWildcardNfa(pattern), name);
}
