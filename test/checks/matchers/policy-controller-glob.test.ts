import {
  policyControllerGlobMatch,
  rewritePolicyControllerGlob,
  validatePolicyControllerGlob,
} from '../../../src/checks/matchers/policy-controller-glob';

/** the regexp of pkg/apis/glob/glob.go, written out in JavaScript (Go `.` = any but \n) */
function regexpOracle(glob: string): RegExp {
  const g = rewritePolicyControllerGlob(glob)
    .replace(/\./g, '\\.')
    .replace(/\*\*/g, '\u0000')
    .replace(/\*/g, '[^/]*')
    .replace(/\u0000/g, '[^\\n]*');
  return new RegExp(`^${g}$`, 'u');
}

describe('policyControllerGlobMatch (glob.go, reference §4.2)', () => {
  test.each([
    ['ghcr.io/acme/*', 'ghcr.io/acme/app:v1', true],
    ['ghcr.io/acme/*', 'ghcr.io/acme/team/app:v1', false],
    ['ghcr.io/acme/**', 'ghcr.io/acme/team/app:v1', true],
    ['ghcr.io/acme/***', 'ghcr.io/acme/team/app:v1', true],
    ['ghcr.io/*/*', 'ghcr.io/foo:latest', false],
    ['ghcr.io/**', 'ghcr.io/foo:latest', true],
    ['ghcr.io/**', 'ghcrxio/foo', false],
    ['ghcr.io/foo', 'prefix-ghcr.io/foo', false],
    ['ghcr.io/foo', 'ghcr.io/foo-x', false],
    ['*', 'index.docker.io/library/foo:latest', true],
    ['*', 'index.docker.io/acme/foo:latest', false],
    ['*', 'foo', false],
    ['*/*', 'index.docker.io/acme/foo:latest', true],
    ['*/*', 'ghcr.io/foo', false],
    ['a*', 'a:b@c', true],
    ['a**', 'a\nb', false],
    ['a*', 'a\nb', true],
  ])('%j vs %j → %s', (glob, name, expected) => {
    expect(policyControllerGlobMatch(glob, name)).toBe(expected);
    expect(regexpOracle(glob).test(name)).toBe(expected);
  });

  test('rewrites only the exact special cases', () => {
    expect(rewritePolicyControllerGlob('*')).toBe('index.docker.io/library/*');
    expect(rewritePolicyControllerGlob('*/*')).toBe('index.docker.io/*/*');
    expect(rewritePolicyControllerGlob('**')).toBe('**');
    expect(rewritePolicyControllerGlob('*/*/*')).toBe('*/*/*');
  });

  test.each(['ghcr.io/acme/*', 'a-b_c:d/e*.f@g', '**', 'A9'])('accepts %j', (glob) => {
    expect(validatePolicyControllerGlob(glob)).toBeUndefined();
  });

  test.each([
    ['', 'empty'],
    ['ghcr.io/acme/app?', '"?"'],
    ['ghcr.io/[a]pp', '"["'],
    ['ghcr.io/{a,b}', '"{"'],
    ['ghcr.io/a b', '" "'],
    ['ghcr.io/a\\*', '"\\\\"'],
    ['ghcr.io/ä', '"ä"'],
  ])('rejects %j, naming %s', (glob, named) => {
    expect(validatePolicyControllerGlob(glob)).toContain(named);
    expect(() => policyControllerGlobMatch(glob, 'x')).toThrow(expect.objectContaining({ code: 'PATTERN_INVALID' }));
  });

  test('200 stars against a 4 KB string finishes', () => {
    const name = 'a'.repeat(4096);
    expect(policyControllerGlobMatch('*'.repeat(200), name)).toBe(true);
    expect(policyControllerGlobMatch(`${'*a'.repeat(200)}/`, name)).toBe(false);
    expect(policyControllerGlobMatch(`${'a*'.repeat(100)}/**`, `${name}/x`)).toBe(true);
  });
});
