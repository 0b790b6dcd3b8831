import {
  kyvernoNormalize,
  parseImageRef,
  policyControllerAdmissionName,
  policyControllerName,
} from '../../../src/checks/matchers/image-ref';

const D = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('parseImageRef (distribution/reference Parse)', () => {
  test.each([
    ['nginx', { path: 'nginx' }],
    ['nginx:1.25', { path: 'nginx', tag: '1.25' }],
    ['ghcr.io/acme/app:v1', { registry: 'ghcr.io', path: 'acme/app', tag: 'v1' }],
    ['localhost:5000/app', { registry: 'localhost:5000', path: 'app' }],
    ['[::1]:5000/app:dev', { registry: '[::1]:5000', path: 'app', tag: 'dev' }],
    [`ghcr.io/acme/app:v1@${D}`, { registry: 'ghcr.io', path: 'acme/app', tag: 'v1', digest: D }],
    ['test/nginx', { registry: 'test', path: 'nginx' }],
    ['my_org/app', { path: 'my_org/app' }],
    ['Foo/bar', { registry: 'Foo', path: 'bar' }],
    ['a/b__c/d-e/f.g', { registry: 'a', path: 'b__c/d-e/f.g' }],
  ])('%s', (raw, expected) => {
    expect({ ...parseImageRef(raw) }).toEqual(JSON.parse(JSON.stringify(expected)));
  });

  test.each([
    '', ':v1', 'ghcr.io/Acme/app', 'app:', 'app:-x', `app@sha256:${'a'.repeat(10)}`, `app@md5:${'a'.repeat(32)}`,
    `app@sha256:${'A'.repeat(64)}`, 'a b', 'ghcr.io/acme//app', 'ghcr.io/acme/app/', 'app@x@y', `${'a'.repeat(256)}`,
    'ghcr.io/-app', 'app:' + 'x'.repeat(129),
  ])('rejects %j with IMAGE_REF_INVALID', (raw) => {
    expect(() => parseImageRef(raw)).toThrow(expect.objectContaining({ code: 'IMAGE_REF_INVALID' }));
  });
});

describe('kyvernoNormalize (reference §2.1)', () => {
  test.each([
    // the worked examples of §2.1 / §0
    ['nginx', 'docker.io/nginx:latest'],
    ['test/nginx', 'docker.io/test/nginx:latest'],
    ['localhost:4443/test/nginx', 'localhost:4443/test/nginx:latest'],
    [`nginx:1.25@${D}`, `docker.io/nginx@${D}`],
    [`ghcr.io/acme/app:v1@${D}`, `ghcr.io/acme/app@${D}`],
    ['index.docker.io/library/nginx', 'index.docker.io/library/nginx:latest'],
    ['docker.io/library/nginx', 'docker.io/library/nginx:latest'],
    ['docker.io/library/nginx:1.25', 'docker.io/library/nginx:1.25'],
    // more
    ['nginx:1.25', 'docker.io/nginx:1.25'],
    [`nginx@${D}`, `docker.io/nginx@${D}`],
    ['library/nginx', 'docker.io/library/nginx:latest'],
    ['localhost/app', 'localhost/app:latest'],
    ['localhost', 'docker.io/localhost:latest'],
    ['registry.local:5000/team/app:dev', 'registry.local:5000/team/app:dev'],
    ['registry:5000/app', 'registry:5000/app:latest'],
    ['ghcr.io/acme/team/app:v1', 'ghcr.io/acme/team/app:v1'],
    ['my_org/app', 'docker.io/my_org/app:latest'],
    ['Foo/bar', 'Foo/bar:latest'],
  ])('%s → %s', (raw, expected) => {
    expect(kyvernoNormalize(raw)).toBe(expected);
  });

  test('defaultRegistry option', () => {
    expect(kyvernoNormalize('nginx', { defaultRegistry: 'mirror.local' })).toBe('mirror.local/nginx:latest');
    expect(kyvernoNormalize('ghcr.io/a/b', { defaultRegistry: 'mirror.local' })).toBe('ghcr.io/a/b:latest');
  });

  test.each(['NGINX', 'Acme/App', '', 'nginx:'])('rejects %j (message names the raw input)', (raw) => {
    expect(() => kyvernoNormalize(raw)).toThrow(expect.objectContaining({
      code: 'IMAGE_REF_INVALID',
      message: expect.stringContaining(JSON.stringify(raw)),
    }));
  });
});

describe('policyControllerName (go-containerregistry Name(), reference §4.2)', () => {
  test.each([
    ['foo', 'index.docker.io/library/foo:latest'],
    ['nginx:1.25', 'index.docker.io/library/nginx:1.25'],
    ['docker.io/nginx', 'index.docker.io/library/nginx:latest'],
    ['docker.io/library/nginx', 'index.docker.io/library/nginx:latest'],
    ['index.docker.io/nginx', 'index.docker.io/library/nginx:latest'],
    ['docker.io/acme/app:v1', 'index.docker.io/acme/app:v1'],
    ['acme/app', 'index.docker.io/acme/app:latest'],
    ['ghcr.io/foo', 'ghcr.io/foo:latest'],
    ['ghcrxio/foo', 'index.docker.io/ghcrxio/foo:latest'],
    ['prefix-ghcr.io/foo', 'prefix-ghcr.io/foo:latest'],
    ['localhost/app', 'localhost/app:latest'],
    ['localhost:5000/app:dev', 'localhost:5000/app:dev'],
    ['registry.local:5000/team/app', 'registry.local:5000/team/app:latest'],
    [`ghcr.io/acme/app:v1@${D}`, `ghcr.io/acme/app@${D}`],
    [`nginx@${D}`, `index.docker.io/library/nginx@${D}`],
  ])('%s → %s', (raw, expected) => {
    expect(policyControllerName(raw)).toBe(expected);
  });

  test.each(['Foo/bar', 'ghcr.io/Acme/app', `app@sha512:${'a'.repeat(128)}`, 'bad_host.io:x/app'])('rejects %j', (raw) => {
    expect(() => policyControllerName(raw)).toThrow(expect.objectContaining({ code: 'IMAGE_REF_INVALID' }));
  });
});

describe('policyControllerAdmissionName (§4.3: registry/repo@sha256, tag dropped)', () => {
  test.each([
    ['ghcr.io/acme/app', `ghcr.io/acme/app@${D}`],
    ['ghcr.io/acme/app:v1', `ghcr.io/acme/app@${D}`],
    ['nginx', `index.docker.io/library/nginx@${D}`],
    ['docker.io/acme/app', `index.docker.io/acme/app@${D}`],
  ])('%s → %s', (repo, expected) => {
    expect(policyControllerAdmissionName(repo, D)).toBe(expected);
  });

  test('rejects a bad digest and a second digest', () => {
    expect(() => policyControllerAdmissionName('ghcr.io/a/b', 'sha256:abc')).toThrow(expect.objectContaining({ code: 'IMAGE_REF_INVALID' }));
    expect(() => policyControllerAdmissionName(`ghcr.io/a/b@${D}`, D)).toThrow(expect.objectContaining({ code: 'IMAGE_REF_INVALID' }));
  });
});
