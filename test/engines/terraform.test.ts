import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { memoryIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { DEPENDABOT_PATH, dependabotYaml } from '../../src/github/dependabot';
import { tempDir } from '../support/fixtures';
import { GitHubApiStandIn, startGitHubApi } from '../support/github-api';
import { describeWithInterop, interopTool } from '../support/interop';

/*
 * The synthesized GitHub stacks judged by real Terraform: OpenTofu and terraform-provider-github
 * built from their Go modules (interop/tofu, interop/provider-github).
 *
 * Version gap, stated honestly: our @cdktf/provider-github 15.3.1 bindings were generated for
 * provider 6.9.0 and the stacks say `required_providers.github.version = "6.9.0"`, but the Go
 * module proxy serves the zip of no v6 release but 6.6.0 here. The provider is installed from a
 * filesystem mirror at its true version 6.6.0, and each working folder gets one Terraform
 * override file (`provider_override.tf.json`) that pins 6.6.0; the stack's own file is untouched.
 * Everything our stacks use exists in 6.6.0 except `data.github_actions_environment_public_key`
 * (added in 6.8.0), which only environment-scoped sealed stacks use: not covered here.
 */
const PROVIDER_VERSION = '6.6.0';
const ROOT = path.resolve(__dirname, '..', '..');

interface Run { code: number; stdout: string; stderr: string }

function run(bin: string, args: string[], cwd: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => { stdout += String(c); });
    child.stderr.on('data', (c) => { stderr += String(c); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** an offline tofu: the provider from a filesystem mirror, nothing from the network */
function tofuEnv(): { env: Record<string, string>; tofu: string } {
  const tofu = interopTool('tofu')!;
  const provider = interopTool('terraform-provider-github')!;
  const dir = tempDir('isb-tofu-');
  const plat = path.join(dir, 'mirror', 'registry.opentofu.org', 'integrations', 'github', PROVIDER_VERSION, 'linux_amd64');
  fs.mkdirSync(plat, { recursive: true });
  fs.symlinkSync(provider, path.join(plat, `terraform-provider-github_v${PROVIDER_VERSION}`));
  fs.writeFileSync(path.join(dir, 'cli.tfrc'), [
    'provider_installation {',
    '  filesystem_mirror {',
    `    path    = ${JSON.stringify(path.join(dir, 'mirror'))}`,
    '    include = ["registry.opentofu.org/integrations/github"]',
    '  }',
    '}',
  ].join('\n'));
  return {
    tofu,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      TF_CLI_CONFIG_FILE: path.join(dir, 'cli.tfrc'),
      CHECKPOINT_DISABLE: '1',
      TF_IN_AUTOMATION: '1',
    },
  };
}

/** a working folder holding one stack's cdk.tf.json and the provider version override */
function workdir(stackFile: string): string {
  const dir = tempDir('isb-tfwork-');
  fs.copyFileSync(stackFile, path.join(dir, 'cdk.tf.json'));
  fs.writeFileSync(path.join(dir, 'provider_override.tf.json'), JSON.stringify({
    terraform: { required_providers: { github: { source: 'integrations/github', version: PROVIDER_VERSION } } },
  }));
  return dir;
}

async function synth(cwd: string, config: string, env: Record<string, string> = {}): Promise<string> {
  const out = tempDir('isb-tfsynth-');
  const io = memoryIo({ cwd, env });
  // synth reads COSIGN_PASSWORD (to seal) from the process environment (src/synth/artifacts.ts)
  const saved = { ...process.env };
  Object.assign(process.env, env);
  let code: number;
  try {
    code = await main(['synth', '--config', config, '--out', out], io);
  } finally {
    for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k];
  }
  if (code !== 0) throw new Error(`synth of ${path.join(cwd, config)} failed (${code}):\n${io.stderr()}`);
  return out;
}

function stacks(out: string): string[] {
  const dir = path.join(out, 'terraform', 'stacks');
  return fs.readdirSync(dir).sort().map((s) => path.join(dir, s, 'cdk.tf.json'));
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  }));
  return out;
}

