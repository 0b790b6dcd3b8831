import { ENGINES, Engine, isEngine, matchImage } from '../../../src/checks/matchers/engine';
import { policyControllerAdmissionName } from '../../../src/checks/matchers/image-ref';

const D = `sha256:${'0123456789abcdef'.repeat(4)}`;

type Row = [image: string, pattern: string, expected: { kyverno?: boolean; ivpol?: boolean; pc?: boolean }];

/** image × pattern → expected per engine (undefined: the pattern is not valid/meaningful there) */
const TABLE: Row[] = [
  // Docker Hub short names, library/, index.docker.io (§0.1, §2.1, §4.2)
  ['nginx', 'docker.io/library/nginx*', { kyverno: false, ivpol: false, pc: false }],
  ['nginx', 'nginx*', { kyverno: false, ivpol: true, pc: true /* fallback on the raw string */ }],
  ['nginx', 'docker.io/nginx*', { kyverno: true, ivpol: false, pc: false }],
  ['nginx', 'index.docker.io/library/nginx*', { kyverno: false, ivpol: false, pc: true }],
  ['docker.io/library/nginx', 'docker.io/library/nginx*', { kyverno: true, ivpol: true, pc: true }],
  ['index.docker.io/library/nginx', 'docker.io/library/nginx*', { kyverno: false, ivpol: false, pc: false }],
  ['index.docker.io/library/nginx', 'index.docker.io/library/nginx*', { kyverno: true, ivpol: true, pc: true }],
  ['nginx', 'nginx', { kyverno: false, ivpol: true, pc: true }],
  ['nginx', '*', { kyverno: true, ivpol: true, pc: true }],
  ['ghcr.io/acme/app', '*', { kyverno: true, ivpol: true, pc: false }],
  ['acme/app', '*/*', { kyverno: true, ivpol: true, pc: true }],
  ['acme/app', '*', { kyverno: true, ivpol: true, pc: false }],
  // nested paths (§0.1, §2.2, §4.4)
  ['ghcr.io/acme/team/app:v1', 'ghcr.io/acme/*', { kyverno: true, ivpol: true, pc: false }],
  ['ghcr.io/acme/team/app:v1', 'ghcr.io/acme/**', { kyverno: true, ivpol: true, pc: true }],
  ['ghcr.io/acme/app:v1', 'ghcr.io/acme/*', { kyverno: true, ivpol: true, pc: true }],
  ['ghcr.io/acme/app-evil:1', 'ghcr.io/acme/app*', { kyverno: true, ivpol: true, pc: true }],
  ['ghcr.io/foo', 'ghcr.io/*/*', { kyverno: false, ivpol: false, pc: false }],
  ['ghcr.io/foo', 'ghcr.io/**', { kyverno: true, ivpol: true, pc: true }],
  ['ghcrxio/foo', 'ghcr.io/**', { kyverno: false, ivpol: false, pc: false }],
  ['prefix-ghcr.io/foo', 'ghcr.io/foo', { kyverno: false, ivpol: false, pc: false }],
  ['quay.io/other/x:1', '*', { kyverno: true, ivpol: true, pc: false }],
  // tags vs digests (§2.2, §4.4)
  [`ghcr.io/acme/app@${D}`, 'ghcr.io/acme/*', { kyverno: true, ivpol: true, pc: true }],
  [`ghcr.io/acme/app@${D}`, 'ghcr.io/acme/app:*', { kyverno: false, ivpol: false, pc: false }],
  [`ghcr.io/acme/app:v1@${D}`, 'ghcr.io/acme/app:*', { kyverno: false, ivpol: true, pc: true /* fallback */ }],
  [`ghcr.io/acme/app@${D}`, 'ghcr.io/acme/app@*', { kyverno: true, ivpol: true, pc: true }],
  ['ghcr.io/acme/app:v1', 'ghcr.io/acme/app:*', { kyverno: true, ivpol: true, pc: true }],
  ['ghcr.io/acme/app', 'ghcr.io/acme/app:latest', { kyverno: true, ivpol: false, pc: true }],
  // registry ports
  ['localhost:5000/app:dev', 'localhost:5000/*', { kyverno: true, ivpol: true, pc: true }],
  ['registry.local:5000/team/app', 'registry.local:5000/*', { kyverno: true, ivpol: true, pc: false }],
  ['registry.local:5000/team/app', 'registry.local:5000/**', { kyverno: true, ivpol: true, pc: true }],
  // ? and classes
  ['ghcr.io/acme/app:v1', 'ghcr.io/acme/ap?:v1', { kyverno: true, ivpol: true }],
  ['ghcr.io/acme/app:v1', 'ghcr.io/acme?app:v1', { kyverno: true, ivpol: true }],
  ['ghcr.io/acme/app:v1', 'ghcr.io/acme/app?:v1', { kyverno: false, ivpol: false }],
  ['ghcr.io/acme/app:v1', 'ghcr.io/acme/[a]pp:v1', { kyverno: false, ivpol: true }],
  ['ghcr.io/acme/api:v1', 'ghcr.io/acme/{app,api}:*', { kyverno: false, ivpol: true }],
];

