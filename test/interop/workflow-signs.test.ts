import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { cosign, cosignEnv, cosignGenerateKeyPair, emptyTrustedRoot, CosignFormat, CosignVersion, isV3, ok } from '../support/cosign';
import { tempDir } from '../support/fixtures';
import { describeWithInterop, requireInteropTool } from '../support/interop';
import { PublicHostProxy, startPublicHostProxy } from '../support/public-host-proxy';
import { pushTinyImage, startRegistry, TestRegistry } from '../support/registry';
import { startTestRekor, TestRekorLog } from '../support/test-rekor';
import { describeWithTool } from '../support/tools';
import { describeWithPythonTuf, StaticServer, TufRepo } from '../support/tuf-repo';

/**
 * The generated workflow really signs (issue #15 part 4). For each pinned cosign (v2.6.5, v3.0.6,
 * v3.1.3) and signatureFormat (legacy, bundle, both), with the transparency log off and on, a
 * key-mode blueprint is synthesized by the CLI (compiled lib/), the `run:` scripts of the signing
 * steps are taken from the synthesized `.github/workflows/*.yml` and run as written by bash, with
 * real cosign on PATH as `cosign`, against a loopback docker-registry. The blueprint names the
 * image by its loopback name (`127.0.0.1:PORT/wf/…`), so the image needs no substitution.
 * Substituted, because GitHub provides them:
 *  - `${{ steps.build.outputs.digest }}` → the digest of an image pushed to the loopback registry;
 *  - the step's secrets env (COSIGN_PRIVATE_KEY, COSIGN_PASSWORD) → a cosign generate-key-pair key;
 *  - RUNNER_TEMP → a temp folder.
 * Then `cosign verify --key cosign.pub` (real cosign) and our `verify --config blueprint.yaml`
 * (the compiled CLI) must accept the image; the latter must admit it in every cluster the
 * blueprint targets (engines that read the format: ClusterPolicy on Kyverno 1.16 reads only
 * legacy key signatures, policy-controller v0.15 no key-signed bundle, so those clusters are in
 * the legacy blueprints only).
 *
 * With the tlog ON the commands name no Rekor and no signing config: cosign uses the public
 * Sigstore instance, which this machine cannot reach. How each pinned cosign picks it (sources of
 * the pinned releases in the Go module cache):
 *  - v2.6.5, every format, and v3.x legacy (`--use-signing-config=false`): the `--rekor-url` flag,
 *    default `https://rekor.sigstore.dev` (cmd/cosign/cli/options/rekor.go DefaultRekorURL).
 *    `cosign sign` binds each flag to `COSIGN_<FLAG>` (options/root.go BindViper), so
 *    COSIGN_REKOR_URL would redirect it without touching the command, but cosign 3 refuses any
 *    non-default rekor-url next to a signing config ("cannot specify service URLs and use signing
 *    config", signcommon/common.go), and the `both` step runs the legacy and the bundle command
 *    in one environment. So the host itself is redirected instead.
 *  - v3.x bundle: `--use-signing-config` defaults to true (options/sign.go), and the signing config
 *    is the TUF target `signing_config.v0.2.json` (pkg/cosign/tuf.go SigningConfig), from the TUF
 *    repository at TUF_MIRROR, else the mirror `cosign initialize --mirror` wrote to
 *    $TUF_ROOT/remote.json, else the public one with cosign's embedded root.
 * Substituted for the tlog-on runs, all in the runner's environment, none in the commands:
 *  - the public Sigstore TUF repository → a python-tuf repository on 127.0.0.1 (tuf-repo.ts)
 *    whose `trusted_root.json` names the Rekor stand-in's key and whose `signing_config.v0.2.json`
 *    (written by real `cosign signing-config create`) names the stand-in as the one Rekor v1 and no
 *    TSA (the public one names timestamp.sigstore.dev; there is no TSA stand-in, so bundles carry
 *    no RFC 3161 timestamp); the runner is given it with `cosign initialize --mirror … --root
 *    1.root.json` (TUF_ROOT a fresh folder, TUF_MIRROR the same URL);
 *  - the network: HTTPS_PROXY → a loopback CONNECT proxy that answers for rekor.sigstore.dev with
 *    a test CA's certificate (SSL_CERT_FILE) and forwards to the stand-in (public-host-proxy.ts);
 *  - Rekor itself → the stand-in (test-rekor.ts: Rekor v1 API, real inclusion proofs, signed
 *    checkpoints and SETs).
 * Verified with the stand-in's key only: cosign verify in the same environment (the Rekor key
 * from our TUF repository's trusted root) and our `verify --config --tuf-mirror … --tuf-root …`
 * (the default trust of the blueprint's key policies, which name no Rekor key: the engines' default
 * is the public TUF root, replaced by ours). With a trusted root naming another log both refuse.
 */
