import * as fs from 'node:fs';
import * as path from 'node:path';
import { KeyProject, keyProject, newActionsKey, openSealed, PASSWORD, secretNeedles, TestActionsKey, withEnv } from './secrets-support';
import { ImageSigningBlueprint } from '../../src';
import { memoryIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { ConfigError } from '../../src/config/problems';
import { sealedBoxReady, sealingNeeded } from '../../src/github/sealed-box';
import { tempDir } from '../support/fixtures';
import { filesContaining, listFilesRecursive } from '../support/secrets-scan';

const SECRET_NAMES = ['COSIGN_PASSWORD', 'COSIGN_PRIVATE_KEY', 'COSIGN_PUBLIC_KEY'];

function config(key: Record<string, unknown>, extra: { github?: Record<string, unknown>; repoKeys?: Record<string, TestActionsKey> } = {}): any {
  const repo = (name: string) => ({
    name,
    images: [`ghcr.io/acme/${name}`],
    ...(extra.repoKeys?.[name] ? { actionsPublicKey: { keyId: extra.repoKeys[name].keyId, key: extra.repoKeys[name].key } } : {}),
  });
  return {
    name: 'acme-images',
    github: { owner: 'acme', ...(extra.github ?? {}) },
    repositories: [repo('web'), repo('api')],
    signing: { mode: 'key', key: { publicKeyFile: 'cosign.pub', privateKeyFile: 'cosign.key', ...key } },
  };
}

/** Synthesizes to a fresh folder with COSIGN_PASSWORD set; returns the folder and the stacks' JSON. */
function synth(p: KeyProject, cfg: any, env: Record<string, string | undefined> = { COSIGN_PASSWORD: PASSWORD }) {
  return withEnv(env, () => {
    const out = tempDir('isb-secrets-out-');
    new ImageSigningBlueprint({ config: cfg, baseDir: p.dir }).synth(out);
    const stack = (id: string) => JSON.parse(fs.readFileSync(path.join(out, 'terraform/stacks', id, 'cdk.tf.json'), 'utf8'));
    return { out, stack };
  });
}

const values = (o: Record<string, any> | undefined) => Object.values<any>(o ?? {});
const byName = (o: Record<string, any> | undefined) => Object.fromEntries(values(o).map((s) => [s.secret_name, s]));

describe('GitHub secrets: three scopes, sealed or sensitive variables', () => {
  let p: KeyProject;
  const webKey = newActionsKey('568250167242549743');
  const apiKey = newActionsKey('568250167242549744');
  const orgKey = newActionsKey('9000000000000000001');
  beforeAll(async () => {
    p = await keyProject();
    await sealedBoxReady();
  });

  describe('repository scope', () => {
    test('without an Actions public key: plaintext_value from sensitive variables, no sealing inputs read', () => {
      const { stack } = synth(p, config({}), { COSIGN_PASSWORD: undefined });
      for (const id of ['github-web', 'github-api']) {
        const tf = stack(id);
        const s = byName(tf.resource.github_actions_secret);
        expect(Object.keys(s).sort()).toEqual(SECRET_NAMES);
        expect(s.COSIGN_PRIVATE_KEY.plaintext_value).toBe('${var.cosign_private_key}');
        expect(s.COSIGN_PASSWORD.plaintext_value).toBe('${var.cosign_password}');
        expect(s.COSIGN_PRIVATE_KEY.encrypted_value).toBeUndefined();
        expect(tf.variable.cosign_private_key).toMatchObject({ type: 'string', sensitive: true, nullable: false });
        expect(tf.variable.cosign_password).toMatchObject({ type: 'string', sensitive: true, nullable: false });
        expect(tf.data).toBeUndefined();
      }
    });

    test('with the repository\'s Actions public key: encrypted_value only, no variables, each value opens to the right plaintext', () => {
      const { stack } = synth(p, config({}, { repoKeys: { web: webKey } }));
      const web = stack('github-web');
      const s = byName(web.resource.github_actions_secret);
      expect(Object.keys(s).sort()).toEqual(SECRET_NAMES);
      for (const secret of Object.values<any>(s)) {
        expect(secret.plaintext_value).toBeUndefined();
        expect(secret.repository).toBe('web');
        expect(secret.encrypted_value).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
      }
      expect(openSealed(s.COSIGN_PRIVATE_KEY.encrypted_value, webKey)).toBe(p.privateKeyPem);
      expect(openSealed(s.COSIGN_PASSWORD.encrypted_value, webKey)).toBe(PASSWORD);
      expect(openSealed(s.COSIGN_PUBLIC_KEY.encrypted_value, webKey)).toBe(p.publicKeyPem);
      // sealed to web's key only: api's key (or any other) cannot open it
      expect(openSealed(s.COSIGN_PASSWORD.encrypted_value, apiKey)).toBeUndefined();
      expect(web.variable).toBeUndefined();
      // api has no Actions public key in the config: it keeps the variables
      const api = byName(stack('github-api').resource.github_actions_secret);
      expect(api.COSIGN_PASSWORD.plaintext_value).toBe('${var.cosign_password}');
    });

    test('apply-time guard: the secrets require GitHub\'s current key to be the one they were sealed to', () => {
      const { stack } = synth(p, config({}, { repoKeys: { web: webKey } }));
      const web = stack('github-web');
      const data = values(web.data.github_actions_public_key);
      expect(data).toHaveLength(1);
      expect(data[0].repository).toBe('web');
      const pre = byName(web.resource.github_actions_secret).COSIGN_PRIVATE_KEY.lifecycle.precondition[0];
      expect(pre.condition).toContain('data.github_actions_public_key.');
      expect(pre.condition).toContain(`.key_id == "${webKey.keyId}"`);
      expect(pre.condition).toContain(`.key == "${webKey.key}"`);
      expect(pre.error_message).toContain(webKey.keyId);
    });
  });

  describe('environment scope', () => {
    test('environment secrets in the environment the stack creates; sealed to the environment\'s key', () => {
      const { stack } = synth(p, config({ secretScope: 'environment', environment: 'signing' }, { repoKeys: { web: webKey } }));
      const web = stack('github-web');
      expect(web.resource.github_actions_secret).toBeUndefined();
      const env = values(web.resource.github_repository_environment);
      expect(env).toEqual([expect.objectContaining({ repository: 'web', environment: 'signing' })]);
      const s = byName(web.resource.github_actions_environment_secret);
      expect(Object.keys(s).sort()).toEqual(SECRET_NAMES);
      for (const secret of Object.values<any>(s)) {
        expect(secret.environment).toBe('${github_repository_environment.signing-environment.environment}');
        expect(secret.plaintext_value).toBeUndefined();
      }
      expect(openSealed(s.COSIGN_PRIVATE_KEY.encrypted_value, webKey)).toBe(p.privateKeyPem);
      expect(openSealed(s.COSIGN_PASSWORD.encrypted_value, webKey)).toBe(PASSWORD);
      const data = values(web.data.github_actions_environment_public_key)[0];
      expect(data).toMatchObject({ repository: 'web', environment: '${github_repository_environment.signing-environment.environment}' });
      // without a key: sensitive variables
      const api = stack('github-api');
      expect(byName(api.resource.github_actions_environment_secret).COSIGN_PRIVATE_KEY.plaintext_value).toBe('${var.cosign_private_key}');
      expect(api.variable.cosign_password.sensitive).toBe(true);
    });
  });

  describe('organization scope', () => {
    test('one organization stack: selected visibility, repository ids from github_repository data sources', () => {
      const { stack, out } = synth(p, config({ secretScope: 'organization' }), { COSIGN_PASSWORD: undefined });
      expect(fs.readdirSync(path.join(out, 'terraform/stacks')).sort()).toEqual(['github-api', 'github-web', 'org-acme']);
      const org = stack('org-acme');
      expect(org.provider.github[0].owner).toBe('acme');
      const repos = org.data.github_repository;
      expect(values(repos).map((r) => r.full_name).sort()).toEqual(['acme/api', 'acme/web']);
      const s = byName(org.resource.github_actions_organization_secret);
      expect(Object.keys(s).sort()).toEqual(SECRET_NAMES);
      const idRefs = Object.keys(repos).map((id) => `\${data.github_repository.${id}.repo_id}`).sort();
      for (const secret of Object.values<any>(s)) {
        expect(secret.visibility).toBe('selected');
        expect([...secret.selected_repository_ids].sort()).toEqual(idRefs);
      }
      expect(s.COSIGN_PRIVATE_KEY.plaintext_value).toBe('${var.cosign_private_key}');
      expect(s.COSIGN_PASSWORD.plaintext_value).toBe('${var.cosign_password}');
      expect(s.COSIGN_PUBLIC_KEY.plaintext_value).toBe(p.publicKeyPem);
      expect(org.variable.cosign_private_key).toMatchObject({ sensitive: true, nullable: false });
      expect(org.variable.cosign_password).toMatchObject({ sensitive: true, nullable: false });
      expect(org.resource.github_repository_file).toBeUndefined();
    });

    test('repository stacks still commit the workflow, cosign.pub and dependabot.yml, but provision no secrets', () => {
      const { stack } = synth(p, config({ secretScope: 'organization' }));
      for (const [id, repo] of [['github-web', 'web'], ['github-api', 'api']]) {
        const tf = stack(id);
        expect(tf.resource.github_actions_secret).toBeUndefined();
        expect(tf.resource.github_actions_organization_secret).toBeUndefined();
        expect(tf.variable).toBeUndefined();
        const files = values(tf.resource.github_repository_file);
        expect(files.map((f) => f.file).sort()).toEqual(['.github/dependabot.yml', '.github/workflows/build-sign.yml', 'cosign.pub']);
        expect(files.every((f) => f.repository === repo)).toBe(true);
        expect(files.find((f) => f.file === 'cosign.pub').content).toBe(p.publicKeyPem);
      }
    });

    test('with the organization\'s Actions public key: sealed values and an organization key guard', () => {
      const { stack } = synth(p, config({ secretScope: 'organization' }, { github: { actionsPublicKey: { keyId: orgKey.keyId, key: orgKey.key } } }));
      const org = stack('org-acme');
      const s = byName(org.resource.github_actions_organization_secret);
      expect(openSealed(s.COSIGN_PRIVATE_KEY.encrypted_value, orgKey)).toBe(p.privateKeyPem);
      expect(openSealed(s.COSIGN_PASSWORD.encrypted_value, orgKey)).toBe(PASSWORD);
      expect(openSealed(s.COSIGN_PUBLIC_KEY.encrypted_value, orgKey)).toBe(p.publicKeyPem);
      for (const secret of Object.values<any>(s)) {
        expect(secret.plaintext_value).toBeUndefined();
        expect(secret.visibility).toBe('selected');
        expect(secret.lifecycle.precondition[0].condition).toContain(`data.github_actions_organization_public_key.actions-public-key.key_id == "${orgKey.keyId}"`);
      }
      expect(org.variable).toBeUndefined();
    });
  });

  test('sealingNeeded (the CLI loads libsodium only then): repository and organization Actions keys yes, sensitive variables no', () => {
    const model = (cfg: any) => new ImageSigningBlueprint({ config: cfg, baseDir: p.dir })._model();
    expect(sealingNeeded(model(config({}, { repoKeys: { web: webKey } })))).toBe(true);
    expect(sealingNeeded(model(config({ secretScope: 'organization' }, { github: { actionsPublicKey: { keyId: orgKey.keyId, key: orgKey.key } } })))).toBe(true);
    expect(sealingNeeded(model(config({})))).toBe(false);
    expect(sealingNeeded(model(config({ secretScope: 'organization' })))).toBe(false);
  });

  describe('runbook secrets section', () => {
    const runbook = (cfg: any) => fs.readFileSync(path.join(synth(p, cfg).out, 'RUNBOOK.md'), 'utf8');
    test('organization scope: apply the organization stack first; sealed values need no TF_VAR', () => {
      const sealed = runbook(config({ secretScope: 'organization' }, { github: { actionsPublicKey: { keyId: orgKey.keyId, key: orgKey.key } } }));
      expect(sealed).toContain('cd terraform/stacks/org-acme');
      expect(sealed.indexOf('cd terraform/stacks/org-acme')).toBeLessThan(sealed.indexOf('cd terraform/stacks/github-web'));
      expect(sealed).not.toContain('export TF_VAR_cosign_private_key');
      const vars = runbook(config({ secretScope: 'organization' }));
      expect(vars.match(/export TF_VAR_cosign_private_key/g)).toHaveLength(1);
    });
    test('repository scope: TF_VAR exports only for the repositories without an Actions public key', () => {
      const text = runbook(config({}, { repoKeys: { web: webKey } }));
      expect(text.match(/export TF_VAR_cosign_private_key/g)).toHaveLength(1);
      expect(text).toMatch(/cd terraform\/stacks\/github-api\nexport TF_VAR_cosign_private_key/);
    });
  });

  describe('no plaintext secret in any synthesized file', () => {
    const cases: [string, () => any][] = [
      ['repository, sealed', () => config({}, { repoKeys: { web: webKey, api: apiKey } })],
      ['repository, variables', () => config({})],
      ['environment, sealed', () => config({ secretScope: 'environment', environment: 'signing' }, { repoKeys: { web: webKey, api: apiKey } })],
      ['organization, sealed', () => config({ secretScope: 'organization' }, { github: { actionsPublicKey: { keyId: orgKey.keyId, key: orgKey.key } } })],
      ['organization, variables', () => config({ secretScope: 'organization' })],
    ];
    test.each(cases)('%s', (_name, cfg) => {
      const { out } = synth(p, cfg());
      expect(listFilesRecursive(out).filter((f) => f.includes(`${path.sep}terraform${path.sep}`)).length).toBeGreaterThanOrEqual(3);
      expect(filesContaining(out, secretNeedles(p.privateKeyPem, PASSWORD))).toEqual([]);
    });

    test('the scan can fail: planted plaintext (password, one PEM body line) is found', () => {
      const { out } = synth(p, config({}, { repoKeys: { web: webKey } }));
      const planted = path.join(out, 'terraform/stacks/github-web/leak.json');
      fs.writeFileSync(planted, JSON.stringify({ v: PASSWORD }));
      fs.writeFileSync(path.join(out, 'leak2.txt'), p.privateKeyPem.split('\n')[3]);
      expect(filesContaining(out, secretNeedles(p.privateKeyPem, PASSWORD)).map((f) => path.basename(f)).sort()).toEqual(['leak.json', 'leak2.txt']);
    });
  });

  describe('missing inputs for sealing are errors, never a silent fallback', () => {
    test('COSIGN_PASSWORD unset', () => {
      expect(() => synth(p, config({}, { repoKeys: { web: webKey } }), { COSIGN_PASSWORD: undefined }))
        .toThrow(expect.objectContaining({ code: 'SECRET_SOURCE_MISSING', path: 'COSIGN_PASSWORD', message: expect.stringContaining('repositories[0].actionsPublicKey') }));
    });

    test('signing.key.privateKeyFile not set', () => {
      const cfg = config({}, { github: { actionsPublicKey: { keyId: orgKey.keyId, key: orgKey.key } } });
      cfg.signing.key = { publicKeyFile: 'cosign.pub', secretScope: 'organization' };
      expect(() => synth(p, cfg)).toThrow(expect.objectContaining({ code: 'SECRET_SOURCE_MISSING', path: 'signing.key.privateKeyFile', message: expect.stringContaining('github.actionsPublicKey') }));
    });

    test('privateKeyFile that is not an encrypted cosign key is refused (never sealed)', () => {
      fs.writeFileSync(path.join(p.dir, 'plain.key'), '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
      expect(() => synth(p, config({ privateKeyFile: 'plain.key' }, { repoKeys: { web: webKey } })))
        .toThrow(expect.objectContaining({ code: 'SECRET_SOURCE_MISSING', path: 'signing.key.privateKeyFile' }));
    });
  });

  describe('the CLI seals with the password of its own environment', () => {
    /** process.env.COSIGN_PASSWORD set (or unset) while an async call runs */
    async function withProcessPassword<T>(value: string | undefined, fn: () => Promise<T>): Promise<T> {
      const saved = process.env.COSIGN_PASSWORD;
      if (value === undefined) delete process.env.COSIGN_PASSWORD; else process.env.COSIGN_PASSWORD = value;
      try {
        return await fn();
      } finally {
        if (saved === undefined) delete process.env.COSIGN_PASSWORD; else process.env.COSIGN_PASSWORD = saved;
      }
    }
    test('COSIGN_PASSWORD only in the CLI environment (not in process.env): sealed with it', async () => {
      const cfg = config({}, { repoKeys: { web: webKey } });
      fs.writeFileSync(path.join(p.dir, 'blueprint.yaml'), JSON.stringify(cfg));
      const out = tempDir('isb-secrets-cli-');
      const io = memoryIo({ cwd: p.dir, env: { COSIGN_PASSWORD: PASSWORD } });
      expect([await withProcessPassword(undefined, () => main(['synth', '--out', out], io)), io.stderr()]).toEqual([0, expect.any(String)]);
      const tf = JSON.parse(fs.readFileSync(path.join(out, 'terraform/stacks/github-web/cdk.tf.json'), 'utf8'));
      expect(openSealed(byName(tf.resource.github_actions_secret).COSIGN_PASSWORD.encrypted_value, webKey)).toBe(PASSWORD);
    });
    test('COSIGN_PASSWORD only in process.env, not in the CLI environment: refused, nothing written', async () => {
      const out = path.join(tempDir('isb-secrets-cli-'), 'dist');
      const io = memoryIo({ cwd: p.dir, env: {} });
      expect(await withProcessPassword(PASSWORD, () => main(['synth', '--out', out], io))).toBe(1);
      expect(io.stderr()).toMatch(/SECRET_SOURCE_MISSING/);
      expect(fs.existsSync(out)).toBe(false);
    });
  });

  describe('config validation of the Actions public keys', () => {
    const problems = (cfg: any) => {
      try {
        new ImageSigningBlueprint({ config: cfg, baseDir: p.dir });
      } catch (e) {
        if (e instanceof ConfigError) return e.problems.map((x) => `${x.path}: ${x.message}`);
        throw e;
      }
      return [];
    };
    test('the organization key needs organization scope, repository keys do not fit it', () => {
      expect(problems(config({}, { github: { actionsPublicKey: { keyId: '1', key: orgKey.key } } })))
        .toEqual([expect.stringMatching(/^github\.actionsPublicKey: .*secretScope is repository/)]);
      expect(problems(config({ secretScope: 'organization' }, { repoKeys: { api: apiKey } })))
        .toEqual([expect.stringMatching(/^repositories\[1\]\.actionsPublicKey: is not used with secretScope: organization/)]);
    });
    test('key must be base64 of 32 bytes; keyId a string (a YAML number would lose digits)', () => {
      const cfg = config({});
      cfg.repositories[0].actionsPublicKey = { keyId: 568250167242549743, key: Buffer.alloc(16).toString('base64') };
      expect(problems(cfg).sort()).toEqual([
        expect.stringMatching(/^repositories\[0\]\.actionsPublicKey\.key: must be the base64 `key`/),
        expect.stringMatching(/^repositories\[0\]\.actionsPublicKey\.keyId: must be a string/),
      ]);
      cfg.repositories[0].actionsPublicKey = { keyId: '568250167242549743', key: webKey.key, extra: 1 };
      expect(problems(cfg)).toEqual([expect.stringMatching(/^repositories\[0\]\.actionsPublicKey\.extra: is not a known key/)]);
    });
  });
});