describe('matchImage: image × pattern per engine', () => {
  const cases: [Engine, string, string, boolean][] = [];
  for (const [image, pattern, expected] of TABLE) {
    if (expected.kyverno !== undefined) cases.push(['kyverno', image, pattern, expected.kyverno]);
    if (expected.ivpol !== undefined) cases.push(['kyverno-ivpol', image, pattern, expected.ivpol]);
    if (expected.pc !== undefined) cases.push(['policy-controller', image, pattern, expected.pc]);
  }
  test.each(cases)('%s: %j with %j → %s', (engine, image, pattern, expected) => {
    expect(matchImage(engine, pattern, image).matched).toBe(expected);
  });
});

describe('matchImage details', () => {
  test('kyverno compares the normalized image', () => {
    const r = matchImage('kyverno', 'docker.io/library/nginx*', 'nginx');
    expect(r).toEqual({ matched: false, compared: 'docker.io/nginx:latest', reason: expect.stringContaining('docker.io/nginx:latest') });
  });

  test('ivpol compares the raw image', () => {
    expect(matchImage('kyverno-ivpol', 'nginx', 'nginx').compared).toBe('nginx');
  });

  test('policy-controller compares the fully qualified name, and says when the fallback matched', () => {
    const direct = matchImage('policy-controller', 'index.docker.io/library/*', 'foo');
    expect(direct).toMatchObject({ matched: true, compared: 'index.docker.io/library/foo:latest' });
    const fallback = matchImage('policy-controller', 'foo', 'foo');
    expect(fallback).toMatchObject({ matched: true, compared: 'foo', reason: expect.stringContaining('fallback') });
    const raw = matchImage('policy-controller', 'docker.io/library/nginx:*', 'docker.io/library/nginx:1.25');
    expect(raw).toMatchObject({ matched: true, compared: 'docker.io/library/nginx:1.25' });
    const star = matchImage('policy-controller', '*', 'ghcr.io/acme/app');
    expect(star).toMatchObject({ matched: false, compared: 'ghcr.io/acme/app:latest' });
    expect(star.reason).toContain('index.docker.io/library/*');
  });

  test('§4.4: at admission (digest-resolved name) a tag glob never matches', () => {
    const admitted = policyControllerAdmissionName('ghcr.io/acme/app', D);
    expect(matchImage('policy-controller', 'ghcr.io/acme/app:*', admitted).matched).toBe(false);
    expect(matchImage('policy-controller', 'ghcr.io/acme/sigstore-test:**', policyControllerAdmissionName('ghcr.io/acme/sigstore-test', D)).matched).toBe(false);
    for (const glob of ['ghcr.io/acme/app*', 'ghcr.io/acme/app@*', 'ghcr.io/acme/**']) {
      expect(matchImage('policy-controller', glob, admitted).matched).toBe(true);
    }
    const hub = policyControllerAdmissionName('nginx', D);
    expect(matchImage('policy-controller', 'index.docker.io/library/nginx*', hub).matched).toBe(true);
    expect(matchImage('policy-controller', 'docker.io/library/nginx*', hub).matched).toBe(false);
  });

  test('§4.2 worked example: foo matches all of these globs', () => {
    for (const glob of ['index.docker.io/library/*', 'index.docker.io/*/*', '**', 'foo', '*']) {
      expect(matchImage('policy-controller', glob, 'foo').matched).toBe(true);
    }
  });

  test('errors: invalid pattern and invalid image', () => {
    expect(() => matchImage('policy-controller', 'ghcr.io/a?', 'NOT VALID')).toThrow(expect.objectContaining({ code: 'PATTERN_INVALID' }));
    expect(() => matchImage('policy-controller', 'ghcr.io/*', 'Bad/Image')).toThrow(expect.objectContaining({ code: 'IMAGE_REF_INVALID' }));
    expect(() => matchImage('kyverno', '*', 'UPPER')).toThrow(expect.objectContaining({ code: 'IMAGE_REF_INVALID' }));
    expect(() => matchImage('kyverno-ivpol', '[a', 'x')).toThrow(expect.objectContaining({ code: 'PATTERN_INVALID' }));
  });

  test('isEngine', () => {
    expect(ENGINES).toEqual(['kyverno', 'kyverno-ivpol', 'policy-controller']);
    expect(isEngine('kyverno')).toBe(true);
    expect(isEngine('gatekeeper')).toBe(false);
  });
});
