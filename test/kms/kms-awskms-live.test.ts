import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { ImageSigningBlueprint, SignatureFormat, SigningMode } from '../../src';
import { memoryIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { tempDir } from '../support/fixtures';
import { describeWithInterop, InteropTool, requireInteropTool } from '../support/interop';
import { KmsEmulator, startLocalKms } from '../support/kms';
import { pushTinyImage, startRegistry, TestRegistry } from '../support/registry';

/*
 * Real cosign signs with awskms:// keys held by local-kms (interop/local-kms) on 127.0.0.1 over TLS:
 * cosign's AWS client always speaks https to the endpoint of awskms://HOST:PORT/ (sigstore/sigstore
 * pkg/signature/kms/aws: BaseEndpoint "https://" + endpoint) and trusts AWS_CA_BUNDLE. local-kms
 * signs MessageType=DIGEST requests over the digest itself, as AWS KMS does. It does not check SigV4:
 * the credentials below stand in for what aws-actions/configure-aws-credentials exports.
 */
const COSIGNS = ['cosign-v2', 'cosign-v3'] as const;
const VERSION: Record<string, string> = { 'cosign-v2': 'v2.6.5', 'cosign-v3': 'v3.1.3', 'cosign-v3.0': 'v3.0.6' };
const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'kms', 'blueprint.yaml');

