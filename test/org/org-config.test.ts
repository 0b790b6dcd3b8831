import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { ImageSigningBlueprint } from '../../src/blueprint';
import { loadConfigFile, validateConfig } from '../../src/config/load';
import { deepMerge, effectiveSigning, mergeBlueprints, mergeByName } from '../../src/config/merge';
import { ConfigError } from '../../src/config/problems';
import { SecretScope, SigningMode } from '../../src/config/types';
import { BlueprintError } from '../../src/errors';
import { keyConfig, newPublicKeyPem, projectDir } from '../support/fixtures';

/* Per-repository signing overrides, defaults, extends, addRepository/addCluster: their errors and merge rules. */

function problemsOf(fn: () => unknown): { path: string; message: string; fix?: string; value?: unknown }[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  return [];
}

const repos = (...rs: any[]) => ({ repositories: rs });
const web = { name: 'web', images: ['ghcr.io/acme/web'] };
const api = { name: 'api', images: ['ghcr.io/acme/api'] };

describe('merge rules', () => {
  test('objects deep-merge, lists and scalars replace, undefined keeps the base', () => {
    expect(deepMerge({ a: { b: 1, c: [1, 2] }, d: 'x' }, { a: { c: [3] }, d: undefined, e: true }))
      .toEqual({ a: { b: 1, c: [3] }, d: 'x', e: true });
  });

  test('named lists merge by name in the base order; new names are appended', () => {
    expect(mergeByName([{ name: 'a', x: 1, y: { z: 1 } }, { name: 'b' }], [{ name: 'c' }, { name: 'a', y: { w: 2 } }]))
      .toEqual([{ name: 'a', x: 1, y: { z: 1, w: 2 } }, { name: 'b' }, { name: 'c' }]);
  });

  test('a child blueprint over its base: repositories and clusters by name, everything else deep', () => {
    const merged = mergeBlueprints(
      { extends: 'x', name: 'base', github: { owner: 'acme' }, repositories: [web], admission: { namespaces: ['a', 'b'], failureAction: 'Audit' } },
      { extends: 'base.yaml', repositories: [{ name: 'web', workflow: { tags: ['v*'] } }, api], admission: { namespaces: ['c'] } },
    );
    expect(merged).toEqual({
      name: 'base',
      github: { owner: 'acme' },
      repositories: [{ ...web, workflow: { tags: ['v*'] } }, api],
      admission: { namespaces: ['c'], failureAction: 'Audit' },
    });
  });

  test('a repository\'s signing: mode switch inherits only that mode\'s block; an own key drops the top-level key files', () => {
    const top = { mode: SigningMode.KEY, transparencyLog: true, key: { publicKeyFile: 'a.pub', privateKeyFile: 'a.key', secretScope: SecretScope.ENVIRONMENT, environment: 'signing' }, keyless: { issuer: 'https://issuer.example' } };
    expect(effectiveSigning(top, { mode: SigningMode.KEYLESS })).toEqual({ mode: 'keyless', transparencyLog: true, keyless: { issuer: 'https://issuer.example' } });
    expect(effectiveSigning(top, { key: { publicKeyFile: 'b.pub' } }).key).toEqual({ publicKeyFile: 'b.pub', secretScope: 'environment', environment: 'signing' });
    expect(effectiveSigning(top, { key: { secretScope: SecretScope.REPOSITORY } }).key).toEqual({ publicKeyFile: 'a.pub', privateKeyFile: 'a.key', secretScope: 'repository' });
    expect(effectiveSigning(top, undefined)).toEqual({ mode: 'key', transparencyLog: true, key: top.key });
  });
});

