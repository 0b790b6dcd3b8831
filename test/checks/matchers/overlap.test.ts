import * as fc from 'fast-check';
import { Engine, patternNfa } from '../../../src/checks/matchers/engine';
import { ivpolGlobMatch } from '../../../src/checks/matchers/ivpol-glob';
import { kyvernoWildcardMatch } from '../../../src/checks/matchers/kyverno-wildcard';
import { nfaMatches } from '../../../src/checks/matchers/nfa';
import { patternsOverlap } from '../../../src/checks/matchers/overlap';
import { policyControllerGlobMatch } from '../../../src/checks/matchers/policy-controller-glob';

/** the pattern test of each engine on an already-compared string */
const MATCH: Record<Engine, (pattern: string, s: string) => boolean> = {
  'kyverno': kyvernoWildcardMatch,
  'kyverno-ivpol': ivpolGlobMatch,
  'policy-controller': policyControllerGlobMatch,
};

function expectWitness(engine: Engine, a: string, b: string): string {
  const r = patternsOverlap(engine, a, b);
  expect(r.overlap).toBe(true);
  expect(MATCH[engine](a, r.witness!)).toBe(true);
  expect(MATCH[engine](b, r.witness!)).toBe(true);
  return r.witness!;
}

describe('patternsOverlap', () => {
  test.each([
    // engine, a, b, overlap
    ['kyverno', 'ghcr.io/acme/*', '*/app:v1', true],
    ['kyverno', 'ghcr.io/*', 'quay.io/*', false],
    ['kyverno', 'ghcr.io/acme/*', 'ghcr.io/acme/team/*', true],
    ['kyverno', 'a?c', 'a/c', true],
    ['kyverno', 'a?c', 'ac', false],
    ['kyverno', '', '*', true],
    ['kyverno', '', '?', false],
    ['kyverno-ivpol', '{a,b}*', '[!a]x', true],
    ['kyverno-ivpol', '[a-c]', '[!a-c]', false],
    ['kyverno-ivpol', '[a-c]x', '[c-e]?', true],
    ['kyverno-ivpol', 'ghcr.io/{acme,team}/*', 'ghcr.io/other/*', false],
    ['kyverno-ivpol', 'a\\*', 'a?', true],
    ['policy-controller', 'ghcr.io/*', 'ghcr.io/a/b', false],
    ['policy-controller', 'ghcr.io/**', 'ghcr.io/a/b', true],
    ['policy-controller', '*', 'index.docker.io/library/nginx:latest', true],
    ['policy-controller', '*', 'index.docker.io/acme/nginx:latest', false],
    ['policy-controller', '*/*', '*', true],
    ['policy-controller', 'ghcr.io/acme/*', 'ghcr.io/*/app*', true],
    ['policy-controller', 'ghcr.io/acme/*', 'ghcr.io/*/*/app', false],
  ] as [Engine, string, string, boolean][])('%s: %j ∩ %j → %s', (engine, a, b, overlap) => {
    if (overlap) expectWitness(engine, a, b);
    else expect(patternsOverlap(engine, a, b)).toEqual({ overlap: false });
    expect(patternsOverlap(engine, b, a).overlap).toBe(overlap);
  });

  test('witnesses are shortest and readable', () => {
    expect(expectWitness('kyverno', 'ghcr.io/acme/*', '*/app:v1')).toBe('ghcr.io/acme/app:v1');
    expect(expectWitness('kyverno', '*', '*')).toBe('');
    expect(expectWitness('policy-controller', '*', '**')).toBe('index.docker.io/library/');
    expect(expectWitness('kyverno-ivpol', '[!a]', '?')).toBe('b');
  });

  test('invalid patterns throw PATTERN_INVALID', () => {
    expect(() => patternsOverlap('policy-controller', 'a?', 'a')).toThrow(expect.objectContaining({ code: 'PATTERN_INVALID' }));
    expect(() => patternsOverlap('kyverno-ivpol', 'a', '{a')).toThrow(expect.objectContaining({ code: 'PATTERN_INVALID' }));
  });

  test('large patterns stay fast', () => {
    const a = '*a'.repeat(100);
    expectWitness('kyverno', a, `${'a*'.repeat(100)}`);
    expectWitness('policy-controller', `${'*/'.repeat(60)}x`, `${'**'.repeat(1)}/x`);
  });
});

describe('patternsOverlap agrees with brute force', () => {
  // Patterns with at most two non-star atoms each: a shortest common string then has at most
  // 2 + 2 characters (a character eaten by a star on both sides can be deleted), so enumerating
  // every string up to length 4 over the mentioned characters, one digit (the range `[/-:]` is
  // `/`, the digits and `:`) and one other character ('b') is exact.
  const ALPHABET = ['a', '/', ':', '*', '0', 'b'];
  const STRINGS: string[] = [''];
  for (let len = 1, layer = ['']; len <= 4; len++) {
    layer = layer.flatMap((s) => ALPHABET.map((c) => s + c));
    STRINGS.push(...layer);
  }

  const pattern = (nonStar: string[], star: string[]) =>
    fc.tuple(
      fc.array(fc.constantFrom(...star), { maxLength: 3 }),
      fc.array(fc.constantFrom(...nonStar), { maxLength: 2 }),
      fc.array(fc.constantFrom(...star), { maxLength: 3 }),
      fc.array(fc.constantFrom(...star), { maxLength: 3 }),
      fc.integer({ min: 0, max: 2 }),
    ).map(([s1, atoms, s2, s3, where]) => {
      const parts = [s1.join(''), atoms[0] ?? '', where === 0 ? s2.join('') : '', atoms[1] ?? '', s3.join('')];
      return parts.join('');
    });

  const generators: Record<Engine, fc.Arbitrary<string>> = {
    'kyverno': pattern(['a', '/', ':', '?'], ['*']),
    'kyverno-ivpol': pattern(['a', '/', ':', '?', '[a/]', '[!a]', '[!a/:]', '[/-:]', '{a,/}', '{a*,:}', '\\*'], ['*', '**']),
    // the exact globs `*` and `*/*` are rewritten to long literals: tested above instead
    'policy-controller': pattern(['a', '/', ':'], ['*']).filter((g) => g !== '' && g !== '*' && g !== '*/*'),
  };

  for (const engine of Object.keys(generators) as Engine[]) {
    test(engine, () => {
      fc.assert(fc.property(generators[engine], generators[engine], (a, b) => {
        const na = patternNfa(engine, a);
        const nb = patternNfa(engine, b);
        const brute = STRINGS.some((s) => nfaMatches(na, s) && nfaMatches(nb, s));
        const r = patternsOverlap(engine, a, b);
        if (r.overlap !== brute) return false;
        return !r.overlap || (MATCH[engine](a, r.witness!) && MATCH[engine](b, r.witness!));
      }), { numRuns: 400 });
    });
  }
});
