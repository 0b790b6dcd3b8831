import { ivpolGlobMatch, parseIvpolGlob } from '../../../src/checks/matchers/ivpol-glob';

describe('ivpolGlobMatch (gobwas/glob without separators, reference §3)', () => {
  test.each([
    ['ghcr.io/acme/*', 'ghcr.io/acme/team/app:v1', true],
    ['ghcr.io/acme/**', 'ghcr.io/acme/team/app:v1', true],
    ['ghcr.io/acme/*', 'ghcr.io/acme-evil/app:v1', false],
    ['acme/*', 'ghcr.io/acme/app', false],
    ['ghcr.io/acme/app:v?', 'ghcr.io/acme/app:v1', true],
    ['ghcr.io/acme/app:v?', 'ghcr.io/acme/app:v', false],
    ['ghcr.io/acme?app', 'ghcr.io/acme/app', true],
    ['ghcr.io/acme/app:v[0-9]', 'ghcr.io/acme/app:v7', true],
    ['ghcr.io/acme/app:v[0-9]', 'ghcr.io/acme/app:vA', false],
    ['ghcr.io/acme/[!x]pp', 'ghcr.io/acme/app', true],
    ['ghcr.io/acme/[!a]pp', 'ghcr.io/acme/app', false],
    ['ghcr.io/acme/[abc]pp', 'ghcr.io/acme/bpp', true],
    ['ghcr.io/acme/[abc]pp', 'ghcr.io/acme/dpp', false],
    ['ghcr.io/acme/[a-cx]pp', 'ghcr.io/acme/xpp', true],
    ['ghcr.io/acme/{app,api}:*', 'ghcr.io/acme/api:1', true],
    ['ghcr.io/acme/{app,api}:*', 'ghcr.io/acme/web:1', false],
    ['ghcr.io/{acme,team/*}/app', 'ghcr.io/team/x/y/app', true],
    ['{a,{b,c}d}', 'cd', true],
    ['x{,y}', 'x', true],
    ['ghcr.io/acme/app\\*', 'ghcr.io/acme/app*', true],
    ['ghcr.io/acme/app\\*', 'ghcr.io/acme/app1', false],
    ['a\\?', 'a?', true],
    ['a\\?', 'ab', false],
    ['a,b}', 'a,b}', true],
    ['a]', 'a]', true],
    ['[\\]]', ']', true],
    ['[a-]', '-', true],
    // raw string: no docker.io normalization
    ['docker.io/*', 'nginx', false],
    ['nginx', 'nginx', true],
    ['nginx*', 'nginx:1.25', true],
    ['docker.io/library/nginx*', 'nginx:1.25', false],
    ['GHCR.io/*', 'ghcr.io/x', false],
    ['a?', 'a😀', true],
  ])('%j vs %j → %s', (glob, image, expected) => {
    expect(ivpolGlobMatch(glob, image)).toBe(expected);
  });

  test.each(['[abc', '[]', '[!]', '{a,b', 'a\\', '[z-a]', '{a,[b}'])('rejects %j with PATTERN_INVALID', (glob) => {
    expect(() => parseIvpolGlob(glob)).toThrow(expect.objectContaining({ code: 'PATTERN_INVALID' }));
  });

  test('200 stars against a 4 KB string finishes', () => {
    const name = `${'ab/'.repeat(1365)}x`;
    expect(name.length).toBeGreaterThan(4095);
    expect(ivpolGlobMatch('*'.repeat(200), name)).toBe(true);
    expect(ivpolGlobMatch(`${'*?'.repeat(200)}y`, name)).toBe(false);
    expect(ivpolGlobMatch(`${'{*a,*b}'.repeat(100)}*`, name)).toBe(true);
  });
});