describe('per-repository signing: config errors name the path, the value and the fix', () => {
  const base = keyConfig();
  const cases: [string, any, string, RegExp, RegExp?][] = [
    ['bad mode', { ...base, ...repos(web, { ...api, signing: { mode: 'keyles' } }) }, 'repositories[1].signing.mode', /must be one of/, /did you mean "keyless"/],
    ['unknown key in a repository\'s signing', { ...base, ...repos({ ...web, signing: { kye: {} } }) }, 'repositories[0].signing.kye', /not a known key/, /did you mean "key"/],
    ['key block on a keyless repository', { ...base, ...repos({ ...web, signing: { mode: 'keyless', key: { publicKeyFile: 'x.pub' } } }) },
      'repositories[0].signing.key', /signs keylessly \(repositories\[0\]\.signing\.mode is keyless\)/],
    ['keyless block on a key repository', { ...base, ...repos({ ...web, signing: { keyless: {} } }) },
      'repositories[0].signing.keyless', /signs with a key \(signing\.mode is key\)/],
    ['keyless without the transparency log, from the top level', { ...base, signing: { mode: 'key', transparencyLog: false, key: { publicKeyFile: 'cosign.pub' } }, ...repos(web, { ...api, signing: { mode: 'keyless' } }) },
      'signing.transparencyLog', /cannot be false with keyless signing/],
    ['environment scope without an environment', { ...base, ...repos({ ...web, signing: { key: { secretScope: 'environment' } } }) },
      'repositories[0].signing.key.environment', /required with secretScope: environment/],
    ['an Actions public key on a keyless repository', { ...base, ...repos({ ...web, signing: { mode: 'keyless' }, actionsPublicKey: { keyId: '1', key: Buffer.alloc(32).toString('base64') } }) },
      'repositories[0].actionsPublicKey', /repositories\[0\]\.signing\.mode is keyless/],
    ['signerWorkflow from the defaults on a key repository', { ...base, defaults: { workflow: { signerWorkflow: { repository: 'acme/tools', file: 'sign.yml', ref: 'refs/tags/v1' } } } },
      'defaults.workflow.signerWorkflow', /only used with signing.mode: keyless/],
    ['unknown key in defaults', { ...base, defaults: { worklow: {} } }, 'defaults.worklow', /not a known key/, /did you mean "workflow"/],
    ['no branches and no tags after the defaults', { ...base, defaults: { workflow: { branches: [] } } }, 'repositories[0].workflow', /never sign anything/],
  ];
  test.each(cases)('%s', (...row) => {
    const [, cfg, wantPath, wantMessage, wantFix] = row;
    const p = problemsOf(() => validateConfig(cfg)).find((x) => x.path === wantPath);
    expect(p).toBeDefined();
    expect(p!.message).toMatch(wantMessage);
    expect(p!.fix).toBeTruthy();
    if (wantFix) expect(p!.fix).toMatch(wantFix);
  });

  test('top-level keyless defaults are allowed while some repository signs keylessly, refused otherwise', () => {
    const cfg = { ...base, signing: { mode: 'key', key: { publicKeyFile: 'cosign.pub' }, keyless: {} } };
    expect(problemsOf(() => validateConfig(cfg)).map((p) => p.path)).toEqual(['signing.keyless']);
    expect(problemsOf(() => validateConfig({ ...cfg, ...repos(web, { ...api, signing: { mode: 'keyless' } }) }))).toEqual([]);
  });

  test('every problem at once, across repositories', () => {
    const p = problemsOf(() => validateConfig({ ...base, ...repos({ ...web, signing: { mode: 'x' } }, { ...api, signing: { cosign: { version: '2.6' } } }) }));
    expect(p.map((x) => x.path).sort()).toEqual(['repositories[0].signing.mode', 'repositories[1].signing.cosign.version']);
  });

  test('a repository\'s own key file is read relative to the config; a missing one names the repository\'s path', () => {
    const dir = projectDir();
    const p = problemsOf(() => new ImageSigningBlueprint({ config: keyConfig(repos(web, { ...api, signing: { key: { publicKeyFile: 'team.pub' } } })), baseDir: dir }));
    expect(p).toEqual([expect.objectContaining({ path: 'repositories[1].signing.key.publicKeyFile', value: 'team.pub', message: 'file not found' })]);
  });

  test('organization secrets hold one key: two different keys with secretScope organization are refused', () => {
    const dir = projectDir({ 'team.pub': newPublicKeyPem() });
    const cfg = keyConfig({
      signing: { mode: 'key', key: { publicKeyFile: 'cosign.pub', secretScope: 'organization' } },
      ...repos(web, { ...api, signing: { key: { publicKeyFile: 'team.pub' } } }),
    });
    const p = problemsOf(() => new ImageSigningBlueprint({ config: cfg, baseDir: dir }));
    expect(p).toHaveLength(1);
    expect(p[0].path).toBe('repositories[1].signing.key.secretScope');
    expect(p[0].message).toMatch(/an organization has one COSIGN_PRIVATE_KEY/);
  });

  test('organization scope for some repositories: the org stack selects only those', () => {
    const dir = projectDir({ 'team.pub': newPublicKeyPem() });
    const cfg = keyConfig({
      signing: { mode: 'key', key: { publicKeyFile: 'cosign.pub', secretScope: 'organization' } },
      ...repos(web, api, { name: 'pay', images: ['ghcr.io/acme/pay'], signing: { key: { publicKeyFile: 'team.pub', secretScope: 'repository' } } }),
    });
    const files = new ImageSigningBlueprint({ config: cfg, baseDir: dir }).renderFiles();
    const org = JSON.parse(files['terraform/stacks/org-acme/cdk.tf.json']);
    expect(Object.values<any>(org.data.github_repository).map((d) => d.full_name).sort()).toEqual(['acme/api', 'acme/web']);
    const pay = JSON.parse(files['terraform/stacks/github-pay/cdk.tf.json']);
    expect(Object.values<any>(pay.resource.github_actions_secret).map((s) => s.secret_name).sort()).toEqual(['COSIGN_PASSWORD', 'COSIGN_PRIVATE_KEY', 'COSIGN_PUBLIC_KEY']);
    expect(JSON.parse(files['terraform/stacks/github-web/cdk.tf.json']).resource.github_actions_secret).toBeUndefined();
  });
});