const PASSWORD = 'wf-pw';
const VERSIONS: Record<CosignVersion, string> = { 'cosign-v2': 'v2.6.5', 'cosign-v3.0': 'v3.0.6', 'cosign-v3': 'v3.1.3' };
const FORMATS = ['legacy', 'bundle', 'both'] as const;
type Format = typeof FORMATS[number];
const CLI = path.resolve(__dirname, '..', '..', 'bin', 'image-signing-blueprint');
const CLI_BUILT = fs.existsSync(path.resolve(__dirname, '..', '..', 'lib', 'cli', 'main.js'));

const cases: [CosignVersion, Format][] = [];
for (const v of Object.keys(VERSIONS) as CosignVersion[]) for (const f of FORMATS) cases.push([v, f]);

/** the clusters of a blueprint: every engine that reads key signatures in this format */
function clusters(format: Format): unknown[] {
  const out: unknown[] = [
    { name: 'cp119', kyverno: { policy: 'ClusterPolicy', version: '1.19' } },
    { name: 'ivp119', kyverno: { policy: 'ImageValidatingPolicy', version: '1.19' } },
  ];
  if (format === 'legacy') out.push({ name: 'cp116', kyverno: { policy: 'ClusterPolicy', version: '1.16' }, policyController: { enabled: true } });
  return out;
}

/**
 * a child process, without blocking: the proxy, the Rekor stand-in and the TUF server run in this
 * process and must keep answering while cosign or the CLI talks to them
 */
function run(cmd: string, args: string[], opts: { cwd?: string; env: Record<string, string> }): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => { out += String(c); });
    child.stderr.on('data', (c) => { err += String(c); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code: code ?? 1, out, err }); });
  });
}

/** the compiled CLI (lib/), as users run it */
function cli(dir: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  return run(process.execPath, [CLI, ...args], { cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tempDir('isb-wf-home-'), ...env } });
}

interface Synthesized {
  readonly dir: string;
  readonly image: string;
  /** the `run:` scripts of the signing steps, in workflow order, with the step's env */
  readonly steps: { run: string; env: Record<string, string> }[];
}

