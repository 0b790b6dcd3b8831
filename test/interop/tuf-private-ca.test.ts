import { spawn } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { memoryIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { encryptPrivateKeyPem } from '../../src/keys/encrypted-key';
import { cosign, CosignVersion, isV3, ok } from '../support/cosign';
import { tempDir } from '../support/fixtures';
import { describeWithInterop, requireInteropTool } from '../support/interop';
import { GITHUB_ISSUER, githubWorkflowSan, issueLeaf, newPrivateCA, PrivateCA, writeTrustedRoot } from '../support/private-ca';
import { pushTinyImage, startRegistry, TestRegistry } from '../support/registry';
import { startTestRekor, TestRekorLog } from '../support/test-rekor';
import { describeWithTool } from '../support/tools';
import { describeWithPythonTuf, LegacyTarget, StaticServer, TufRepo } from '../support/tuf-repo';

/*
 * A private Sigstore instance whose trusted root is published through TUF, end to end with real
 * parts: a private CA (openssl), a Rekor stand-in on 127.0.0.1 (test/support/test-rekor.ts), a
 * TUF repository written by python-tuf and served on 127.0.0.1 holding that instance's
 * trusted_root.json, real cosign signing with the CA's leaf (`cosign sign --key leaf --certificate
 * leaf.crt --certificate-chain chain.pem`, tlog on the stand-in), and a real docker-registry.
 * Our `verify --tuf-mirror … --tuf-root 1.root.json` refreshes the root through TUF and verifies;
 * cosign's own TUF client (`cosign initialize --mirror … --root …`) reads the same repository and
 * `cosign verify` (no --trusted-root, no --certificate-chain: the CA comes from TUF) agrees. A
 * tampered target and expired timestamp metadata are refused by both clients.
 *
 * Signed with the tlog on: our verify refuses a keyless signature without a signing time (no tlog
 * entry, no RFC 3161 timestamp) by design, where cosign --insecure-ignore-tlog checks the
 * certificate at the current time (docs/verify.md, test/interop/keyless-private-ca.test.ts).
 */

const SAN = githubWorkflowSan('acme', 'web', 'build.yml');
const IDENTITY = ['--certificate-identity', SAN, '--certificate-oidc-issuer', GITHUB_ISSUER];

interface Flavour {
  readonly signer: CosignVersion;
  readonly bundle: boolean;
}
const FLAVOURS: Record<string, Flavour> = {
  'cosign v2.6.5 legacy .sig': { signer: 'cosign-v2', bundle: false },
  'cosign v2.6.5 bundle': { signer: 'cosign-v2', bundle: true },
  'cosign v3.0.6 legacy .sig': { signer: 'cosign-v3.0', bundle: false },
  'cosign v3.1.3 legacy .sig': { signer: 'cosign-v3', bundle: false },
};

/** sign flags for a key + certificate with the tlog on a private Rekor (cmd/cosign/cli/options/sign.go of each release) */
function signFlags(f: Flavour, rekorUrl: string): string[] {
  const out: string[] = [];
  if (isV3(f.signer)) out.push('--use-signing-config=false', f.bundle ? '--new-bundle-format=true' : '--new-bundle-format=false');
  else if (f.bundle) out.push('--new-bundle-format=true');
  out.push(`--rekor-url=${rekorUrl}`);
  return out;
}

describeWithPythonTuf('interop: a private Sigstore trusted root through TUF (issue 17)', () => {
  describeWithTool('openssl', 'private CA', () => {
    describeWithTool('docker-registry', 'on a loopback docker-registry', () => {
      let reg: TestRegistry;
      let rekor: TestRekorLog;
      let ca: PrivateCA;
      let rootFile: string;
      let cosignKey: string;
      let certFile: string;
      let chainFile: string;
      let n = 0;

      beforeAll(async () => {
        [reg, rekor] = await Promise.all([startRegistry(), startTestRekor()]);
        ca = newPrivateCA('isb-tuf');
        rootFile = writeTrustedRoot(ca, { tlogs: [rekor] });
        const leaf = issueLeaf(ca, { san: SAN });
        certFile = leaf.certFile;
        chainFile = leaf.chainFile;
        // cosign --key reads only its encrypted key format: the leaf key, encrypted with an empty password
        cosignKey = path.join(path.dirname(leaf.keyFile), 'cosign.key');
        fs.writeFileSync(cosignKey, await encryptPrivateKeyPem(leaf.privateKey.export({ type: 'pkcs8', format: 'der' }), '', { scryptN: 32768 }), { mode: 0o600 });
      });
      afterAll(async () => {
        await Promise.all([reg?.stop(), rekor?.stop()]);
        if (ca) fs.rmSync(ca.dir, { recursive: true, force: true }); // the CA and leaf private keys
      });

      const signed = async (f: Flavour): Promise<string> => {
        n += 1;
        const img = await pushTinyImage(reg, 'acme/web', `tuf${n}`, `tuf interop ${n}\n`);
        const ref = `${reg.host}/acme/web@${img.digest}`;
        ok(await cosign(f.signer, ['sign', '--yes', '--key', cosignKey, '--certificate', certFile, '--certificate-chain', chainFile, ...signFlags(f, rekor.url), ref], { password: '' }));
        return ref;
      };

      /** a TUF repository holding the trusted root, served while `fn` runs */
      const withMirror = async (
        fn: (repo: TufRepo, server: StaticServer) => Promise<void>,
        change?: (repo: TufRepo) => void,
        opts: { root?: string; legacy?: LegacyTarget[] } = {},
      ) => {
        const repo = TufRepo.create({ 'trusted_root.json': opts.root ?? rootFile }, opts.legacy);
        change?.(repo);
        const server = await StaticServer.start(repo.dir);
        try {
          await fn(repo, server);
        } finally {
          await server.close();
        }
      };
      const ourVerify = async (ref: string, args: string[]) => {
        const io = memoryIo({ cwd: tempDir(), env: { HOME: tempDir() } });
        const code = await main(['verify', ref, ...args], io);
        return { code, out: io.stdout(), err: io.stderr() };
      };
      /** cosign with its own TUF root folder, initialized from the mirror */
      const cosignTuf = (v: CosignVersion, tufRoot: string, mirror: string, args: string[]) =>
        cosign(v, args, { env: { TUF_ROOT: tufRoot, TUF_MIRROR: mirror } });

      describe.each(Object.keys(FLAVOURS))('%s', (name) => {
        const f = FLAVOURS[name];
        describeWithInterop([f.signer], `signed by ${f.signer}`, () => {
          test('our verify through the TUF-refreshed root and cosign through its own TUF client agree (both pass; a wrong identity fails both)', async () => {
            const ref = await signed(f);
            await withMirror(async (repo, server) => {
              const cache = tempDir('isb-tuf-cache-');
              const tuf = ['--tuf-mirror', server.url, '--tuf-root', repo.initialRoot, '--tuf-cache', cache];
              const ours = await ourVerify(ref, [...IDENTITY, ...tuf]);
              expect([ours.code, ours.err]).toEqual([0, expect.stringContaining(`trusted root: the trusted root refreshed through TUF from ${server.url}`)]);
              expect(ours.out).toContain(`by ${SAN} (tlog verified)`);
              const wrong = await ourVerify(ref, ['--certificate-identity', githubWorkflowSan('acme', 'web-evil', 'build.yml'), '--certificate-oidc-issuer', GITHUB_ISSUER, ...tuf]);
              expect(wrong.code).toBe(1);
              expect(wrong.err).toContain('[IDENTITY_MISMATCH]');

              // cosign: the CA and Rekor key come from TUF only (no --trusted-root, no --certificate-chain)
              const cosignDirs: string[] = [];
              const verifyFlags = [...IDENTITY, '--insecure-ignore-sct=true', ...(f.bundle && !isV3(f.signer) ? ['--new-bundle-format=true'] : [])];
              for (const v of [f.signer, 'cosign-v3'] as CosignVersion[]) {
                const dir = tempDir('isb-cosign-tuf-');
                cosignDirs.push(dir);
                ok(await cosignTuf(v, dir, server.url, ['initialize', '--mirror', server.url, '--root', repo.initialRoot]));
                const cv = await cosignTuf(v, dir, server.url, ['verify', ...verifyFlags, ref]);
                expect([v, cv.code, cv.stderr.split('\n').filter((l) => /error|Verification for/.test(l))]).toEqual([v, 0, [expect.stringContaining('Verification for')]]);
                const cw = await cosignTuf(v, dir, server.url, ['verify', '--certificate-identity', githubWorkflowSan('acme', 'web-evil', 'build.yml'),
                  '--certificate-oidc-issuer', GITHUB_ISSUER, '--insecure-ignore-sct=true', ...(f.bundle && !isV3(f.signer) ? ['--new-bundle-format=true'] : []), ref]);
                // cosign exits 12 for "no matching signatures" (legacy) and 1 otherwise; either way it names the identity
                expect([v, cw.code !== 0, /expected SAN value|no matching CertificateIdentity|none of the expected identities/i.test(cw.stderr)]).toEqual([v, true, true]);
              }
              // both clients hold the same verified bytes
              const ourCopy = fs.readdirSync(cache, { recursive: true }).map(String).find((p) => p.endsWith(`targets${path.sep}trusted_root.json`) || /\.trusted_root\.json$/.test(p));
              expect(ourCopy).toBeDefined();
              expect(fs.readFileSync(path.join(cache, ourCopy!), 'utf8')).toBe(fs.readFileSync(rootFile, 'utf8'));
              for (const dir of cosignDirs) {
                const cosignCopy = fs.readdirSync(dir, { recursive: true }).map(String).find((p) => p.endsWith('trusted_root.json'));
                expect(cosignCopy).toBeDefined();
                expect(fs.readFileSync(path.join(dir, cosignCopy!), 'utf8')).toBe(fs.readFileSync(rootFile, 'utf8'));
              }
            });
          });
        });
      });

      /**
       * policy-controller's own tester (cmd/tester of the pinned release): `-policy` a ClusterImagePolicy,
       * `-trustroot` a TrustRoot (its `spec.remote` is read with policy-controller's TUF client), `-image`.
       * A small runner of its own here (the engines harness of test/support is another branch's).
       */
      type Engine = 'policy-tester' | 'kyverno-1.19';
      const engine = (tool: Engine, args: string[], cwd?: string): Promise<{ code: number; out: string }> => new Promise((resolve, reject) => {
        const home = tempDir('isb-engine-home-');
        const child = spawn(requireInteropTool(tool), args, {
          cwd,
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, TUF_ROOT: path.join(home, 'tuf'), DOCKER_CONFIG: path.join(home, 'docker') },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (c) => { out += String(c); });
        child.stderr.on('data', (c) => { out += String(c); });
        const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
        child.on('error', (e) => { clearTimeout(timer); reject(e); });
        child.on('close', (code) => { clearTimeout(timer); resolve({ code: code ?? 1, out }); });
      });

      /** a keyless blueprint of this instance with signing.keyless.tuf → the mirror, synthesized; the objects per cluster */
      type Synthesized = { work: string; objects: (cluster: string) => any[] };
      const synthWithMirror = async (server: StaticServer, repo: TufRepo, clusters: unknown[], tuf = true, root = rootFile): Promise<Synthesized> => {
        const work = tempDir('isb-tuf-bp-');
        fs.copyFileSync(root, path.join(work, 'trusted_root.json'));
        fs.copyFileSync(repo.initialRoot, path.join(work, 'tuf-root.json'));
        fs.writeFileSync(path.join(work, 'blueprint.yaml'), YAML.stringify({
          name: 'acme-tuf',
          github: { owner: 'acme' },
          repositories: [{ name: 'web', images: [`${reg.host}/acme/web`], workflow: { file: 'build.yml' } }],
          signing: {
            mode: 'keyless',
            cosign: { version: 'v2.6.5', signatureFormat: 'legacy' },
            keyless: {
              fulcioUrl: JSON.parse(fs.readFileSync(root, 'utf8')).certificateAuthorities[0].uri,
              rekorUrl: `https://${rekor.hostname}`,
              trustedRootFile: 'trusted_root.json',
              ...(tuf ? { tuf: { mirror: server.url, rootFile: 'tuf-root.json' } } : {}),
            },
          },
          admission: { failureAction: 'Enforce' },
          clusters,
        }));
        const io = memoryIo({ cwd: work, env: { HOME: work } });
        const synth = await main(['synth', '--config', 'blueprint.yaml', '--out', 'dist'], io);
        if (synth !== 0) throw new Error(`synth failed: ${io.stderr()}${io.stdout()}`);
        const objects = (cluster: string) => YAML.parseAllDocuments(fs.readFileSync(path.join(work, 'dist', 'kubernetes', cluster, 'image-signing.k8s.yaml'), 'utf8'))
          .map((d) => d.toJS()).filter((d) => d);
        return { work, objects };
      };
      /** every served target one byte longer: what the signed targets metadata says no longer holds */
      const tamper = (repo: TufRepo) => {
        const dir = path.join(repo.dir, 'targets');
        for (const f of fs.readdirSync(dir)) fs.appendFileSync(path.join(dir, f), ' ');
      };

      describeWithInterop(['cosign-v2', 'policy-tester'], 'signing.keyless.tuf in the cluster: policy-controller refreshes the spec.remote TrustRoot, and verify --config agrees', () => {
        /*
         * policy-controller's tester (v0.15.1 cmd/tester/trustroot.go) reads a `spec.remote` TrustRoot
         * with GetSigstoreKeysFromTuf(ctx, client, "") — an empty target name, where the reconciler
         * (pkg/reconciler/trustroot/trustroot.go getSigstoreKeysFromRemote) defaults to
         * "trusted_root.json" — so the tester only finds the legacy targets with custom metadata
         * (usage Fulcio/Rekor), which the public repository also carried. The mirror publishes both,
         * from the same CA and log key: the tester reads the legacy ones, our verify trusted_root.json.
         */
        const legacy = (): LegacyTarget[] => {
          const rekorPem = path.join(ca.dir, 'rekor.pub');
          fs.writeFileSync(rekorPem, rekor.publicKeyPem);
          const root = JSON.parse(fs.readFileSync(rootFile, 'utf8'));
          return [
            { name: 'fulcio.crt.pem', file: chainFile, usage: 'Fulcio', uri: root.certificateAuthorities[0].uri },
            { name: 'rekor.pub', file: rekorPem, usage: 'Rekor', uri: rekor.baseUrl },
          ];
        };

        test('the synthesized ClusterImagePolicy + TrustRoot (spec.remote → the python-tuf mirror) admit the signed image in policy-controller\'s tester and in verify --config; a tampered mirror rejects it in both', async () => {
          const ref = await signed(FLAVOURS['cosign v2.6.5 legacy .sig']);
          const run = async (tampered: boolean) => {
            let result: { tester: { code: number; out: string }; ours: { code: number; out: string; err: string } } | undefined;
            await withMirror(async (repo, server) => {
              const { work, objects } = await synthWithMirror(server, repo, [{ name: 'pc', kyverno: { enabled: false }, policyController: { enabled: true } }]);
              const docs = objects('pc');
              const tr = docs.find((d) => d.kind === 'TrustRoot');
              const cip = docs.find((d) => d.kind === 'ClusterImagePolicy');
              expect(tr.spec.remote.mirror).toBe(server.url);
              fs.writeFileSync(path.join(work, 'tr.yaml'), YAML.stringify(tr));
              fs.writeFileSync(path.join(work, 'cip.yaml'), YAML.stringify(cip));
              if (tampered) tamper(repo);
              const tester = await engine('policy-tester', ['-policy', path.join(work, 'cip.yaml'), '-trustroot', path.join(work, 'tr.yaml'), '-image', ref]);
              const oio = memoryIo({ cwd: work, env: { HOME: work } });
              const code = await main(['verify', '--config', 'blueprint.yaml', ref, '--tuf-cache', tempDir()], oio);
              result = { tester, ours: { code, out: oio.stdout(), err: oio.stderr() } };
            }, undefined, { legacy: legacy() });
            return result!;
          };
          const good = await run(false);
          expect([good.tester.code, good.ours.code, good.tester.code === 0 ? '' : good.tester.out.slice(-1500)]).toEqual([0, 0, '']);
          expect(good.ours.out).toMatch(/pc policy-controller .*: admitted/);
          const bad = await run(true);
          expect([bad.tester.code !== 0, /TUF|tuf|hash|length/.test(bad.tester.out)]).toEqual([true, true]);
          expect(bad.ours.code).toBe(1);
          expect(bad.ours.out).toMatch(/pc policy-controller .*: REJECTED \[TUF_TARGET_TAMPERED\]/);
        });
      });

      describeWithInterop(['cosign-v2', 'kyverno-1.19'], 'signing.keyless.tuf in an ImageValidatingPolicy: the real Kyverno CLI 1.19', () => {
        const pod = (image: string) => YAML.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'probe', namespace: 'default' }, spec: { containers: [{ name: 'c', image }] } });
        const kyverno = async (work: string, policies: any[], image: string) => {
          fs.writeFileSync(path.join(work, 'policies.yaml'), policies.map((p) => YAML.stringify(p)).join('---\n'));
          fs.writeFileSync(path.join(work, 'pod.yaml'), pod(image));
          const r = await engine('kyverno-1.19', ['apply', 'policies.yaml', '--resource', 'pod.yaml', '--registry', '--policy-report', '--output-format', 'json', '--remove-color', '-v', '4'], work);
          const results = r.out.split('\n').filter((l) => l.trim().startsWith('{')).flatMap((l) => {
            try {
              return (JSON.parse(l).results ?? []).map((x: any) => `${x.result}: ${String(x.message ?? '').slice(0, 300)}`);
            } catch {
              return [];
            }
          });
          // the verifier's own error lines (-v 4), to say why
          const errors = r.out.split('\n').map((l) => l.replace(/\x1b\[[0-9;]*m/g, '')).filter((l) => / ERR /.test(l)).map((l) => l.slice(l.indexOf('error=')));
          return { ...r, results, errors };
        };

        /*
         * Kyverno 1.19.1 reads the CT log keys from the TUF trusted root for every keyless attestor and fails
         * without any, even with ctlog.insecureIgnoreSCT (pkg/image/verifiers/ivpol/cosign/opts.go
         * initTUFAndFetch: "getting CTLog public keys: no CTLog public keys found in trusted root"). So the
         * instance published here has a CT log; its certificates (the test CA's) carry no SCT, which a real
         * private Fulcio would embed, so the test policy ignores SCTs (the only change to the rendered policy).
         */
        test('cosign.tuf → the python-tuf mirror: pass; the same policy without cosign.tuf: Kyverno initializes the public TUF repository (unreachable here) and fails', async () => {
          const ref = await signed(FLAVOURS['cosign v2.6.5 legacy .sig']);
          const ctKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'der' });
          const ctLog = { baseUrl: 'https://ctfe.isb-tuf.invalid', spkiDer: ctKey, logID: createHash('sha256').update(ctKey).digest('hex') };
          const withCt = writeTrustedRoot(ca, { tlogs: [rekor], ctlogs: [ctLog] }, 'trusted_root_ct.json');
          const ignoreSct = (p: any) => {
            p.spec.attestors[0].cosign.ctlog = { ...p.spec.attestors[0].cosign.ctlog, insecureIgnoreSCT: true };
            return p;
          };
          await withMirror(async (repo, server) => {
            const clusters = [{ name: 'ivp', kyverno: { policy: 'ImageValidatingPolicy', version: '1.19' } }];
            const withTuf = await synthWithMirror(server, repo, clusters, true, withCt);
            const ivp = withTuf.objects('ivp').filter((d) => d.kind === 'ImageValidatingPolicy').map(ignoreSct);
            expect(ivp[0].spec.attestors[0].cosign.tuf.mirror).toBe(server.url);
            server.requests.splice(0);
            const k = await kyverno(withTuf.work, ivp, ref);
            expect([k.results, k.errors]).toEqual([[expect.stringMatching(/^pass/)], []]);
            // Kyverno's own TUF client walked the private repository
            expect(server.requests).toEqual(expect.arrayContaining(['/2.root.json', '/timestamp.json', '/1.snapshot.json', '/1.targets.json']));

            const without = await synthWithMirror(server, repo, clusters, false, withCt);
            const plain = without.objects('ivp').filter((d) => d.kind === 'ImageValidatingPolicy').map(ignoreSct);
            expect(plain[0].spec.attestors[0].cosign.tuf).toBeUndefined();
            const kp = await kyverno(without.work, plain, ref);
            expect(kp.results).toEqual([expect.stringMatching(/^fail/)]);
            expect(kp.errors).toEqual([expect.stringContaining('failed to initialize TUF client (mirror=\\"https://tuf-repo-cdn.sigstore.dev\\")')]);
          }, undefined, { root: withCt });
        });
      });

      describeWithInterop(['cosign-v2', 'cosign-v3'], 'a mirror that lies is refused by our client and by cosign\'s', () => {
        test('a tampered trusted_root.json target: ours TUF_TARGET_TAMPERED, cosign initialize "wrong sha256 hash"', async () => {
          const ref = await signed(FLAVOURS['cosign v2.6.5 legacy .sig']);
          await withMirror(async (repo, server) => {
            const ours = await ourVerify(ref, [...IDENTITY, '--tuf-mirror', server.url, '--tuf-root', repo.initialRoot, '--tuf-cache', tempDir()]);
            expect(ours.code).toBe(1);
            expect(ours.err).toContain('error [TUF_TARGET_TAMPERED]');
            for (const v of ['cosign-v2', 'cosign-v3'] as CosignVersion[]) {
              const c = await cosignTuf(v, tempDir('isb-cosign-tuf-'), server.url, ['initialize', '--mirror', server.url, '--root', repo.initialRoot]);
              expect([v, c.code, /failed to download trusted_root\.json: wrong sha256 hash/.test(c.stderr)]).toEqual([v, 1, true]);
            }
          }, (repo) => {
            // the private CA swapped for another one of the same size: a mirror (or a man in the middle) substituting trust
            const file = repo.targetFile('trusted_root.json');
            const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
            doc.certificateAuthorities[0].uri = doc.certificateAuthorities[0].uri.replace('isb-tuf', 'isb-evl');
            fs.writeFileSync(file, JSON.stringify(doc, null, 2));
          });
        });

        test('expired timestamp metadata: ours TUF_METADATA_EXPIRED, cosign initialize "timestamp.json: expired"', async () => {
          const ref = await signed(FLAVOURS['cosign v2.6.5 legacy .sig']);
          await withMirror(async (repo, server) => {
            const ours = await ourVerify(ref, [...IDENTITY, '--tuf-mirror', server.url, '--tuf-root', repo.initialRoot, '--tuf-cache', tempDir()]);
            expect(ours.code).toBe(1);
            expect(ours.err).toContain('error [TUF_METADATA_EXPIRED]');
            for (const v of ['cosign-v2', 'cosign-v3'] as CosignVersion[]) {
              const c = await cosignTuf(v, tempDir('isb-cosign-tuf-'), server.url, ['initialize', '--mirror', server.url, '--root', repo.initialRoot]);
              expect([v, c.code, /timestamp\.json: expired at 2026-01-01 00:00:00 \+0000 UTC/.test(c.stderr)]).toEqual([v, 1, true]);
            }
          }, (repo) => repo.run('timestamp', '--expires', '2026-01-01T00:00:00Z'));
        });
      });
    });
  });
});