describeWithInterop([...COSIGNS, 'cosign-v3.0', 'local-kms'], 'real cosign signs with awskms:// (local-kms on 127.0.0.1)', () => {
  let kms: KmsEmulator;
  let reg: TestRegistry;
  let env: Record<string, string> = {};
  let uri = '';
  let otherUri = '';
  const dir = tempDir('isb-awskms-live-');

  /** cosign's exit status and stderr */
  const cosign = (tool: InteropTool, args: string[], extraEnv: Record<string, string> = {}) =>
    spawnSync(requireInteropTool(tool), args, { cwd: dir, env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 120_000 });
  /** our CLI, in process, with the same environment */
  const ours = async (args: string[], extraEnv: Record<string, string> = {}) => {
    const io = memoryIo({ env: { ...env, ...extraEnv }, cwd: dir });
    const code = await main(args, io);
    return { code, out: io.stdout(), err: io.stderr() };
  };
  /** runs the workflow's sign step as written: `cosign` on PATH is `tool`, the digest is the pushed one */
  const runSignStep = (workflowYaml: string, tool: InteropTool, digest: string, extraEnv: Record<string, string> = {}) => {
    const steps: any[] = parse(workflowYaml).jobs['build-sign'].steps;
    // the provider login is the one step replaced: its outputs are the AWS_* variables of env
    expect(steps.filter((s) => String(s.uses ?? '').startsWith('aws-actions/configure-aws-credentials@'))).toHaveLength(1);
    const sign = steps.find((s) => /^cosign sign /.test(s.run ?? ''));
    fs.rmSync(path.join(dir, 'bin', 'cosign'), { force: true });
    fs.symlinkSync(requireInteropTool(tool), path.join(dir, 'bin', 'cosign'));
    const script = String(sign.run).replace(/\$\{\{ steps\.build\.outputs\.digest \}\}/g, digest);
    const run = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { cwd: dir, env: { ...env, ...extraEnv, ...(sign.env ?? {}) }, encoding: 'utf8', timeout: 120_000 });
    expect({ status: run.status, stderr: run.stderr }).toMatchObject({ status: 0 });
    return script;
  };
  /** copies the legacy signature of `from` to the signature tag of `to` (same repository): a signature over another digest */
  const moveSignature = async (repo: string, from: string, to: string) => {
    const accept = 'application/vnd.oci.image.manifest.v1+json';
    const got = await fetch(`${reg.baseUrl}/v2/${repo}/manifests/${from.replace(':', '-')}.sig`, { headers: { accept } });
    expect(got.status).toBe(200);
    const put = await fetch(`${reg.baseUrl}/v2/${repo}/manifests/${to.replace(':', '-')}.sig`,
      { method: 'PUT', headers: { 'content-type': got.headers.get('content-type') ?? accept }, body: Buffer.from(await got.arrayBuffer()) });
    expect(put.status).toBe(201);
  };

  beforeAll(async () => {
    [kms, reg] = await Promise.all([startLocalKms(requireInteropTool('local-kms'), path.join(dir, 'kms')), startRegistry()]);
    for (const d of ['home', 'tuf', 'bin', 'keys']) fs.mkdirSync(path.join(dir, d));
    env = {
      PATH: `${path.join(dir, 'bin')}:/usr/bin:/bin`,
      HOME: path.join(dir, 'home'),
      TUF_ROOT: path.join(dir, 'tuf'),
      TUF_MIRROR: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'eu-west-1',
      AWS_CA_BUNDLE: kms.caFile,
    };
    uri = `awskms://${kms.host}/alias/isb-live`;
    otherUri = `awskms://${kms.host}/alias/isb-other`;
    // the keys are created through cosign itself (CreateKey ECC_NIST_P256 SIGN_VERIFY + CreateAlias)
    for (const u of [uri, otherUri, 'awskms:///alias/acme-image-signing']) {
      const r = spawnSync(requireInteropTool('cosign-v2'), ['generate-key-pair', '--kms', u], {
        cwd: path.join(dir, 'keys'), env: { ...env, AWS_ENDPOINT_URL_KMS: `https://${kms.host}` }, encoding: 'utf8', timeout: 60_000,
      });
      expect({ uri: u, status: r.status, stderr: r.stderr }).toMatchObject({ status: 0 });
    }
  }, 120_000);
  afterAll(async () => {
    await Promise.all([kms?.stop(), reg?.stop()]);
  });

  test.each(COSIGNS)('%s: the generated sign step signs as written; cosign verify --key <uri> and our verify --key <uri> both accept, and both refuse another key', async (tool) => {
    const repo = `acme/kms-${tool}`;
    const img = await pushTinyImage(reg, repo, 'v1');
    const image = `${reg.host}/${repo}`;
    const bp = new ImageSigningBlueprint({
      config: {
        name: 'acme-kms',
        github: { owner: 'acme' },
        repositories: [{ name: 'api', images: [image] }],
        signing: {
          mode: SigningMode.KEY,
          transparencyLog: false, // no Rekor here
          cosign: { version: VERSION[tool], signatureFormat: SignatureFormat.LEGACY },
          key: { kms: uri, kmsAuth: { aws: { roleArn: 'arn:aws:iam::111122223333:role/github-image-signing', region: 'eu-west-1' } } },
        },
      },
      baseDir: dir,
    });
    const script = runSignStep(bp.renderFiles()['github/.github/workflows/build-sign.yml'], tool, img.digest);
    expect(script).toContain(`--key ${uri} `);

    const ref = `${image}@${img.digest}`;
    const cv = cosign(tool, ['verify', '--key', uri, '--insecure-ignore-tlog=true', ref]);
    expect({ status: cv.status, stderr: cv.stderr }).toMatchObject({ status: 0 });
    const v = await ours(['verify', '--key', uri, '--insecure-ignore-tlog', ref]);
    expect({ code: v.code, err: v.err }).toMatchObject({ code: 0 });
    expect(v.out).toContain(`verified ${ref}`);

    // a key of the same KMS that did not sign: both refuse
    const cvOther = cosign(tool, ['verify', '--key', otherUri, '--insecure-ignore-tlog=true', ref]);
    expect(cvOther.status).not.toBe(0);
    expect(cvOther.stderr).toMatch(/no matching signatures|invalid signature/);
    const vOther = await ours(['verify', '--key', otherUri, '--insecure-ignore-tlog', ref]);
    expect(vOther.code).toBe(1);
    expect(vOther.err).toMatch(/^error \[BAD_SIGNATURE\]: .*1 signature\(s\) found, none valid/);
  }, 240_000);

  describe('examples/kms as written (repository api: awskms:///alias/acme-image-signing, cosign v3.0.6), only the images and the transparency log changed', () => {
    const repo = 'acme/api';
    let image = '';
    let signed = '';
    let unsigned = '';
    const endpoint = () => ({ AWS_ENDPOINT_URL_KMS: `https://${kms.host}` });

    beforeAll(async () => {
      image = `${reg.host}/${repo}`;
      const config = parse(fs.readFileSync(EXAMPLE, 'utf8'));
      expect(config.signing.key.kms).toBe('awskms:///alias/acme-image-signing');
      config.repositories[0].images = [image];
      config.repositories[1].images = [`${reg.host}/acme/worker`]; // signs with Vault: test/kms/kms-vault-live.test.ts
      config.signing.transparencyLog = false; // no Rekor here
      fs.writeFileSync(path.join(dir, 'blueprint.yaml'), stringify(config));
      signed = (await pushTinyImage(reg, repo, 'v1')).digest;
      unsigned = (await pushTinyImage(reg, repo, 'v2')).digest;
    });

    test('synthesizes with 0 errors and 0 warnings; its sign step signs (the endpoint from AWS_ENDPOINT_URL_KMS, as the SDK reads it)', async () => {
      const s = await ours(['synth', '--config', 'blueprint.yaml', '--out', 'dist'], endpoint());
      expect({ code: s.code, err: s.err }).toMatchObject({ code: 0 });
      const c = await ours(['check', '--config', 'blueprint.yaml', '--format', 'json']);
      expect(c.code).toBe(0);
      const findings: any[] = JSON.parse(c.out).findings;
      expect(findings.filter((f) => f.level === 'error' || f.level === 'warning')).toEqual([]);
      runSignStep(fs.readFileSync(path.join(dir, 'dist', 'github', 'api', '.github', 'workflows', 'build-sign.yml'), 'utf8'), 'cosign-v3.0', signed, endpoint());
      // the verify job's step, as written, accepts it too
      const job = parse(fs.readFileSync(path.join(dir, 'dist', 'github', 'api', '.github', 'workflows', 'build-sign.yml'), 'utf8')).jobs.verify;
      const verifyStep = job.steps.find((x: any) => /^cosign verify /.test(x.run ?? ''));
      const script = String(verifyStep.run).replace(/\$\{\{ needs\.build-sign\.outputs\.digest \}\}/g, signed);
      const run = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { cwd: dir, env: { ...env, ...endpoint() }, encoding: 'utf8', timeout: 120_000 });
      expect({ status: run.status, stderr: run.stderr }).toMatchObject({ status: 0 });
    }, 240_000);

    test('verify --config: every policy (Kyverno keys.kms, ImageValidatingPolicy cosign.key.kms, policy-controller key.kms) reads the key from the KMS and admits', async () => {
      const v = await ours(['verify', '--config', 'blueprint.yaml', '--output', 'json', `${image}@${signed}`], endpoint());
      const r = JSON.parse(v.out);
      const matched = r.verdicts.filter((x: any) => x.matched);
      expect(matched.map((x: any) => `${x.cluster} ${x.engine} ${x.satisfied}`).sort()).toEqual([
        'edge kyverno-ivpol true', 'prod kyverno true', 'prod policy-controller true',
      ]);
      for (const x of matched) expect(x.reasons.join(' ')).toContain('kms awskms:///alias/acme-image-signing');
      expect(v.code).toBe(0);
      expect(r.admitted).toBe(true);
      // cosign agrees
      const cv = cosign('cosign-v3.0', ['verify', '--key', 'awskms:///alias/acme-image-signing', '--insecure-ignore-tlog=true', `${image}@${signed}`], endpoint());
      expect({ status: cv.status, stderr: cv.stderr }).toMatchObject({ status: 0 });
    }, 120_000);

    test('with the exported key (publicKeyFile: kms.pub) the policies embed it and verify --config admits without KMS access', async () => {
      const pub = cosign('cosign-v3.0', ['public-key', '--key', 'awskms:///alias/acme-image-signing'], endpoint());
      expect(pub.status).toBe(0);
      fs.writeFileSync(path.join(dir, 'kms.pub'), pub.stdout);
      const config = parse(fs.readFileSync(path.join(dir, 'blueprint.yaml'), 'utf8'));
      config.signing.key.publicKeyFile = 'kms.pub';
      fs.writeFileSync(path.join(dir, 'blueprint-pub.yaml'), stringify(config));
      // no AWS variables at all: the clusters need no KMS access
      const v = await ours(['verify', '--config', 'blueprint-pub.yaml', `${image}@${signed}`], { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' });
      expect({ code: v.code, out: v.out }).toMatchObject({ code: 0 });
      expect(v.out).toMatch(/^admitted: /);
    }, 120_000);

    test('an unsigned image, a signature moved to another digest, and a KMS the verifier cannot read are refused by cosign and by verify --config', async () => {
      const cvUnsigned = cosign('cosign-v3.0', ['verify', '--key', 'awskms:///alias/acme-image-signing', '--insecure-ignore-tlog=true', `${image}@${unsigned}`], endpoint());
      expect(cvUnsigned.status).not.toBe(0);
      const vUnsigned = await ours(['verify', '--config', 'blueprint.yaml', `${image}@${unsigned}`], endpoint());
      expect(vUnsigned.code).toBe(1);
      expect(vUnsigned.out).toMatch(/^rejected: /);

      // the signature of `signed` under the tag of a third image: its payload names another digest
      const moved = (await pushTinyImage(reg, repo, 'v3')).digest;
      await moveSignature(repo, signed, moved);
      const cvMoved = cosign('cosign-v3.0', ['verify', '--key', 'awskms:///alias/acme-image-signing', '--insecure-ignore-tlog=true', `${image}@${moved}`], endpoint());
      expect(cvMoved.status).not.toBe(0);
      const vMoved = await ours(['verify', '--config', 'blueprint.yaml', '--output', 'json', `${image}@${moved}`], endpoint());
      expect(vMoved.code).toBe(1);
      expect(JSON.parse(vMoved.out).verdicts.filter((x: any) => x.matched).map((x: any) => x.code)).toEqual(['DIGEST_MISMATCH', 'DIGEST_MISMATCH', 'DIGEST_MISMATCH']);

      // without credentials the policies cannot read the key: rejected, and the reason names the variables
      const vNoCreds = await ours(['verify', '--config', 'blueprint.yaml', `${image}@${signed}`], { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' });
      expect(vNoCreds.code).toBe(1);
      expect(vNoCreds.out).toContain('KMS key awskms:///alias/acme-image-signing');
      expect(vNoCreds.out).toContain('reading the public key from AWS KMS needs credentials and a region');
      expect(vNoCreds.out).toContain('publicKeyFile');
    }, 240_000);
  });
});