describe('extends', () => {
  const write = (dir: string, name: string, doc: unknown) => {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), typeof doc === 'string' ? doc : stringify(doc));
  };
  const org = { name: 'acme-org', github: { owner: 'acme' }, signing: { mode: 'key', key: { publicKeyFile: 'cosign.pub' } }, clusters: [{ name: 'prod' }] };

  test('a chain of bases: the nearest wins, repositories and clusters merge by name', () => {
    const dir = projectDir();
    write(dir, 'bases/org.yaml', org);
    write(dir, 'bases/team.yaml', { extends: 'org.yaml', repositories: [web], clusters: [{ name: 'prod', failureAction: 'Audit' }] });
    write(dir, 'blueprint.yaml', { extends: 'bases/team.yaml', name: 'team-web', repositories: [{ name: 'web', workflow: { tags: ['v*'] } }, api] });
    const { config } = loadConfigFile(path.join(dir, 'blueprint.yaml'));
    expect(config.extends).toBeUndefined();
    expect(config.name).toBe('team-web');
    expect(config.repositories).toEqual([{ ...web, workflow: { tags: ['v*'] } }, api]);
    expect(config.clusters).toEqual([{ name: 'prod', failureAction: 'Audit' }]);
    expect(ImageSigningBlueprint.fromFile(path.join(dir, 'blueprint.yaml')).repositoryNames).toEqual(['web', 'api']);
  });

  test('a missing base is a config error at extends, naming the file', () => {
    const dir = projectDir();
    write(dir, 'blueprint.yaml', { ...org, extends: 'nope.yaml', repositories: [web] });
    const p = problemsOf(() => loadConfigFile(path.join(dir, 'blueprint.yaml')));
    expect(p).toEqual([expect.objectContaining({ path: 'extends', value: 'nope.yaml', message: 'file not found: nope.yaml' })]);
  });

  test('a cycle is a config error listing the chain', () => {
    const dir = projectDir();
    write(dir, 'a.yaml', { extends: 'b.yaml' });
    write(dir, 'b.yaml', { extends: 'a.yaml' });
    write(dir, 'blueprint.yaml', { ...org, extends: 'a.yaml', repositories: [web] });
    let err: unknown;
    try {
      loadConfigFile(path.join(dir, 'blueprint.yaml'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems[0]).toMatchObject({ path: 'extends', value: 'a.yaml', message: 'forms a cycle: blueprint.yaml -> a.yaml -> b.yaml -> a.yaml' });
    expect((err as Error).message).toMatch(/^b\.yaml: /);
  });

  test('a base outside the config folder or absolute is refused', () => {
    const dir = projectDir();
    for (const ext of ['../base.yaml', '/etc/passwd']) {
      write(dir, 'blueprint.yaml', { ...org, extends: ext, repositories: [web] });
      const p = problemsOf(() => loadConfigFile(path.join(dir, 'blueprint.yaml')));
      expect(p[0]).toMatchObject({ path: 'extends', value: ext });
      expect(p[0].message).toMatch(/outside the config's folder|must be relative/);
    }
  });

  test('problems of the merged config are all reported, with unknown keys of the base too', () => {
    const dir = projectDir();
    write(dir, 'base.yaml', { ...org, admision: {} });
    write(dir, 'blueprint.yaml', { extends: 'base.yaml', repositories: [{ name: 'web', images: ['ghcr.io/Acme/web'] }] });
    const p = problemsOf(() => loadConfigFile(path.join(dir, 'blueprint.yaml')));
    expect(p.map((x) => x.path).sort()).toEqual(['admision', 'repositories[0].images[0]']);
    expect(p.find((x) => x.path === 'admision')!.fix).toBe('did you mean "admission"?');
  });

  test('TypeScript props can extend a file in baseDir', () => {
    const dir = projectDir();
    write(dir, 'org.yaml', org);
    const bp = new ImageSigningBlueprint({ config: { extends: 'org.yaml', repositories: [web] } as any, baseDir: dir });
    expect(bp.name).toBe('acme-org');
    expect(bp.clusterNames).toEqual(['prod']);
  });
});

describe('addRepository / addCluster', () => {
  const dir = projectDir({ 'team.pub': newPublicKeyPem() });
  const blueprint = () => new ImageSigningBlueprint({ config: keyConfig(repos(web, api)), baseDir: dir });

  test('adds a repository with its own signing; the next index is used in errors', () => {
    const bp = blueprint();
    bp.addRepository({ name: 'docs', images: ['ghcr.io/acme/docs'], signing: { mode: SigningMode.KEYLESS } });
    bp.addRepository({ name: 'pay', images: ['ghcr.io/acme/pay'], signing: { key: { publicKeyFile: 'team.pub' } } });
    expect(bp.repositoryNames).toEqual(['web', 'api', 'docs', 'pay']);
    const files = bp.renderFiles();
    expect(files['github/docs/cosign.pub']).toBeUndefined();
    expect(files['github/pay/cosign.pub']).toBe(fs.readFileSync(path.join(dir, 'team.pub'), 'utf8'));
    expect(bp.check().filter((f) => f.level === 'error')).toEqual([]);
  });

  test('a duplicate name, an image built elsewhere, an unknown key: the loader\'s messages; nothing is added', () => {
    const bp = blueprint();
    const p = problemsOf(() => bp.addRepository({ name: 'WEB', images: ['ghcr.io/acme/api'] }));
    expect(p.map((x) => `${x.path}: ${x.message}`)).toEqual([
      'repositories[2]: repository name "web" is also used by repositories[0]',
      'repositories[2].images[0]: is also built by repositories[1].images[0]; two workflows would sign the same image',
    ]);
    const q = problemsOf(() => bp.addRepository({ name: 'x', images: ['ghcr.io/acme/x'], imags: [] } as any));
    expect(q).toEqual([expect.objectContaining({ path: 'repositories[2].imags', fix: 'did you mean "images"?' })]);
    expect(bp.repositoryNames).toEqual(['web', 'api']);
  });

  test('a missing key file of the new repository is reported at its path', () => {
    const p = problemsOf(() => blueprint().addRepository({ name: 'x', images: ['ghcr.io/acme/x'], signing: { key: { publicKeyFile: 'nope.pub' } } }));
    expect(p).toEqual([expect.objectContaining({ path: 'repositories[2].signing.key.publicKeyFile', message: 'file not found' })]);
  });

  test('addCluster: the implicit default cluster is replaced; a duplicate name is refused', () => {
    const bp = blueprint();
    expect(bp.clusterNames).toEqual(['default']);
    bp.addCluster({ name: 'prod' });
    bp.addCluster({ name: 'edge', failureAction: 'Audit' as any });
    expect(bp.clusterNames).toEqual(['prod', 'edge']);
    expect(problemsOf(() => bp.addCluster({ name: 'prod' })).map((x) => `${x.path}: ${x.message}`))
      .toEqual(['clusters[2]: cluster name "prod" is also used by clusters[0]']);
    expect(problemsOf(() => bp.addCluster({ name: 'Bad_Name' }))[0].path).toBe('clusters[2].name');
    expect(Object.keys(bp.renderFiles()).filter((f) => f.startsWith('kubernetes/')).sort())
      .toEqual(['kubernetes/edge/image-signing.k8s.yaml', 'kubernetes/prod/image-signing.k8s.yaml']);
  });

  test('after rendering, the blueprint is frozen', () => {
    const bp = blueprint();
    bp.renderFiles();
    let err: unknown;
    try {
      bp.addRepository({ name: 'late', images: ['ghcr.io/acme/late'] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BlueprintError);
    expect((err as BlueprintError).code).toBe('BLUEPRINT_FROZEN');
    expect(() => blueprint().check() && blueprint()).not.toThrow();
    const checked = blueprint();
    checked.check();
    expect(() => checked.addCluster({ name: 'x' })).toThrow(/already rendered/);
  });
});