describeWithInterop(['tofu', 'terraform-provider-github'], 'the GitHub stacks are valid Terraform (OpenTofu + terraform-provider-github)', () => {
  jest.setTimeout(600_000);

  test('tofu init (offline, local provider) and tofu validate pass on every synthesized cdk.tf.json', async () => {
    const { tofu, env } = tofuEnv();
    const sources: Array<{ label: string; out: string }> = [];
    for (const ex of ['repo-owner', 'keyless', 'org-blueprint']) {
      sources.push({ label: `examples/${ex}`, out: await synth(path.join(ROOT, 'examples', ex), 'blueprint.yaml') });
    }
    // the bench's organization blueprint (bench/gen.js), cut to 20 repositories
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { writeOrg } = require(path.join(ROOT, 'bench', 'gen.js'));
    const benchDir = tempDir('isb-bench20-');
    writeOrg(benchDir, 20);
    sources.push({ label: 'bench org blueprint, 20 repositories', out: await synth(benchDir, 'blueprint.yaml') });
    for (const mode of ['repository', 'organization']) {
      const dir = tempDir('isb-tfmatrix-');
      fs.copyFileSync(path.join(ROOT, 'examples', 'repo-owner', 'cosign.pub'), path.join(dir, 'cosign.pub'));
      fs.writeFileSync(path.join(dir, 'blueprint.yaml'), YAML.stringify({
        name: `matrix-${mode}`,
        github: { owner: 'acme' },
        repositories: [{ name: 'web', images: ['ghcr.io/acme/web'] }, { name: 'api', images: ['ghcr.io/acme/api', 'registry.example:5000/acme/api'] }],
        signing: { mode: 'key', key: { publicKeyFile: 'cosign.pub', secretScope: mode } },
      }));
      sources.push({ label: `matrix: key, secretScope ${mode}`, out: await synth(dir, 'blueprint.yaml') });
    }
    const files = sources.flatMap((s) => stacks(s.out).map((f) => ({ label: `${s.label}: ${path.basename(path.dirname(f))}`, file: f })));
    expect(files.length).toBeGreaterThanOrEqual(50);
    const results = await mapLimit(files, 2, async ({ label, file }) => {
      const dir = workdir(file);
      const init = await run(tofu, ['init', '-input=false', '-no-color'], dir, env);
      if (init.code !== 0) return `${label}: tofu init failed:\n${init.stderr}${init.stdout}`;
      const lock = fs.readFileSync(path.join(dir, '.terraform.lock.hcl'), 'utf8');
      if (!lock.includes(`version     = "${PROVIDER_VERSION}"`)) return `${label}: the lock file does not name ${PROVIDER_VERSION}:\n${lock}`;
      const v = await run(tofu, ['validate', '-json', '-no-color'], dir, env);
      const j = JSON.parse(v.stdout);
      if (v.code !== 0 || j.valid !== true || j.error_count !== 0) {
        return `${label}: tofu validate: ${j.diagnostics.map((d: any) => `${d.severity}: ${d.summary}: ${d.detail} (${d.snippet?.context ?? ''})`).join('\n')}`;
      }
      return undefined;
    });
    // eslint-disable-next-line no-console
    console.log(`tofu init + validate: ${files.length} stacks from ${sources.length} blueprints`);
    expect(results.filter((r) => r !== undefined)).toEqual([]);
  });

  describe.each([
    ['sensitive Terraform variables (the provider seals them)', false],
    ['sealed at synth to the repository\'s Actions public key (encrypted_value)', true],
  ])('tofu apply against the GitHub REST stand-in: %s', (_label, sealed) => {
    let api: GitHubApiStandIn;
    let dir: string;
    let tf: { tofu: string; env: Record<string, string> };
    const password = 'pw-terraform-apply-0123';
    let privateKeyPem: string;
    let publicKeyPem: string;
    let workflow: string;

    beforeAll(async () => {
      api = await startGitHubApi({ org: 'acme', repositories: ['web'] });
      const src = tempDir('isb-tfapply-');
      expect(await main(['keygen', '--out-dir', src], memoryIo({ cwd: src, env: { COSIGN_PASSWORD: password } }))).toBe(0);
      privateKeyPem = fs.readFileSync(path.join(src, 'cosign.key'), 'utf8');
      publicKeyPem = fs.readFileSync(path.join(src, 'cosign.pub'), 'utf8');
      fs.writeFileSync(path.join(src, 'blueprint.yaml'), YAML.stringify({
        name: 'acme-web',
        github: { owner: 'acme' },
        repositories: [{ name: 'web', images: ['ghcr.io/acme/web'], ...(sealed ? { actionsPublicKey: api.publicKey('web') } : {}) }],
        signing: { mode: 'key', key: { publicKeyFile: 'cosign.pub', ...(sealed ? { privateKeyFile: 'cosign.key' } : {}) } },
      }));
      const out = await synth(src, 'blueprint.yaml', { COSIGN_PASSWORD: password });
      workflow = fs.readFileSync(path.join(out, 'github', '.github', 'workflows', 'build-sign.yml'), 'utf8');
      const stack = stacks(out);
      expect(stack.map((f) => path.basename(path.dirname(f)))).toEqual(['github-web']);
      const json = fs.readFileSync(stack[0], 'utf8');
      expect(json).not.toContain(password);
      expect(json).not.toContain(privateKeyPem.trim().split('\n')[1]);
      dir = workdir(stack[0]);
      const base = tofuEnv();
      tf = {
        tofu: base.tofu,
        env: {
          ...base.env,
          GITHUB_BASE_URL: api.baseUrl,
          GITHUB_TOKEN: 'stand-in-token',
          ...(sealed ? {} : { TF_VAR_cosign_private_key: privateKeyPem, TF_VAR_cosign_password: password }),
        },
      };
      const init = await run(tf.tofu, ['init', '-input=false', '-no-color'], dir, tf.env);
      expect(init.code).toBe(0);
    });
    afterAll(async () => {
      await api?.stop();
    });

    test('every Actions secret arrives and opens with the repository key to exactly what we generated; nothing else lands; a second plan shows no changes', async () => {
      const apply = await run(tf.tofu, ['apply', '-auto-approve', '-input=false', '-no-color'], dir, tf.env);
      if (apply.code !== 0) throw new Error(`tofu apply failed:\n${apply.stderr}\n${apply.stdout}\nunhandled: ${JSON.stringify(api.unhandled)}`);
      expect(api.unhandled).toEqual([]);
      const repoKey = api.publicKey('web');
      const got = [...api.secrets.values()];
      expect(got.map((s) => `${s.scope}:${s.owner}:${s.name}`).sort()).toEqual([
        'repository:web:COSIGN_PASSWORD', 'repository:web:COSIGN_PRIVATE_KEY', 'repository:web:COSIGN_PUBLIC_KEY',
      ]);
      const opened = Object.fromEntries(got.map((s) => {
        expect(s.keyId).toBe(repoKey.keyId);
        return [s.name, api.open(s.encryptedValue, s.keyId)];
      }));
      expect(opened.COSIGN_PRIVATE_KEY).toBe(privateKeyPem);
      expect(opened.COSIGN_PASSWORD).toBe(password);
      expect(opened.COSIGN_PUBLIC_KEY).toBe(publicKeyPem);
      // the three repository files, byte for byte (no Terraform template mangled `${{ }}`)
      expect(api.files()).toEqual({ 'web:.github/workflows/build-sign.yml': workflow, 'web:cosign.pub': publicKeyPem, [`web:${DEPENDABOT_PATH}`]: dependabotYaml() });
      // every write is one of those: PUTs of the 3 secrets and 3 files, nothing else
      const writes = api.requests.filter((r) => r.method !== 'GET');
      expect(writes.map((r) => `${r.method} ${r.path}`).sort()).toEqual([
        'PUT /repos/acme/web/actions/secrets/COSIGN_PASSWORD',
        'PUT /repos/acme/web/actions/secrets/COSIGN_PRIVATE_KEY',
        'PUT /repos/acme/web/actions/secrets/COSIGN_PUBLIC_KEY',
        'PUT /repos/acme/web/contents/.github/dependabot.yml',
        'PUT /repos/acme/web/contents/.github/workflows/build-sign.yml',
        'PUT /repos/acme/web/contents/cosign.pub',
      ]);
      // no plaintext in the state either when sealed at synth
      const state = fs.readFileSync(path.join(dir, 'terraform.tfstate'), 'utf8');
      if (sealed) expect(state).not.toContain(password);

      const plan = await run(tf.tofu, ['plan', '-detailed-exitcode', '-input=false', '-no-color'], dir, tf.env);
      // -detailed-exitcode: 0 = no changes, 2 = changes
      if (plan.code !== 0) throw new Error(`second tofu plan is not empty (exit ${plan.code}):\n${plan.stdout}\n${plan.stderr}`);
      expect(plan.stdout).toMatch(/No changes/);
      expect(api.requests.filter((r) => r.method !== 'GET')).toHaveLength(6); // 3 secrets + 3 files, and nothing more after the second plan
    });
  });
});
