import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { memoryIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { encryptPrivateKeyPem } from '../../src/keys/encrypted-key';
import { cosign, CosignFormat, CosignResult, CosignVersion, isV3, ok } from '../support/cosign';
import { EngineName, EngineVerdict, limitConcurrency, runEngine } from '../support/engines';
import { tempDir } from '../support/fixtures';
import { describeWithInterop } from '../support/interop';
import { GITHUB_ISSUER, githubWorkflowSan, issueLeaf, Leaf, newPrivateCA, PrivateCA, writeTrustedRoot } from '../support/private-ca';
import { pushTinyImage, startRegistry, TestRegistry } from '../support/registry';
import { startTestRekor, TestRekorLog } from '../support/test-rekor';
import { describeWithTool } from '../support/tools';

/*
 * #15.3 Keyless without a public Sigstore: a private CA made here (test/support/private-ca.ts), a
 * Fulcio-like leaf for the GitHub workflow identity, `cosign sign --key leaf --certificate leaf.crt
 * --certificate-chain chain.pem` with every pinned cosign (legacy, and bundle), then `cosign verify`
 * (identity, identity regexp, issuer; offline), our `verify` (identity flags + --trusted-root) and
 * `verify --config` (a keyless blueprint whose policies carry the private trusted root) on: the
 * matching identity, another repository (wrong SAN), another issuer, and `…/main-evil` checked with
 * the exact subject, the anchored regexp the blueprint renders, and the unanchored regexp a human
 * is tempted to write. The matrix (case x identity x tool → verdict) is printed; every cell must
 * agree with the expected verdict, so any disagreement between cosign and our verify fails.
 *
 * The tlog: the blueprint refuses keyless without a transparency log (ISB-POL-004), so the main
 * matrix signs with the tlog on, uploading to a loopback Rekor STAND-IN (test/support/test-rekor.ts:
 * the real rekor-server needs Trillian and a database) whose key is in the trusted root. The
 * tlog-off case (`--tlog-upload=false`, verify with --insecure-ignore-tlog) is a deliberate,
 * documented difference (docs/verify.md "Limits"): cosign then checks the certificate against the
 * current time (pkg/cosign/verify.go, "if no timestamp has been provided, use the current time"),
 * our verify refuses a keyless signature without a signing time (UNTRUSTED_CERT). Asserted below.
 */

const OWNER = 'acme';
const REPO = 'web';
const WORKFLOW = 'build-sign.yml';
const SAN_MAIN = githubWorkflowSan(OWNER, REPO, WORKFLOW);
/** what a human writes when "regexp" is asked for: the SAN with dots escaped, no anchors */
const UNANCHORED = SAN_MAIN.replace(/[.]/g, '\\.');

type Case = 'match' | 'wrong-san' | 'wrong-issuer' | 'main-evil';
const CASES: Record<Case, { san: string; issuer: string }> = {
  'match': { san: SAN_MAIN, issuer: GITHUB_ISSUER },
  'wrong-san': { san: githubWorkflowSan(OWNER, 'other', WORKFLOW), issuer: GITHUB_ISSUER },
  'wrong-issuer': { san: SAN_MAIN, issuer: 'https://gitlab.com' },
  'main-evil': { san: `${SAN_MAIN}-evil`, issuer: GITHUB_ISSUER },
};
type IdentityKind = 'exact' | 'rendered-regexp' | 'unanchored-regexp';
const IDENTITIES: readonly IdentityKind[] = ['exact', 'rendered-regexp', 'unanchored-regexp'];

/** the verdict every tool must give: only the matching identity passes, except that the unanchored regexp admits main-evil */
function expected(c: Case, id: IdentityKind): 'pass' | 'fail' {
  if (c === 'match') return 'pass';
  if (c === 'main-evil' && id === 'unanchored-regexp') return 'pass';
  return 'fail';
}

/**
 * What a blueprint's policies do with the case: only the matching identity is admitted, except that
 * a Kyverno ClusterPolicy reading bundles (type SigstoreBundle) takes the trusted root only from
 * Kyverno's TUF repository and ignores the entry's `roots` (kyverno v1.16.3 pkg/cosign/sigstore.go,
 * v1.19.1 pkg/image/verifiers/cpol/cosign/sigstore.go getTrustedMaterial), so it trusts no private CA;
 * and in an air-gapped cluster an ImageValidatingPolicy's keyless attestor fails at the TUF client.
 */
function configExpected(c: Case, engine: string, format: CosignFormat, airGapped = false): 'pass' | 'fail' {
  if (engine === 'kyverno' && format === 'bundle') return 'fail';
  // a keyless IVP attestor initializes the public Sigstore TUF client first (src/cluster/kyverno-tuf.ts, ISB-NET-002)
  if (engine === 'kyverno-ivpol' && airGapped) return 'fail';
  return c === 'match' ? 'pass' : 'fail';
}

interface Flavour { readonly signer: CosignVersion; readonly format: CosignFormat }
const FLAVOURS: Record<string, Flavour> = {
  'v2.6.5 legacy': { signer: 'cosign-v2', format: 'legacy' },
  'v2.6.5 bundle': { signer: 'cosign-v2', format: 'bundle' },
  'v3.0.6 legacy': { signer: 'cosign-v3.0', format: 'legacy' },
  'v3.0.6 bundle': { signer: 'cosign-v3.0', format: 'bundle' },
  'v3.1.3 legacy': { signer: 'cosign-v3', format: 'legacy' },
  'v3.1.3 bundle': { signer: 'cosign-v3', format: 'bundle' },
};

/**
 * `cosign sign` with a key and its certificate (cmd/cosign/cli/options/sign.go of each release):
 * the tlog on a private Rekor (`--rekor-url`); v3 without the public TUF signing config
 * (`--use-signing-config=false`, which allows service URLs); the format as for key signing.
 */
function signFlags(v: CosignVersion, format: CosignFormat, rekorUrl: string | undefined): string[] {
  const f: string[] = [];
  if (isV3(v)) {
    f.push('--use-signing-config=false');
    if (format === 'legacy') f.push('--new-bundle-format=false');
  } else if (format === 'bundle') {
    f.push('--new-bundle-format=true');
  }
  f.push(rekorUrl ? `--rekor-url=${rekorUrl}` : '--tlog-upload=false');
  return f;
}

interface Row {
  readonly flavour: string;
  readonly kase: Case;
  readonly identity: string;
  readonly tool: string;
  readonly verdict: 'pass' | 'fail';
  readonly expected: 'pass' | 'fail';
  readonly detail: string;
}

const firstLine = (s: string) => s.split('\n').map((l) => l.trim()).filter((l) => /error|fail|mismatch|none of|no matching|verified|untrusted/i.test(l)).slice(-1)[0] ?? '';

describeWithTool('openssl', 'interop: keyless with a private CA (#15.3)', () => {
  describeWithTool('docker-registry', 'cosign sign --certificate … / cosign verify / our verify on a loopback registry', () => {
    let reg: TestRegistry;
    let rekor: TestRekorLog;
    let ca: PrivateCA;
    let work: string;
    let rootFile: string;
    let rekorPubFile: string;
    /** the regexp the blueprint renders for main + tags (read from its synthesized ClusterPolicy) */
    let renderedRegexp: string;
    const leaves = new Map<Case, { leaf: Leaf; cosignKey: string }>();
    const rows: Row[] = [];
    let n = 0;

    /**
     * a keyless blueprint of the registry's image: `exact` = branch main only (subject), `regexp` =
     * main + tags v* (subjectRegExp); `airGapped`: its clusters cannot reach the public Sigstore
     * services, which is what the engines' CLIs here are (TUF_MIRROR is a closed port, no network)
     */
    const blueprintFile = (identity: 'exact' | 'regexp', format: CosignFormat, airGapped = false): string =>
      path.join(work, `blueprint-${identity}-${format}${airGapped ? '-airgapped' : ''}.yaml`);

    beforeAll(async () => {
      [reg, rekor] = await Promise.all([startRegistry(), startTestRekor()]);
      ca = newPrivateCA('isb-private');
      work = tempDir('isb-keyless-interop-');
      rootFile = writeTrustedRoot(ca, { tlogs: [rekor] });
      fs.copyFileSync(rootFile, path.join(work, 'trusted_root.json'));
      rekorPubFile = path.join(work, 'rekor.pub');
      fs.writeFileSync(rekorPubFile, rekor.publicKeyPem);
      for (const [c, id] of Object.entries(CASES) as [Case, { san: string; issuer: string }][]) {
        const leaf = issueLeaf(ca, { san: id.san, issuer: id.issuer });
        // cosign --key reads only its encrypted key format: the leaf key, encrypted with an empty password
        const cosignKey = path.join(path.dirname(leaf.keyFile), 'cosign.key');
        fs.writeFileSync(cosignKey, await encryptPrivateKeyPem(leaf.privateKey.export({ type: 'pkcs8', format: 'der' }), '', { scryptN: 32768 }), { mode: 0o600 });
        leaves.set(c, { leaf, cosignKey });
      }
      for (const [identity, format, airGapped] of (['exact', 'regexp'] as const).flatMap((i) => (['legacy', 'bundle'] as const).flatMap((f) => [[i, f, false], [i, f, true]] as const))) {
        {
          fs.writeFileSync(blueprintFile(identity, format, airGapped), YAML.stringify({
            name: `acme-${identity}-${format}`,
            github: { owner: OWNER },
            repositories: [{
              name: REPO,
              images: [`${reg.host}/${OWNER}/${REPO}`],
              workflow: { file: WORKFLOW, branches: ['main'], ...(identity === 'regexp' ? { tags: ['v*'] } : {}) },
            }],
            // rekorUrl: the config takes https only; the stand-in's host:port is what its checkpoints name (Kyverno's
            // rekor.url becomes the log's base URL); nothing contacts it, every signature carries its entry
            signing: {
              mode: 'keyless',
              cosign: { version: 'v3.0.6', signatureFormat: format },
              transparencyLog: true,
              keyless: { issuer: GITHUB_ISSUER, trustedRootFile: 'trusted_root.json', fulcioUrl: 'https://fulcio.isb-private.invalid', rekorUrl: `https://${rekor.hostname}` },
            },
            admission: { failureAction: 'Enforce', ...(airGapped ? { airGapped: true } : {}) },
            clusters: [
              { name: 'cp116', kyverno: { policy: 'ClusterPolicy', version: '1.16' }, policyController: { enabled: true } },
              { name: 'cp119', kyverno: { policy: 'ClusterPolicy', version: '1.19' } },
              { name: 'ivp119', kyverno: { policy: 'ImageValidatingPolicy', version: '1.19' } },
            ],
            checks: {
              suppress: [
                { id: 'ISB-POL-005', reason: 'the matrix runs a ClusterPolicy on Kyverno 1.19 on purpose' },
                ...(format === 'bundle' ? [{ id: 'ISB-POL-003', reason: 'the matrix shows that a bundle-reading ClusterPolicy refuses the private CA' }] : []),
                ...(airGapped ? [{ id: 'ISB-NET-002', reason: 'the engine matrix shows that an offline ImageValidatingPolicy refuses every keyless image' }] : []),
              ],
            },
          }));
        }
      }
      // the regexp the blueprint renders: synthesize the regexp blueprint and read its ClusterPolicy
      const out = path.join(work, 'dist-regexp');
      const io = memoryIo({ cwd: work, env: { HOME: work } });
      const code = await main(['synth', '--config', blueprintFile('regexp', 'legacy'), '--out', out], io);
      if (code !== 0) throw new Error(`synth failed (${code}): ${io.stderr()}${io.stdout()}`);
      const docs = YAML.parseAllDocuments(fs.readFileSync(path.join(out, 'kubernetes', 'cp116', 'image-signing.k8s.yaml'), 'utf8')).map((d) => d.toJS());
      const cp = docs.find((d) => d?.kind === 'ClusterPolicy');
      renderedRegexp = cp.spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless.subjectRegExp;
    });

    afterAll(async () => {
      await Promise.all([reg?.stop(), rekor?.stop()]);
      if (rows.length > 0) {
        const w = (s: string, k: number) => s.padEnd(k);
        // eslint-disable-next-line no-console
        console.log(`keyless private-CA matrix (${rows.length} cells; tlog on a private Rekor stand-in):\n${rows.map((r) =>
          `${w(r.flavour, 14)} ${w(r.kase, 12)} ${w(r.identity, 18)} ${w(r.tool, 26)} ${w(r.verdict, 4)}${r.verdict === r.expected ? '' : ` (EXPECTED ${r.expected})`}  ${r.detail.slice(0, Number(process.env.ISB_MATRIX_DETAIL ?? 110))}`).join('\n')}`);
      }
      for (const d of [ca?.dir, work]) if (d) fs.rmSync(d, { recursive: true, force: true }); // CA and leaf private keys
    });

    /** identity flags for cosign and for our verify (the same spelling) */
    const identityFlags = (id: IdentityKind): string[] => {
      const issuer = ['--certificate-oidc-issuer', GITHUB_ISSUER];
      if (id === 'exact') return ['--certificate-identity', SAN_MAIN, ...issuer];
      return ['--certificate-identity-regexp', id === 'rendered-regexp' ? renderedRegexp : UNANCHORED, ...issuer];
    };

    /** offline cosign verify of a keyless signature: the CA from --certificate-chain (legacy) or the trusted root (bundles) */
    const cosignVerifyKeyless = (v: CosignVersion, format: CosignFormat, ref: string, id: IdentityKind, tlog: boolean): Promise<CosignResult> => {
      const trust = format === 'legacy'
        ? ['--certificate-chain', ca.chainFile, ...(isV3(v) ? ['--new-bundle-format=false'] : [])]
        : ['--trusted-root', rootFile, ...(isV3(v) ? [] : ['--new-bundle-format=true'])];
      const tl = tlog ? [] : ['--insecure-ignore-tlog=true'];
      return cosign(v, ['verify', ...identityFlags(id), ...trust, '--insecure-ignore-sct=true', ...tl, ref],
        { env: format === 'legacy' && tlog ? { SIGSTORE_REKOR_PUBLIC_KEY: rekorPubFile } : {} });
    };

    const ourVerify = async (ref: string, args: string[]): Promise<{ code: number; out: string; err: string }> => {
      const io = memoryIo({ cwd: work, env: { HOME: work } });
      const code = await main(['verify', ref, ...args, '--output', 'json'], io);
      return { code, out: io.stdout(), err: io.stderr() };
    };

    /**
     * Sign a fresh image with the case's leaf. `--certificate-chain` is left out for v3.1.3 bundles:
     * with it, cosign 3.1.3 (sigstore-go v1.2.2 pkg/sign/signer.go, CertificateChainProvider) writes
     * the chain as `x509CertificateChain` in a v0.3 bundle, which v0.3 forbids (sigstore-go
     * pkg/bundle/bundle.go "verification material cannot be X.509 certificate chain (for bundle
     * v0.3)"); see the test below. The trusted root carries the intermediate anyway.
     */
    const signImage = async (flavour: Flavour, c: Case, tlog: boolean, withChain = !(flavour.signer === 'cosign-v3' && flavour.format === 'bundle')): Promise<string> => {
      n += 1;
      const img = await pushTinyImage(reg, `${OWNER}/${REPO}`, `k${n}`, `keyless ${n}\n`);
      const ref = `${reg.host}/${OWNER}/${REPO}@${img.digest}`;
      const { leaf, cosignKey } = leaves.get(c)!;
      ok(await cosign(flavour.signer, ['sign', '--yes', '--key', cosignKey, '--certificate', leaf.certFile,
        ...(withChain ? ['--certificate-chain', leaf.chainFile] : []),
        ...signFlags(flavour.signer, flavour.format, tlog ? rekor.url : undefined), ref], { password: '' }));
      return ref;
    };

    describeWithInterop(['cosign-v3'], 'cosign 3.1.3, bundle, --certificate-chain', () => {
      test('writes x509CertificateChain into a v0.3 bundle: cosign 3.1.3 verify and our verify both refuse it', async () => {
        const ref = await signImage(FLAVOURS['v3.1.3 bundle'], 'match', true, true);
        const cr = await cosignVerifyKeyless('cosign-v3', 'bundle', ref, 'exact', true);
        const ours = await ourVerify(ref, [...identityFlags('exact'), '--trusted-root', rootFile]);
        rows.push(
          { flavour: 'v3.1.3 bundle', kase: 'match', identity: 'exact, +chain', tool: 'cosign-v3 verify', verdict: cr.code === 0 ? 'pass' : 'fail', expected: 'fail', detail: firstLine(cr.stderr) },
          { flavour: 'v3.1.3 bundle', kase: 'match', identity: 'exact, +chain', tool: 'verify', verdict: ours.code === 0 ? 'pass' : 'fail', expected: 'fail', detail: ours.out.trim().slice(0, 200) },
        );
        expect(cr.code).not.toBe(0);
        expect(cr.stderr).toMatch(/no signatures found/);
        expect(ours.code).toBe(1);
        expect(JSON.parse(ours.out).code).toBe('PAYLOAD_INVALID');
      });
    });

    describe.each(Object.keys(FLAVOURS))('%s', (flavourName: string) => {
      const flavour = FLAVOURS[flavourName];
      describeWithInterop([flavour.signer], `signed by ${flavour.signer}, ${flavour.format}`, () => {
        const refs = new Map<Case, string>();
        beforeAll(async () => {
          for (const c of Object.keys(CASES) as Case[]) refs.set(c, await signImage(flavour, c, true));
        });

        test('cosign verify and our verify (identity flags + --trusted-root) agree on every case and identity', async () => {
          const mine: Row[] = [];
          for (const c of Object.keys(CASES) as Case[]) {
            const ref = refs.get(c)!;
            for (const id of IDENTITIES) {
              const want = expected(c, id);
              const cr = await cosignVerifyKeyless(flavour.signer, flavour.format, ref, id, true);
              mine.push({ flavour: flavourName, kase: c, identity: id, tool: `${flavour.signer} verify`, verdict: cr.code === 0 ? 'pass' : 'fail', expected: want, detail: firstLine(cr.stderr) });
              const ours = await ourVerify(ref, [...identityFlags(id), '--trusted-root', rootFile]);
              const parsed = ours.code === 1 ? JSON.parse(ours.out) : undefined;
              mine.push({
                flavour: flavourName,
                kase: c,
                identity: id,
                tool: 'verify',
                verdict: ours.code === 0 ? 'pass' : 'fail',
                expected: want,
                detail: ours.code === 0 ? 'verified' : `[${parsed?.code ?? ours.code}] ${parsed?.failures?.[0]?.reason ?? ours.err}`,
              });
            }
          }
          rows.push(...mine);
          expect(mine.filter((r) => r.verdict !== r.expected).map((r) => `${r.kase}/${r.identity}/${r.tool}: ${r.verdict} (${r.detail})`)).toEqual([]);
          // the failures say why: the identity, not something else
          for (const r of mine.filter((x) => x.tool === 'verify' && x.verdict === 'fail')) expect(r.detail).toMatch(/^\[IDENTITY_MISMATCH\]/);
        });

        test('verify --config: the keyless blueprints (exact subject; main + tags → the rendered regexp) admit only the matching identity, in every engine (a bundle-reading ClusterPolicy trusts no private CA)', async () => {
          const mine: Row[] = [];
          for (const identity of ['exact', 'regexp'] as const) {
            for (const c of Object.keys(CASES) as Case[]) {
              const r = await ourVerify(refs.get(c)!, ['--config', blueprintFile(identity, flavour.format)]);
              const result = JSON.parse(r.out);
              for (const v of result.verdicts.filter((x: any) => x.matched)) {
                mine.push({
                  flavour: flavourName,
                  kase: c,
                  identity: identity === 'exact' ? 'blueprint subject' : 'blueprint regexp',
                  tool: `verify --config ${v.cluster}/${v.engine}`,
                  verdict: v.admitted ? 'pass' : 'fail',
                  expected: configExpected(c, v.engine, flavour.format),
                  detail: v.admitted ? v.reasons[0] ?? '' : `[${v.code}] ${v.reasons.join('; ')}`,
                });
              }
            }
          }
          rows.push(...mine);
          // every cluster's engines were asked: ClusterPolicy 1.16 + policy-controller, ClusterPolicy 1.19, IVP 1.19
          expect(new Set(mine.map((r) => r.tool))).toEqual(new Set([
            'verify --config cp116/kyverno', 'verify --config cp116/policy-controller', 'verify --config cp119/kyverno', 'verify --config ivp119/kyverno-ivpol',
          ]));
          expect(mine.filter((r) => r.verdict !== r.expected).map((r) => `${r.identity}/${r.kase}/${r.tool}: ${r.verdict} (${r.detail})`)).toEqual([]);
        });

        test('tlog off (--tlog-upload=false): cosign --insecure-ignore-tlog checks the certificate at the current time and passes; our verify refuses a keyless signature without a signing time (documented)', async () => {
          const ref = await signImage(flavour, 'match', false);
          const cr = await cosignVerifyKeyless(flavour.signer, flavour.format, ref, 'exact', false);
          const ours = await ourVerify(ref, [...identityFlags('exact'), '--trusted-root', rootFile, '--insecure-ignore-tlog']);
          rows.push(
            { flavour: flavourName, kase: 'match', identity: 'exact, tlog off', tool: `${flavour.signer} verify`, verdict: cr.code === 0 ? 'pass' : 'fail', expected: 'pass', detail: firstLine(cr.stderr) },
            { flavour: flavourName, kase: 'match', identity: 'exact, tlog off', tool: 'verify', verdict: ours.code === 0 ? 'pass' : 'fail', expected: 'fail', detail: ours.out.trim().slice(0, 200) },
          );
          expect(cr.code).toBe(0);
          expect(ours.code).toBe(1);
          expect(JSON.parse(ours.out).code).toBe('UNTRUSTED_CERT');
        });
      });
    });

    /*
     * #16.3 Keyless on the engines: the policies each blueprint renders (Kyverno ClusterPolicy 1.16 and
     * 1.19, ImageValidatingPolicy 1.19, policy-controller CIP + TrustRoot), evaluated by the real
     * Kyverno CLI and policy-controller tester against the same cosign-signed images, must give the
     * verdict `verify --config` gives for that cluster and engine.
     */
    describeWithInterop(['cosign-v3', 'kyverno-1.16', 'kyverno-1.19', 'policy-tester'], 'the real engines agree with verify --config (#16.3)', () => {
      /** blueprint file → cluster → its synthesized objects */
      const rendered = new Map<string, Map<string, any[]>>();
      const signed = new Map<string, string>();
      const ENGINE_RUNS: { cluster: string; engine: EngineName; kind: string; verdictEngine: string }[] = [
        { cluster: 'cp116', engine: 'kyverno-1.16', kind: 'ClusterPolicy', verdictEngine: 'kyverno' },
        { cluster: 'cp116', engine: 'policy-tester', kind: 'ClusterImagePolicy', verdictEngine: 'policy-controller' },
        { cluster: 'cp119', engine: 'kyverno-1.19', kind: 'ClusterPolicy', verdictEngine: 'kyverno' },
        { cluster: 'ivp119', engine: 'kyverno-1.19', kind: 'ImageValidatingPolicy', verdictEngine: 'kyverno-ivpol' },
      ];

      const synthObjects = async (file: string): Promise<Map<string, any[]>> => {
        const out = tempDir('isb-keyless-synth-');
        const io = memoryIo({ cwd: work, env: { HOME: work } });
        const code = await main(['synth', '--config', file, '--out', out], io);
        if (code !== 0) throw new Error(`synth ${file} failed (${code}): ${io.stderr()}${io.stdout()}`);
        const byCluster = new Map<string, any[]>();
        for (const c of ['cp116', 'cp119', 'ivp119']) {
          const text = fs.readFileSync(path.join(out, 'kubernetes', c, 'image-signing.k8s.yaml'), 'utf8');
          byCluster.set(c, YAML.parseAllDocuments(text).map((d) => d.toJS()).filter((o) => o));
        }
        fs.rmSync(out, { recursive: true, force: true });
        return byCluster;
      };

      beforeAll(async () => {
        for (const identity of ['exact', 'regexp'] as const) {
          for (const format of ['legacy', 'bundle'] as const) rendered.set(blueprintFile(identity, format, true), await synthObjects(blueprintFile(identity, format, true)));
        }
        // signed once per format by cosign 3.1.3 (legacy .sig, and bundle referrers), tlog on the Rekor stand-in
        for (const format of ['legacy', 'bundle'] as const) {
          for (const c of Object.keys(CASES) as Case[]) signed.set(`${format}/${c}`, await signImage({ signer: 'cosign-v3', format }, c, true));
        }
      });

      const runOne = (objects: any[], run: typeof ENGINE_RUNS[number], ref: string): Promise<EngineVerdict> => runEngine(run.engine, {
        policies: objects.filter((o) => o.kind === run.kind),
        image: ref,
        admissionImage: ref,
        trustRoot: run.engine === 'policy-tester' ? objects.find((o) => o.kind === 'TrustRoot') : undefined,
      });

      test.each(['legacy', 'bundle'] as const)('%s signatures: Kyverno CLI 1.16/1.19 and policy-tester give verify --config\'s verdict for every blueprint, case and engine', async (format) => {
        const mine: Row[] = [];
        const tasks: (() => Promise<void>)[] = [];
        for (const identity of ['exact', 'regexp'] as const) {
          const file = blueprintFile(identity, format, true);
          for (const c of Object.keys(CASES) as Case[]) {
            const ref = signed.get(`${format}/${c}`)!;
            tasks.push(async () => {
              const sim = JSON.parse((await ourVerify(ref, ['--config', file])).out);
              for (const run of ENGINE_RUNS) {
                const v = sim.verdicts.find((x: any) => x.matched && x.cluster === run.cluster && x.engine === run.verdictEngine);
                const simVerdict = v?.admitted ? 'admit' : 'deny';
                const real = await runOne(rendered.get(file)!.get(run.cluster)!, run, ref);
                const label = identity === 'exact' ? 'blueprint subject' : 'blueprint regexp';
                mine.push({
                  flavour: `engines ${format}`,
                  kase: c,
                  identity: label,
                  tool: `${run.engine} ${run.kind}`,
                  verdict: real.verdict === 'admit' ? 'pass' : 'fail',
                  expected: simVerdict === 'admit' ? 'pass' : 'fail',
                  detail: real.message,
                });
                mine.push({
                  flavour: `engines ${format}`,
                  kase: c,
                  identity: label,
                  tool: `verify --config ${run.cluster}/${run.verdictEngine}`,
                  verdict: simVerdict === 'admit' ? 'pass' : 'fail',
                  expected: configExpected(c, run.verdictEngine, format, true),
                  detail: v?.code ?? '',
                });
              }
            });
          }
        }
        await limitConcurrency(2, tasks);
        rows.push(...mine);
        expect(mine.filter((r) => r.verdict !== r.expected).map((r) => `${r.identity}/${r.kase}/${r.tool}: ${r.verdict} (${r.detail})`)).toEqual([]);
      });

      test('neighbour: the same policies requiring an SCT (ignore flags removed) refuse the matching identity in every engine: the private CA embeds none', async () => {
        const ref = signed.get('legacy/match')!;
        const objects = rendered.get(blueprintFile('exact', 'legacy', true))!;
        const strip = (o: any): any => {
          const c = JSON.parse(JSON.stringify(o));
          const entries = (c.spec?.rules ?? []).flatMap((r: any) => r.verifyImages ?? [])
            .flatMap((v: any) => v.attestors ?? []).flatMap((a: any) => a.entries ?? []);
          for (const e of entries) delete e.keyless?.ctlog;
          for (const a of c.spec?.attestors ?? []) delete a.cosign?.ctlog?.insecureIgnoreSCT;
          for (const a of c.spec?.authorities ?? []) delete a.keyless?.insecureIgnoreSCT;
          return c;
        };
        const mine: Row[] = [];
        for (const run of ENGINE_RUNS.filter((r) => r.cluster !== 'cp119')) {
          const all = objects.get(run.cluster)!;
          const v = await runOne(all.map(strip), run, ref);
          // the same objects as rendered: admitted (the test above), so the SCT requirement is what refuses
          mine.push({ flavour: 'engines legacy', kase: 'match', identity: 'SCT required', tool: `${run.engine} ${run.kind}`, verdict: v.verdict === 'admit' ? 'pass' : 'fail', expected: 'fail', detail: v.message });
          expect(v.verdict).toBe('deny');
          expect(v.output).toMatch(/SCT|CTLog|ctlog/); // the missing SCT, or the CT log keys an SCT check needs (TUF)
        }
        rows.push(...mine);
      });
    });
  });
});
