import * as fc from 'fast-check';
import { kyvernoWildcardMatch } from '../../../src/checks/matchers/kyverno-wildcard';

/** a literal port of go-wildcard v1.0.3 `deepMatchRune` (exponential; small inputs only) */
function goWildcardOracle(pattern: string, name: string): boolean {
  if (pattern === '') return name === '';
  if (pattern === '*') return true;
  const deep = (s: string[], p: string[]): boolean => {
    while (p.length > 0) {
      switch (p[0]) {
        case '?':
          if (s.length === 0) return false;
          break;
        case '*':
          return deep(s, p.slice(1)) || (s.length > 0 && deep(s.slice(1), p));
        default:
          if (s.length === 0 || s[0] !== p[0]) return false;
      }
      s = s.slice(1);
      p = p.slice(1);
    }
    return s.length === 0 && p.length === 0;
  };
  return deep([...name], [...pattern]);
}

describe('kyvernoWildcardMatch (go-wildcard v1.0.3, reference §2.2)', () => {
  test.each([
    // pattern, name, expected
    ['', '', true],
    ['', 'a', false],
    ['*', '', true],
    ['*', 'anything/at:all', true],
    ['ghcr.io/acme/*', 'ghcr.io/acme/x/y:z', true],
    ['ghcr.io/acme/*', 'ghcr.io/acme/team/app:v1', true],
    ['ghcr.io/acme/*', 'ghcr.io/acme-evil/app:v1', false],
    ['ghcr.io/acme/app*', 'ghcr.io/acme/app-evil:1', true],
    ['a?c', 'abc', true],
    ['a?c', 'a/c', true],
    ['a?c', 'a:c', true],
    ['a?c', 'ac', false],
    ['a?c', 'abbc', false],
    ['a??', 'a😀x', true],
    ['a?', 'a😀', true],
    ['GHCR.io/*', 'ghcr.io/x', false],
    ['ghcr.io/*', 'ghcrxio/x', false],
    ['ghcr?io/*', 'ghcrxio/x', true],
    ['[a]pp', 'app', false],
    ['[a]pp', '[a]pp', true],
    ['{a,b}', 'a', false],
    ['\\*', '\\x', true],
    ['a**b', 'a/x/y/b', true],
    ['*b', 'bbb', true],
    ['*a*a*', 'aa', true],
    ['*a*a*', 'a', false],
  ])('%j vs %j → %s', (pattern, name, expected) => {
    expect(kyvernoWildcardMatch(pattern, name)).toBe(expected);
    if (pattern.length + name.length < 24) expect(goWildcardOracle(pattern, name)).toBe(expected);
  });

  test('agrees with a port of go-wildcard deepMatchRune on random inputs', () => {
    const patterns = fc.array(fc.constantFrom('a', 'b', '/', '*', '?'), { maxLength: 7 }).map((a) => a.join(''));
    const names = fc.array(fc.constantFrom('a', 'b', '/', ':'), { maxLength: 8 }).map((a) => a.join(''));
    fc.assert(fc.property(patterns, names, (p, s) => kyvernoWildcardMatch(p, s) === goWildcardOracle(p, s)), { numRuns: 2000 });
  });

  test('200 stars against a 4 KB string finishes (no catastrophic backtracking)', () => {
    const name = 'a'.repeat(4096);
    expect(kyvernoWildcardMatch('*'.repeat(200), name)).toBe(true);
    expect(kyvernoWildcardMatch(`${'*a'.repeat(200)}b`, name)).toBe(false);
    expect(kyvernoWildcardMatch(`${'*a'.repeat(200)}*`, name)).toBe(true);
  });
});