describeWithTool('docker-registry', 'interop: the generated signing steps run as written', () => {
  describeWithInterop(['cosign-v2', 'cosign-v3', 'cosign-v3.0'], 'with real cosign against a loopback registry', () => {
    let reg: TestRegistry;
    let keys: { key: string; pub: string };
    let n = 0;
    beforeAll(async () => {
      if (!CLI_BUILT) throw new Error('lib/ is not compiled: run `npx projen compile` first (this test runs the CLI as users do)');
      reg = await startRegistry();
      keys = await cosignGenerateKeyPair('cosign-v3', PASSWORD);
    });
    afterAll(async () => { await reg?.stop(); });

    /** a key-mode blueprint for one image, synthesized by the CLI; its signing steps */
    const synthesize = async (version: CosignVersion, format: Format, tlog: boolean, admission: Record<string, unknown>): Promise<Synthesized> => {
      const repo = `wf/${version.replace('.', '')}-${format}-${tlog ? 'tlog' : 'notlog'}-${++n}`;
      const image = `${reg.host}/${repo}`;
      const dir = tempDir('isb-wf-');
      fs.copyFileSync(keys.pub, path.join(dir, 'cosign.pub'));
      fs.writeFileSync(path.join(dir, 'blueprint.yaml'), YAML.stringify({
        name: 'acme-web',
        github: { owner: 'acme' },
        repositories: [{ name: 'web', images: [image] }],
        signing: { mode: 'key', key: { publicKeyFile: 'cosign.pub' }, transparencyLog: tlog, cosign: { version: VERSIONS[version], signatureFormat: format } },
        admission: { failureAction: 'Enforce', ...admission },
        clusters: clusters(format),
      }));
      const s = await cli(dir, ['synth', '--config', 'blueprint.yaml', '--out', 'out']);
      if (s.code !== 0) throw new Error(`synth exited ${s.code}:\n${s.err}\n${s.out}`);
      // one repository: its files are at the top of github/ (github/<repo>/ with several)
      const wfDir = path.join(dir, 'out', 'github', '.github', 'workflows');
      const files = fs.readdirSync(wfDir).filter((f) => f.endsWith('.yml'));
      const steps = files.flatMap((f) => Object.values(YAML.parse(fs.readFileSync(path.join(wfDir, f), 'utf8')).jobs as Record<string, any>))
        .flatMap((j: any) => j.steps ?? [])
        .filter((st: any) => typeof st.run === 'string' && /\bcosign (sign|signing-config)\b/.test(st.run))
        .map((st: any) => ({ run: st.run as string, env: (st.env ?? {}) as Record<string, string> }));
      expect(steps.length).toBeGreaterThan(0);
      return { dir, image, steps };
    };

    /** each signing step's script, as written, in bash with `cosign` = the pinned release; `env` = the runner's */
    const runSteps = async (bp: Synthesized, version: CosignVersion, env: Record<string, string>): Promise<string> => {
      const img = await pushTinyImage(reg, bp.image.slice(reg.host.length + 1), 'v1', `wf ${n}\n`);
      const bin = tempDir('isb-wf-bin-');
      fs.symlinkSync(requireInteropTool(version), path.join(bin, 'cosign'));
      for (const step of bp.steps) {
        const script = step.run.split('${{ steps.build.outputs.digest }}').join(img.digest);
        expect(script).not.toContain('${{');
        // a sign step's env names the secrets (GitHub fills them in, here the test key); nothing else is set
        const secrets = { COSIGN_PRIVATE_KEY: '${{ secrets.COSIGN_PRIVATE_KEY }}', COSIGN_PASSWORD: '${{ secrets.COSIGN_PASSWORD }}' };
        expect(step.env).toEqual(/\bcosign sign\b/.test(step.run) ? secrets : {});
        const r = await run('bash', ['-euo', 'pipefail', '-c', script], {
          env: { ...env, PATH: `${bin}:${env.PATH}`, COSIGN_PRIVATE_KEY: fs.readFileSync(keys.key, 'utf8'), COSIGN_PASSWORD: PASSWORD },
        });
        if (r.code !== 0) throw new Error(`generated script failed (${r.code}):\n${script}\n${r.err}`);
      }
      return `${bp.image}@${img.digest}`;
    };

    /**
     * `verify --config` (compiled CLI, JSON): every cluster's policies select the image and admit it,
     * except a ClusterPolicy on a bundle that cosign v2.6.5 / v3.0.x listed in the referrers
     * fallback-tag index under the empty config's artifactType (docker-registry 2.8 has no
     * referrers API): Kyverno reads only referrers listed as application/vnd.dev.sigstore.bundle*
     * (src/verify/admission.ts, from kyverno v1.19.1 pkg/image/verifiers/cpol/cosign/sigstore.go
     * fetchBundles); cosign v3.1.3 lists it with the bundle's type.
     */
    const expectVerdicts = async (bp: Synthesized, ref: string, args: string[], version: CosignVersion, format: Format) => {
      const hidden = format === 'bundle' && version !== 'cosign-v3';
      const v = await cli(bp.dir, ['verify', '--config', 'blueprint.yaml', '--output', 'json', ...args, ref]);
      if (v.code !== (hidden ? 1 : 0)) throw new Error(`verify --config exited ${v.code}:\n${v.err}\n${v.out}`);
      const r = JSON.parse(v.out);
      expect(r.admitted).toBe(!hidden);
      const verdicts = (r.verdicts as any[]).filter((x) => x.policy !== 'policy-controller/no-match-policy');
      const expected = (clusters(format) as any[]).flatMap((c) => {
        const cp = c.kyverno.policy === 'ClusterPolicy';
        const reads = !(cp && hidden);
        return [
          [c.name, cp ? 'kyverno' : 'kyverno-ivpol', true, reads, reads],
          ...(c.policyController ? [[c.name, 'policy-controller', true, true, true]] : []),
        ];
      });
      expect(verdicts.map((x) => [x.cluster, x.engine, x.matched, x.admitted, x.satisfied]).sort()).toEqual(expected.sort());
      if (hidden) {
        const cp = verdicts.find((x) => x.engine === 'kyverno');
        expect([cp.code, cp.reasons.join('\n')]).toEqual(['NO_SIGNATURES', expect.stringContaining('"application/vnd.oci.empty.v1+json", which Kyverno skips')]);
      }
      return r;
    };

    const formatsOf = (format: Format): CosignFormat[] => (format === 'both' ? ['legacy', 'bundle'] : [format]);

    describe('transparencyLog: false', () => {
      test.each(cases)('%s, signatureFormat %s: the steps sign as written; cosign verify and verify --config admit', async (version, format) => {
        // air-gapped clusters: with the tlog off no verifier needs the public TUF root
        const bp = await synthesize(version, format, false, { airGapped: true });
        const env = cosignEnv({ RUNNER_TEMP: tempDir('isb-runner-') });
        const ref = await runSteps(bp, version, env);

        // cosign v2.6.5 reads the bundle referrer whenever one exists, and then wants a trusted root
        // even in legacy mode (online it fetches the public one through TUF): give it the empty one
        for (const f of formatsOf(format)) {
          const flags = ['--key', keys.pub, '--insecure-ignore-tlog=true'];
          if (!isV3(version) && (f === 'bundle' || format === 'both')) flags.push('--trusted-root', emptyTrustedRoot());
          if (!isV3(version) && f === 'bundle') flags.push('--new-bundle-format=true');
          ok(await cosign(version, ['verify', ...flags, ref]));
        }
        await expectVerdicts(bp, ref, [], version, format);
      });
    });

    describePythonTufOrSkip('transparencyLog: true, the public Sigstore instance replaced in the runner\'s environment', () => {
      let rekor: TestRekorLog;
      let otherRekor: TestRekorLog;
      let proxy: PublicHostProxy;
      let tuf: TufRepo;
      let tufServer: StaticServer;
      let otherRoot: string;

      const trustedRoot = (log: TestRekorLog) => JSON.stringify({
        mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
        tlogs: [{
          baseUrl: log.baseUrl,
          hashAlgorithm: 'SHA2_256',
          publicKey: { rawBytes: log.spkiDer.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: '2020-01-01T00:00:00Z' } },
          logId: { keyId: Buffer.from(log.logID, 'hex').toString('base64') },
        }],
        certificateAuthorities: [],
        ctlogs: [],
        timestampAuthorities: [],
      }, null, 2);

      beforeAll(async () => {
        [rekor, otherRekor] = await Promise.all([startTestRekor(), startTestRekor()]);
        proxy = await startPublicHostProxy('rekor.sigstore.dev', rekor.url);
        const work = tempDir('isb-wf-tuf-');
        fs.writeFileSync(path.join(work, 'trusted_root.json'), trustedRoot(rekor));
        otherRoot = path.join(work, 'other_trusted_root.json');
        fs.writeFileSync(otherRoot, trustedRoot(otherRekor));
        // the signing config, written by real cosign: the stand-in as the one Rekor v1, no Fulcio, no TSA
        ok(await cosign('cosign-v3', ['signing-config', 'create',
          `--rekor=url=${rekor.url},api-version=1,start-time=2020-01-01T00:00:00Z,operator=${rekor.hostname}`, '--rekor-config=ANY',
          '--out', path.join(work, 'signing_config.json')]));
        tuf = TufRepo.create({ 'trusted_root.json': path.join(work, 'trusted_root.json'), 'signing_config.v0.2.json': path.join(work, 'signing_config.json') });
        tufServer = await StaticServer.start(tuf.dir);
      });
      afterAll(async () => {
        await Promise.all([rekor?.stop(), otherRekor?.stop(), proxy?.stop(), tufServer?.close()]);
      });

      /** the runner: our TUF repository initialized in TUF_ROOT, rekor.sigstore.dev through the proxy */
      const runnerEnv = async (version: CosignVersion): Promise<Record<string, string>> => {
        const tufRoot = tempDir('isb-runner-tuf-');
        const env = cosignEnv({
          RUNNER_TEMP: tempDir('isb-runner-'),
          TUF_ROOT: tufRoot,
          TUF_MIRROR: tufServer.url,
          HTTPS_PROXY: proxy.url,
          SSL_CERT_FILE: proxy.caFile,
        });
        const init = await run(requireInteropTool(version), ['initialize', '--mirror', tufServer.url, '--root', tuf.initialRoot], { env });
        if (init.code !== 0) throw new Error(`cosign initialize failed: ${init.err}`);
        return env;
      };

      test.each(cases)('%s, signatureFormat %s: the steps upload to the (redirected) public Rekor as written; cosign verify and verify --config admit with its key', async (version, format) => {
        const bp = await synthesize(version, format, true, {});
        for (const step of bp.steps) {
          expect(step.run).not.toMatch(/--rekor-url|--signing-config|--tlog-upload/);
        }
        const env = await runnerEnv(version);
        const entriesBefore = rekor.entries;
        const connectsBefore = proxy.connects.length;
        const ref = await runSteps(bp, version, env);
        const formats = formatsOf(format);
        // one log entry per signature, in the stand-in
        expect(rekor.entries - entriesBefore).toBe(formats.length);
        // v2 (every format) and v3 legacy upload to https://rekor.sigstore.dev (the proxy, only that host);
        // v3 bundles to the Rekor of the signing config from TUF (cached by `cosign initialize`), which names
        // the stand-in's loopback URL: a v3 bundle-only run never goes through the proxy
        const viaPublicHost = formats.some((f) => f === 'legacy' || !isV3(version));
        expect(proxy.connects.slice(connectsBefore).every((c) => c === 'rekor.sigstore.dev:443')).toBe(true);
        expect(proxy.connects.length > connectsBefore).toBe(viaPublicHost);

        for (const f of formats) {
          const flags = ['--key', keys.pub];
          if (!isV3(version) && f === 'bundle') flags.push('--new-bundle-format=true');
          // the Rekor key from the trusted root of our TUF repository (the runner's environment)
          const cv = ok(await cosign(version, ['verify', ...flags, ref], { env }));
          expect(cv.stderr).toContain('Existence of the claims in the transparency log was verified offline');
          // a trusted root naming another log: refused, for the log
          const bad = await cosign(version, ['verify', ...flags, '--trusted-root', otherRoot, ref], { env });
          expect([f, bad.code === 0, /rekor log public key not found|not enough verified log entries from transparency log/.test(bad.stderr)]).toEqual([f, false, true]);
        }
        // our verify --config: the blueprint's key policies name no Rekor key, so the default trust applies,
        // which for the runner's public instance is our TUF repository's trusted root
        const cache = tempDir('isb-wf-tuf-cache-');
        const r = await expectVerdicts(bp, ref, ['--tuf-mirror', tufServer.url, '--tuf-root', tuf.initialRoot, '--tuf-cache', cache], version, format);
        for (const v of (r.verdicts as any[]).filter((x) => x.satisfied)) expect([v.cluster, v.engine, v.reasons.join('\n')]).toEqual([v.cluster, v.engine, expect.stringMatching(/tlog required\): verified .*tlog entry verified/)]);
        // with a trusted root naming another log every policy refuses, for the log
        const refused = await cli(bp.dir, ['verify', '--config', 'blueprint.yaml', '--output', 'json', '--trusted-root', otherRoot, ref]);
        expect(refused.code).toBe(1);
        const rr = JSON.parse(refused.out);
        expect(rr.admitted).toBe(false);
        for (const v of (rr.verdicts as any[]).filter((x) => x.policy !== 'policy-controller/no-match-policy')) {
          // (the ClusterPolicy that cannot see a v2.6.5/v3.0.x bundle finds no signature at all)
          const hidden = v.engine === 'kyverno' && format === 'bundle' && version !== 'cosign-v3';
          expect([v.cluster, v.engine, v.satisfied, v.code]).toEqual([v.cluster, v.engine, false, hidden ? 'NO_SIGNATURES' : 'TLOG_INVALID']);
          if (!hidden) {
            expect([v.cluster, v.engine, v.reasons.join('\n')]).toEqual([v.cluster, v.engine, expect.stringMatching(/none of the 1 trusted Rekor key|inclusion promise could not be verified/)]);
          }
        }
      });
    });
  });
});

/** python-tuf is needed for the tlog-on block only */
function describePythonTufOrSkip(name: string, fn: () => void): void {
  describeWithPythonTuf(name, () => describeWithTool('openssl', 'with a test CA for the proxy', fn));
}
