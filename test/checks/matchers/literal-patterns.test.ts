import * as fc from 'fast-check';
import { ivpolGlobMatch } from '../../../src/checks/matchers/ivpol-glob';
import { kyvernoWildcardMatch } from '../../../src/checks/matchers/kyverno-wildcard';
import { policyControllerGlobMatch } from '../../../src/checks/matchers/policy-controller-glob';

/** strings from `chars`, biased towards near-misses of each other */
const from = (chars: string, minLength = 0) =>
  fc.array(fc.constantFrom(...chars), { minLength, maxLength: 12 }).map((a) => a.join(''));

const IMAGE_CHARS = 'abcz09./:@-_AZ';

describe('a pattern without metacharacters matches exactly its own string', () => {
  const cases: [string, (p: string, s: string) => boolean, fc.Arbitrary<string>][] = [
    ['kyverno', kyvernoWildcardMatch, from(`${IMAGE_CHARS}[]{}\\,!😀é`)],
    ['kyverno-ivpol', ivpolGlobMatch, from(`${IMAGE_CHARS}!😀é`)],
    // non-empty, and never the special cases `*` / `*/*` since `*` is not in the alphabet
    ['policy-controller', policyControllerGlobMatch, from(IMAGE_CHARS, 1)],
  ];
  for (const [engine, match, literal] of cases) {
    test(engine, () => {
      fc.assert(fc.property(literal, fc.string({ unit: 'grapheme', maxLength: 12 }), literal, (p, s, t) => {
        if (!match(p, p)) return false;
        if (s !== p && match(p, s)) return false;
        return t === p || !match(p, t);
      }), { numRuns: 1000 });
    });
  }
});
