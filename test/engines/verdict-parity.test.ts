import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML, { parseAllDocuments } from 'yaml';
import { ImageSigningBlueprint } from '../../src/blueprint';
import { memoryIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { cosignAttest, cosignGenerateKeyPair, CosignFormat, cosignSign, CosignVersion, ok } from '../support/cosign';
import { EngineName, EngineVerdict, limitConcurrency, runEngine } from '../support/engines';
import { newPublicKeyPem, tempDir } from '../support/fixtures';
import { describeWithInterop, requireInteropTool } from '../support/interop';
import { pushTinyImage, startGgcrRegistry, startRegistry, TestRegistry } from '../support/registry';
import { describeWithTool } from '../support/tools';
import { TufMirror, writeTufMirror } from '../support/tuf-mirror';

/*
 * Issue #16 part 1, verdict parity per engine and version: blueprints synthesized by the product
 * (`synth`), images in loopback registries signed by real cosign, and for every (blueprint,
 * image, cluster, engine) the real engine's verdict (Kyverno CLI 1.16.3 / 1.19.1 `apply`,
 * policy-controller v0.15.1 `tester`; test/support/engines.ts) must equal what
 * `verify --config` says for that engine and cluster, and what the reference facts say it should
 * be (the `expect` column, from admission-engines.md: §0.1 Kyverno wildcard over the normalized
 * image, §0.2 policy-controller glob over `repo@digest` with no-match-policy deny, §3 IVP gobwas
 * over the raw string). The whole matrix is printed; any mismatch fails.
 *
 * Not covered here: Docker Hub spellings (docker.io cannot be pushed to locally), keyless (the
 * keyless branch reuses the harness with a private CA), and tag-only references on an
 * ImageValidatingPolicy: a cluster's IVP mutating pass pins the digest before validation, which
 * the CLI does not run (its validation then says "image … does not have a digest").
 */

const PASSWORD = 'parity-pw';
type Verdict = 'admit' | 'deny';
type Group = 'kyverno' | 'policy-controller';

interface Images {
  [name: string]: { ref: string; digestRef: string };
}

interface Cluster {
  readonly name: string;
  readonly version: '1.16' | '1.19';
  readonly kyverno: any[];
  readonly cips: any[];
}

interface Blueprint {
  readonly label: string;
  readonly dir: string;
  readonly clusters: Cluster[];
}

/** one image case of a blueprint: what each engine group should do (per cluster name, or for all) */
interface Case {
  readonly image: string;
  /** expected verdict of the Kyverno policies of each cluster (or of every cluster) */
  readonly kyverno: Verdict | Record<string, Verdict>;
  /** expected verdict of policy-controller (clusters that enable it) */
  readonly pc?: Verdict;
}

interface Ours {
  readonly admitted: Record<string, boolean>;
  readonly satisfied: Record<string, boolean>;
  readonly text: string;
}

interface Row {
  readonly blueprint: string;
  readonly image: string;
  readonly cluster: string;
  readonly engine: EngineName;
  readonly expected: Verdict;
  readonly engineVerdict: Verdict;
  readonly ours: Verdict;
  readonly engineSatisfied?: boolean;
  readonly oursSatisfied: boolean;
  readonly detail: string;
}

const CLUSTERS = [
  { name: 'cp116', kyverno: { policy: 'ClusterPolicy', version: '1.16' }, policyController: { enabled: true } },
  { name: 'cp119', kyverno: { policy: 'ClusterPolicy', version: '1.19' } },
  { name: 'ivp116', kyverno: { policy: 'ImageValidatingPolicy', version: '1.16' } },
  { name: 'ivp119', kyverno: { policy: 'ImageValidatingPolicy', version: '1.19' } },
  // IVP on 1.16 in a cluster that reaches a TUF repository: the engine run gets a private one (tuf-mirror.ts)
  { name: 'ivp116t', airGapped: false, kyverno: { policy: 'ImageValidatingPolicy', version: '1.16' } },
];
const SUPPRESS = [
  { id: 'ISB-POL-005', reason: 'parity matrix: ClusterPolicy on Kyverno 1.19 on purpose' },
  { id: 'ISB-NET-002', reason: 'parity matrix: the test asserts that Kyverno 1.16 rejects, as the rule says' },
  { id: 'ISB-POL-004', reason: 'parity matrix: the test asserts that IVP rejects attestations without Rekor, as the rule says' },
];

/**
 * Expected Kyverno verdicts per cluster: `v` everywhere but on the 1.16 IVP cluster, whose key
 * attestor initializes the public Sigstore TUF client (ISB-NET-002), which this offline machine,
 * like an air-gapped cluster, cannot reach: every image that policy selects is rejected there.
 */
const K = (v: Verdict, ivp116: Verdict = 'deny'): Record<string, Verdict> => ({ cp116: v, cp119: v, ivp116, ivp119: v, ivp116t: v });

describeWithTool('docker-registry', 'verdict parity with the real admission engines', () => {
  describeWithInterop(['cosign-v3', 'cosign-v3.0', 'registry', 'kyverno-1.16', 'kyverno-1.19', 'policy-tester'],
    'Kyverno CLI 1.16.3 / 1.19.1 and policy-controller tester v0.15.1 agree with verify --config', () => {
      jest.setTimeout(900_000);
      let reg: TestRegistry;
      let reg2: TestRegistry;
      let keyA: { key: string; pub: string };
      let keyB: { key: string; pub: string };
      let keyC: { key: string; pub: string };
      const images: Images = {};
      const rows: Row[] = [];
      const work = tempDir('isb-parity-');
      let tuf: TufMirror;

      interface SignAs {
        readonly key?: { key: string };
        readonly signer?: CosignVersion;
        readonly format?: CosignFormat;
        readonly attest?: { type: string; predicate: any }[];
        readonly attestKey?: { key: string };
        /** the tag to push under (default a fresh one) */
        readonly tag?: string;
      }

      /** push a tiny image to a registry and sign/attest it as told; the reference by digest (and by tag) */
      async function pushImage(name: string, r: TestRegistry, repo: string, sign: SignAs = {}) {
        // each image its own tag: a shared tag would move to the last image pushed
        const tag = sign.tag ?? `t${Object.keys(images).length}`;
        const img = await pushTinyImage(r, repo, tag, `${name}\n`);
        const digestRef = `${r.host}/${repo}@${img.digest}`;
        const signer = sign.signer ?? 'cosign-v3.0';
        const format = sign.format ?? 'legacy';
        if (sign.key) ok(await cosignSign(signer, digestRef, { key: sign.key.key, password: PASSWORD, format }));
        for (const a of sign.attest ?? []) {
          const file = path.join(work, `${name}-${a.type}.json`);
          fs.writeFileSync(file, JSON.stringify(a.predicate));
          const key = (sign.attestKey ?? sign.key)!.key;
          ok(await cosignAttest(signer, digestRef, { key, password: PASSWORD, format, type: a.type, predicate: file }));
        }
        images[name] = { ref: digestRef, digestRef };
        return { digestRef, tagRef: `${r.host}/${repo}:${tag}`, tag, digest: img.digest };
      }

      beforeAll(async () => {
        [reg, reg2] = await Promise.all([startRegistry(), startGgcrRegistry(requireInteropTool('registry'))]);
        tuf = writeTufMirror(newPublicKeyPem(), newPublicKeyPem());
        [keyA, keyB, keyC] = await Promise.all([cosignGenerateKeyPair('cosign-v3', PASSWORD), cosignGenerateKeyPair('cosign-v3', PASSWORD), cosignGenerateKeyPair('cosign-v3', PASSWORD)]);
        const cyclonedx = { bomFormat: 'CycloneDX', specVersion: '1.5', version: 1, components: [] };
        const spdx = { spdxVersion: 'SPDX-2.3', dataLicense: 'CC0-1.0', SPDXID: 'SPDXRef-DOCUMENT', name: 'web', documentNamespace: 'https://acme.example/spdx/web', creationInfo: { created: '2026-12-07T00:00:00Z', creators: ['Tool: isb-test'] }, packages: [] };
        const signed = await pushImage('signed', reg, 'acme/web', { key: keyA });
        images['signed by tag'] = { ref: signed.tagRef, digestRef: signed.digestRef };
        images['tag+digest'] = { ref: `${reg.host}/acme/web:${signed.tag}@${signed.digest}`, digestRef: signed.digestRef };
        const port = reg.host.split(':')[1];
        images['localhost spelling'] = { ref: `localhost:${port}/acme/web@${signed.digest}`, digestRef: `localhost:${port}/acme/web@${signed.digest}` };
        await pushImage('second image signed', reg, 'acme/web-debug', { key: keyA });
        await pushImage('other key', reg, 'acme/web', { key: keyB });
        await pushImage('unsigned', reg, 'acme/web', {});
        await pushImage('previous key', reg, 'acme/web', { key: keyC });
        await pushImage('neighbour repo signed', reg, 'acme/web-evil', { key: keyA });
        await pushImage('outside, unsigned', reg, 'other/app', {});
        await pushImage('nested signed', reg, 'acme/team/app', { key: keyA });
        await pushImage('nested unsigned', reg, 'acme/team/app', {});
        await pushImage('other port signed', reg2, 'acme/web', { key: keyA });
        await pushImage('signed + sbom', reg, 'acme/web', { key: keyA, attest: [{ type: 'cyclonedx', predicate: cyclonedx }] });
        await pushImage('signed + spdx (not the required type)', reg, 'acme/web', { key: keyA, attest: [{ type: 'spdxjson', predicate: spdx }] });
        await pushImage('signed + sbom failing the condition', reg, 'acme/web', { key: keyA, attest: [{ type: 'cyclonedx', predicate: { ...cyclonedx, bomFormat: 'NotCycloneDX' } }] });
        await pushImage('sbom only (no signature)', reg, 'acme/web', { attest: [{ type: 'cyclonedx', predicate: cyclonedx }], attestKey: keyA });
        await pushImage('bundle signed', reg, 'acme/web', { key: keyA, signer: 'cosign-v3.0', format: 'bundle' });
        const debug = await pushImage('debug tag, unsigned', reg, 'acme/web', { tag: 'debug-1' });
        images['debug tag, unsigned'] = { ref: debug.tagRef, digestRef: debug.digestRef };
      }, 600_000);

      afterAll(async () => {
        const pad = (s: string, n: number) => s.padEnd(n);
        const order = [...new Set(rows.map((r) => r.blueprint))];
        rows.sort((a, b) => order.indexOf(a.blueprint) - order.indexOf(b.blueprint) || a.image.localeCompare(b.image)
          || a.cluster.localeCompare(b.cluster) || a.engine.localeCompare(b.engine));
        const lines = rows.map((r) => `  ${pad(r.blueprint, 14)} | ${pad(r.image, 38)} | ${pad(r.cluster, 6)} | ${pad(r.engine, 13)} | expect ${pad(r.expected, 5)} | engine ${pad(r.engineVerdict, 5)}${r.engineSatisfied === undefined ? '' : r.engineSatisfied ? ' (ok) ' : ' (unsat)'} | ours ${pad(r.ours, 5)}${r.oursSatisfied ? ' (ok) ' : ' (unsat)'}${r.engineVerdict !== r.ours || r.engineVerdict !== r.expected ? '  <-- MISMATCH' : ''}  ${r.detail}`);
        // eslint-disable-next-line no-console
        console.log([`verdict parity matrix (${rows.length} rows: blueprint | image | cluster | engine | expected | engine | verify --config):`, ...lines].join('\n'));
        await Promise.all([reg?.stop(), reg2?.stop()]);
        fs.rmSync(work, { recursive: true, force: true });
        if (tuf) fs.rmSync(tuf.dir, { recursive: true, force: true });
      });

      /** write a blueprint, synthesize it with the CLI, read each cluster's policies from the output */
      async function blueprint(label: string, config: any, files: Record<string, string> = {}): Promise<Blueprint> {
        const dir = tempDir(`isb-parity-${label}-`);
        for (const [f, src] of Object.entries({ 'cosign.pub': keyA.pub, ...files })) fs.copyFileSync(src, path.join(dir, f));
        fs.writeFileSync(path.join(dir, 'blueprint.yaml'), YAML.stringify(config));
        const out = path.join(dir, 'out');
        const io = memoryIo({ cwd: dir, env: {} });
        const code = await main(['synth', '--config', 'blueprint.yaml', '--out', out], io);
        if (code !== 0) throw new Error(`${label}: synth exited ${code}: ${io.stderr()}`);
        const model = ImageSigningBlueprint.fromFile(path.join(dir, 'blueprint.yaml'))._model();
        const clusters = model.clusters.map((c) => {
          const cdir = path.join(out, 'kubernetes', c.name);
          const docs = fs.readdirSync(cdir).filter((f) => f.endsWith('.yaml'))
            .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(cdir, f), 'utf8')).map((d) => d.toJS()));
          return {
            name: c.name,
            version: `${c.kyverno.version.major}.${c.kyverno.version.minor}` as '1.16' | '1.19',
            kyverno: docs.filter((d) => d?.kind === 'ClusterPolicy' || d?.kind === 'ImageValidatingPolicy'),
            cips: docs.filter((d) => d?.kind === 'ClusterImagePolicy'),
          };
        });
        return { label, dir, clusters };
      }

      const base = (over: Record<string, unknown> = {}) => ({
        name: 'parity',
        github: { owner: 'acme' },
        repositories: [{ name: 'web', images: [`${reg.host}/acme/web`, `${reg.host}/acme/web-debug`] }],
        signing: { mode: 'key', transparencyLog: false, cosign: { version: 'v3.0.6', signatureFormat: 'legacy' }, key: { publicKeyFile: 'cosign.pub' } },
        // this machine reaches no public Sigstore service, and the engines run on it: the clusters are air-gapped
        admission: { failureAction: 'Enforce', airGapped: true },
        clusters: CLUSTERS,
        checks: { suppress: SUPPRESS },
        ...over,
      });

      /** our verdict per (cluster, engine group) from `verify --config … --output json` */
      async function ours(bp: Blueprint, imageRef: string): Promise<Ours> {
        const io = memoryIo({ cwd: bp.dir, env: { HOME: bp.dir } });
        const code = await main(['verify', '--config', 'blueprint.yaml', imageRef, '--output', 'json'], io);
        if (code !== 0 && code !== 1) throw new Error(`verify --config ${imageRef} exited ${code}: ${io.stderr()}`);
        const r = JSON.parse(io.stdout());
        const admitted: Record<string, boolean> = {};
        const satisfied: Record<string, boolean> = {};
        const texts: Record<string, string[]> = {};
        for (const v of r.verdicts) {
          const key = `${v.cluster}/${v.engine === 'policy-controller' ? 'policy-controller' : 'kyverno'}`;
          admitted[key] = (admitted[key] ?? true) && v.admitted;
          satisfied[key] = (satisfied[key] ?? true) && (!v.matched || v.satisfied === true);
          (texts[key] ??= []).push(`${v.matched ? (v.admitted ? (v.satisfied ? 'admitted' : 'audit') : `REJECTED ${v.code}`) : 'not selected'}`);
        }
        return { admitted, satisfied, text: JSON.stringify(texts) };
      }

      /** every engine of every cluster on each case; rows recorded; mismatches returned */
      async function check(bp: Blueprint, cases: Case[]): Promise<string[]> {
        const tasks: (() => Promise<string | undefined>)[] = [];
        for (const c of cases) {
          const img = images[c.image];
          if (!img) throw new Error(`no image ${c.image}`);
          const oursP = ours(bp, img.ref);
          for (const cl of bp.clusters) {
            const groups: [Group, EngineName, any[]][] = [];
            if (cl.kyverno.length > 0) groups.push(['kyverno', `kyverno-${cl.version}`, cl.kyverno]);
            if (cl.cips.length > 0) groups.push(['policy-controller', 'policy-tester', cl.cips]);
            for (const [group, engine, policies] of groups) {
              const expected = group === 'policy-controller' ? c.pc : typeof c.kyverno === 'string' ? c.kyverno : c.kyverno[cl.name];
              if (expected === undefined) continue;
              const ivpTagOnly = policies.some((p) => p.kind === 'ImageValidatingPolicy') && !img.ref.includes('@');
              if (ivpTagOnly) continue; // see the file comment
              tasks.push(async () => {
                const o = await oursP;
                const key = `${cl.name}/${group}`;
                if (!(key in o.admitted)) throw new Error(`verify --config gave no ${group} verdict for cluster ${cl.name}: ${o.text}`);
                const e: EngineVerdict = await runEngine(engine, {
                  policies, image: img.ref, admissionImage: img.digestRef, tuf: cl.name === 'ivp116t' ? tuf : undefined,
                });
                const oursV: Verdict = o.admitted[key] ? 'admit' : 'deny';
                rows.push({
                  blueprint: bp.label,
                  image: c.image,
                  cluster: cl.name,
                  engine,
                  expected,
                  engineVerdict: e.verdict,
                  ours: oursV,
                  engineSatisfied: e.satisfied,
                  oursSatisfied: o.satisfied[key],
                  detail: e.message.slice(0, 160),
                });
                const bad = e.verdict !== oursV || e.verdict !== expected
                  || (e.satisfied !== undefined && e.satisfied !== o.satisfied[key]);
                return bad ? `${bp.label} | ${c.image} | ${cl.name} | ${engine}: expected ${expected}, engine ${e.verdict} (satisfied ${e.satisfied}), ours ${oursV} (satisfied ${o.satisfied[key]})\n  engine: ${e.message}\n  ours: ${o.text}\n  ${e.command}\n${e.output.slice(-2000)}` : undefined;
              });
            }
          }
        }
        const results = await limitConcurrency(3, tasks);
        return results.filter((x): x is string => x !== undefined);
      }

      test('key, legacy .sig, Enforce: signed, other key, unsigned, outside every pattern, neighbour repository, other port, localhost spelling, tag+digest, tag', async () => {
        const bp = await blueprint('enforce', base());
        const mismatches = await check(bp, [
          { image: 'signed', kyverno: K('admit'), pc: 'admit' },
          { image: 'second image signed', kyverno: K('admit'), pc: 'admit' },
          { image: 'other key', kyverno: 'deny', pc: 'deny' },
          { image: 'unsigned', kyverno: 'deny', pc: 'deny' },
          // not selected: Kyverno admits without a check; policy-controller denies (no-match-policy deny)
          { image: 'outside, unsigned', kyverno: 'admit', pc: 'deny' },
          { image: 'neighbour repo signed', kyverno: 'admit', pc: 'deny' },
          { image: 'other port signed', kyverno: 'admit', pc: 'deny' },
          { image: 'localhost spelling', kyverno: 'admit', pc: 'deny' },
          { image: 'tag+digest', kyverno: K('admit'), pc: 'admit' },
          { image: 'signed by tag', kyverno: K('admit'), pc: 'admit' },
        ]);
        expect(mismatches).toEqual([]);
      });

      test('Audit: nothing is rejected; the violation is still seen', async () => {
        const bp = await blueprint('audit', base({ admission: { failureAction: 'Audit', airGapped: true } }));
        const mismatches = await check(bp, [
          { image: 'signed', kyverno: 'admit', pc: 'admit' },
          { image: 'other key', kyverno: 'admit', pc: 'admit' },
          { image: 'unsigned', kyverno: 'admit', pc: 'admit' },
          { image: 'outside, unsigned', kyverno: 'admit', pc: 'deny' },
        ]);
        expect(mismatches).toEqual([]);
      });

      test('rotation set: the previous key still verifies, a third key does not', async () => {
        // current key C in cosign.pub, previous key A
        const bp = await blueprint('rotation', base({
          signing: { mode: 'key', transparencyLog: false, cosign: { version: 'v3.0.6', signatureFormat: 'legacy' }, key: { publicKeyFile: 'cosign.pub', previousPublicKeyFiles: ['old.pub'] } },
        }), { 'cosign.pub': keyC.pub, 'old.pub': keyA.pub });
        const mismatches = await check(bp, [
          { image: 'previous key', kyverno: K('admit'), pc: 'admit' }, // signed by C, the current key
          { image: 'signed', kyverno: K('admit'), pc: 'admit' }, // signed by A, the previous key
          { image: 'other key', kyverno: 'deny', pc: 'deny' }, // B
        ]);
        expect(mismatches).toEqual([]);
      });

      test('one pattern for every engine, `*`: Kyverno and IVP cross "/", policy-controller does not (§0.1-§0.3)', async () => {
        const bp = await blueprint('glob *', base({ admission: { failureAction: 'Enforce', airGapped: true, imageReferences: [`${reg.host}/acme/*`] } }));
        const mismatches = await check(bp, [
          { image: 'signed', kyverno: K('admit'), pc: 'admit' },
          { image: 'nested signed', kyverno: K('admit'), pc: 'deny' }, // acme/team/app: not matched by [^/]* → no-match deny
          { image: 'nested unsigned', kyverno: 'deny', pc: 'deny' },
          { image: 'neighbour repo signed', kyverno: K('admit'), pc: 'admit' },
          { image: 'outside, unsigned', kyverno: 'admit', pc: 'deny' },
        ]);
        expect(mismatches).toEqual([]);
      });

      test('`**`: every engine selects nested repositories', async () => {
        const bp = await blueprint('glob **', base({ admission: { failureAction: 'Enforce', airGapped: true, imageReferences: [`${reg.host}/acme/**`] } }));
        const mismatches = await check(bp, [
          { image: 'nested signed', kyverno: K('admit'), pc: 'admit' },
          { image: 'nested unsigned', kyverno: 'deny', pc: 'deny' },
          { image: 'outside, unsigned', kyverno: 'admit', pc: 'deny' },
        ]);
        expect(mismatches).toEqual([]);
      });

      test('SBOM attestation required (cosign attest --type cyclonedx, no Rekor)', async () => {
        const bp = await blueprint('sbom', base({ attestations: { sbom: { format: 'cyclonedx' } } }));
        // an IVP's verifyAttestationSignatures requires a verified tlog entry whatever insecureIgnoreTlog
        // says (kyverno#17109, VerifyAttestationSignature): without Rekor no IVP admits an attestation
        const IVP_DENY = { ivp116: 'deny', ivp119: 'deny', ivp116t: 'deny' } as const;
        const mismatches = await check(bp, [
          { image: 'signed + sbom', kyverno: { ...K('admit'), ...IVP_DENY }, pc: 'admit' },
          { image: 'signed', kyverno: 'deny', pc: 'deny' },
          { image: 'signed + spdx (not the required type)', kyverno: 'deny', pc: 'deny' },
          // Kyverno checks bomFormat (conditions); the CIP's CUE checks only the predicate type
          { image: 'signed + sbom failing the condition', kyverno: 'deny', pc: 'admit' },
          // a policy-controller authority with attestations checks only them (validator.go), so the blueprint
          // renders the signature in a CIP of its own (ISB-POL-007): every matching CIP must pass
          { image: 'sbom only (no signature)', kyverno: 'deny', pc: 'deny' },
        ]);
        expect(mismatches).toEqual([]);
      });

      test('key, Sigstore bundle referrers (cosign v3 default): ClusterPolicy SigstoreBundle and IVP on Kyverno 1.19', async () => {
        const bp = await blueprint('bundle', base({
          signing: { mode: 'key', transparencyLog: false, cosign: { version: 'v3.0.6', signatureFormat: 'bundle' }, key: { publicKeyFile: 'cosign.pub' } },
          clusters: CLUSTERS.filter((c) => c.kyverno.version === '1.19'),
        }));
        const mismatches = await check(bp, [
          // docker-registry has no referrers API: cosign v3.0 lists the bundle in the fallback-tag index under
          // the empty config's artifactType, which a ClusterPolicy's SigstoreBundle reader skips (fetchBundles)
          { image: 'bundle signed', kyverno: { cp119: 'deny', ivp119: 'admit' } },
          // an IVP reads legacy .sig signatures whatever format the blueprint signs in
          { image: 'signed', kyverno: { cp119: 'deny', ivp119: 'admit' } },
          { image: 'unsigned', kyverno: 'deny' },
        ]);
        expect(mismatches).toEqual([]);
      });

      test('examples/repo-owner, its images moved to the loopback registry and its key swapped for the test key', async () => {
        const cfg = YAML.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'repo-owner', 'blueprint.yaml'), 'utf8'));
        for (const r of cfg.repositories) r.images = r.images.map((i: string) => i.replace(/^ghcr\.io\//, `${reg.host}/`));
        cfg.admission = { ...cfg.admission, airGapped: true }; // as every cluster of this test
        cfg.checks = { suppress: SUPPRESS }; // ISB-NET-002: the Rekor keys of a tlog-checking entry come from TUF
        const asIs = await blueprint('repo-owner', cfg);
        // transparencyLog: true, but the test signs without Rekor (offline): every engine requires the tlog entry
        const m1 = await check(asIs, [
          { image: 'signed', kyverno: 'deny' },
          { image: 'unsigned', kyverno: 'deny' },
          { image: 'outside, unsigned', kyverno: 'admit' },
        ]);
        const noTlog = await blueprint('repo-owner-', { ...cfg, signing: { ...cfg.signing, transparencyLog: false } });
        const m2 = await check(noTlog, [
          { image: 'signed', kyverno: 'admit' },
          { image: 'other key', kyverno: 'deny' },
        ]);
        expect([...m1, ...m2]).toEqual([]);
      });

      test('examples/platform-team (images moved, Docker Hub spelling dropped, key swapped): it requires GitHub provenance, which no image here has', async () => {
        const cfg = YAML.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'platform-team', 'blueprint.yaml'), 'utf8'));
        const move = (i: string) => i.replace(/^ghcr\.io\//, `${reg.host}/`);
        for (const r of cfg.repositories) r.images = r.images.filter((i: string) => !i.startsWith('docker.io/')).map(move);
        for (const c of cfg.clusters) if (c.skipImageReferences) c.skipImageReferences = c.skipImageReferences.map(move);
        // the loopback registry is anonymous; and the tester cannot evaluate an authority with signaturePullSecrets
        // (it panics: SourceSignaturePullSecretsOpts needs a Kubernetes client from the context)
        const { registryCredentials: _unused, ...admission } = cfg.admission;
        cfg.admission = { ...admission, airGapped: true };
        cfg.checks = { suppress: [...SUPPRESS, { id: 'ISB-NET-001', reason: 'parity matrix: GitHub provenance is keyless on the public instance, unreachable here' }] };
        const bp = await blueprint('platform-team', cfg);
        const mismatches = await check(bp, [
          { image: 'signed + sbom', kyverno: 'deny', pc: 'deny' },
          { image: 'unsigned', kyverno: 'deny', pc: 'deny' },
          { image: 'outside, unsigned', kyverno: 'admit', pc: 'deny' },
          // skipImageReferences web:debug-* (legacy-eu's ClusterPolicy): skipped, so admitted unsigned; the IVP
          // has no skip list (and is not run on a tag-only image); policy-controller checks its digest
          { image: 'debug tag, unsigned', kyverno: 'admit', pc: 'deny' },
        ]);
        expect(mismatches).toEqual([]);
      });

      test('Kyverno before 1.18 hands IVP validations every image of the Pod: the unfiltered expression rejects a Pod outside the policy, so 1.16 policies filter', async () => {
        const bp = await blueprint('ivp-filter', base({ clusters: CLUSTERS.filter((c) => c.kyverno.policy === 'ImageValidatingPolicy') }));
        const p116 = bp.clusters.find((c) => c.name === 'ivp116')!.kyverno[0];
        const p119 = bp.clusters.find((c) => c.name === 'ivp119')!.kyverno[0];
        const expr: string = p116.spec.validations[0].expression;
        expect(expr).toContain('.filter(image, image.matches(');
        // the same policy without the filter: what the renderer wrote before (and what 1.18+ needs)
        const unfiltered = JSON.parse(JSON.stringify(p116));
        unfiltered.spec.validations[0].expression = expr.replace(/\.filter\(image, image\.matches\('(?:[^'\\]|\\.)*'\)\)/, '');
        expect(unfiltered.spec.validations[0].expression).toBe(p119.spec.validations[0].expression);
        const outside = images['outside, unsigned'].ref;
        const signed = images.signed.ref;
        const run = (engine: EngineName, policy: any, image: string) => runEngine(engine, { policies: [policy], image });
        const [u116, f116, u119, n116, s116, s119] = await Promise.all([
          run('kyverno-1.16', unfiltered, outside), run('kyverno-1.16', p116, outside), run('kyverno-1.19', p119, outside),
          run('kyverno-1.16', p116, images.unsigned.ref), runEngine('kyverno-1.16', { policies: [p116], image: signed, tuf }), run('kyverno-1.19', p119, signed),
        ]);
        // eslint-disable-next-line no-console
        console.log(`IVP on a Pod outside the policy: 1.16 unfiltered ${u116.verdict} (${u116.message}); 1.16 filtered ${f116.verdict}; 1.19 ${u119.verdict}`);
        expect([u116.verdict, f116.verdict, u119.verdict]).toEqual(['deny', 'admit', 'admit']);
        // the filter keeps what must be checked (on 1.16 with a TUF repository it can reach: ISB-NET-002)
        expect([n116.verdict, s116.verdict, s119.verdict]).toEqual(['deny', 'admit', 'admit']);
      });
    });
});
