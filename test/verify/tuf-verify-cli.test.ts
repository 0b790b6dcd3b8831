import * as fs from 'node:fs';
import * as path from 'node:path';
import { GITHUB_ISSUER, hashedrekordBody, issueLeaf, newCA, newRekor, opensslSign, rekorBundleAnnotation, TestCA, TestRekor, trustedRootJson, WEB_SAN } from './keyless';
import { newCosignKey, pushLegacySignature, signLayer, simpleSigningPayload } from './signing';
import { memoryIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { tempDir } from '../support/fixtures';
import { pushTinyImage, startRegistry, TestRegistry } from '../support/registry';
import { describeWithTool } from '../support/tools';
import { describeWithPythonTuf, StaticServer, TufRepo } from '../support/tuf-repo';

/*
 * `verify --tuf-mirror URL --tuf-root FILE --tuf-cache DIR`: the trusted root of a private Sigstore
 * instance (a test CA and a test Rekor key), published as the target trusted_root.json of a
 * python-tuf repository served on 127.0.0.1, verifies a keyless signature in a real
 * docker-registry; a tampered target or expired timestamp metadata fails the command with its code.
 */

describeWithPythonTuf('verify through a TUF-refreshed trusted root', () => {
  describeWithTool('openssl', 'with an openssl private CA', () => {
    describeWithTool('docker-registry', 'on a real docker-registry', () => {
      let reg: TestRegistry;
      let ca: TestCA;
      let rekor: TestRekor;
      let rootFile: string;
      let n = 0;

      beforeAll(async () => {
        reg = await startRegistry();
        ca = newCA('isb-tuf');
        rekor = newRekor();
        rootFile = path.join(tempDir('isb-tr-'), 'trusted_root.json');
        fs.writeFileSync(rootFile, trustedRootJson(ca, rekor));
      });
      afterAll(async () => {
        await reg?.stop();
        if (ca) fs.rmSync(ca.dir, { recursive: true, force: true });
      });

      /** an image with a keyless legacy .sig: leaf of the test CA, chain, Rekor SET */
      const signedImage = async (repo = 'acme/web') => {
        n += 1;
        const img = await pushTinyImage(reg, repo, `t${n}`, `tuf ${n}\n`);
        const name = `${reg.host}/${repo}`;
        const leaf = issueLeaf(ca);
        const payload = simpleSigningPayload(name, img.digest);
        const sig = opensslSign(leaf.keyFile, payload);
        await pushLegacySignature(reg, repo, img.digest, [{
          payload,
          signature: sig.toString('base64'),
          annotations: {
            'dev.sigstore.cosign/certificate': leaf.certPem,
            'dev.sigstore.cosign/chain': ca.chainPem,
            'dev.sigstore.cosign/bundle': rekorBundleAnnotation(rekor, hashedrekordBody(sig, payload, leaf.certPem)),
          },
        }]);
        return `${name}@${img.digest}`;
      };

      const withMirror = async <T>(fn: (repo: TufRepo, server: StaticServer) => Promise<T>, change?: (repo: TufRepo) => void): Promise<T> => {
        const repo = TufRepo.create({ 'trusted_root.json': rootFile });
        change?.(repo);
        const server = await StaticServer.start(repo.dir);
        try {
          return await fn(repo, server);
        } finally {
          await server.close();
        }
      };
      const identity = ['--certificate-identity', WEB_SAN, '--certificate-oidc-issuer', GITHUB_ISSUER];
      const cli = () => memoryIo({ cwd: tempDir(), env: { HOME: tempDir() } });

      test('refreshed root verifies the keyless signature (exit 0), the default cache is under HOME, the second run needs no mirror', async () => {
        const ref = await signedImage();
        const io = cli();
        const home = io.env.HOME!;
        await withMirror(async (repo, server) => {
          const args = ['verify', ref, ...identity, '--tuf-mirror', server.url, '--tuf-root', repo.initialRoot];
          expect(await main(args, io)).toBe(0);
          expect(io.stdout()).toContain(`verified ${ref}: legacy signature by ${WEB_SAN} (tlog verified)`);
          expect(io.stderr()).toContain(`trusted root: the trusted root refreshed through TUF from ${server.url} (root v1, timestamp v1`);
          expect(io.stderr()).not.toContain('WARNING');
          expect(fs.existsSync(path.join(home, '.cache', 'image-signing-blueprint', 'tuf'))).toBe(true);
          server.requests.splice(0);
          const again = memoryIo({ cwd: io.cwd, env: io.env });
          expect(await main(args, again)).toBe(0);
          expect(server.requests).toEqual([]);
        });
      });

      test('the same signature without any trust root but the embedded seed: rejected, and the seed warning names --tuf-mirror and --trusted-root', async () => {
        const ref = await signedImage();
        const io = cli();
        expect(await main(['verify', ref, ...identity, '--public-good-root'], io)).toBe(1);
        expect(io.stderr()).toContain('[UNTRUSTED_CERT]');
        // the bundled @sigstore/tuf 4.0.2 seed (root v14) expired on 2026-06-22T13:27:01Z
        if (Date.now() > Date.parse('2026-06-22T13:27:01Z')) {
          expect(io.stderr()).toMatch(/WARNING: the TUF root metadata embedded in @sigstore\/tuf [\d.]+ expired on 2026-06-22T13:27:01Z/);
          expect(io.stderr()).toContain('--tuf-mirror https://tuf-repo-cdn.sigstore.dev');
          expect(io.stderr()).toContain('--trusted-root FILE');
        }
      });

      test('a tampered trusted_root.json on the mirror: exit 1 with TUF_TARGET_TAMPERED, nothing verified', async () => {
        const ref = await signedImage();
        const io = cli();
        await withMirror(async (repo, server) => {
          expect(await main(['verify', ref, ...identity, '--tuf-mirror', server.url, '--tuf-root', repo.initialRoot, '--tuf-cache', tempDir()], io)).toBe(1);
        }, (repo) => {
          const f = repo.targetFile('trusted_root.json');
          const doc = JSON.parse(fs.readFileSync(f, 'utf8'));
          doc.certificateAuthorities[0].uri = 'https://fulcio.evil.invalid';
          fs.writeFileSync(f, JSON.stringify(doc));
        });
        expect(io.stderr()).toMatch(/^error \[TUF_TARGET_TAMPERED\]: TUF refresh from http:\/\/127\.0\.0\.1:\d+: the trusted_root\.json the mirror served does not match/m);
        expect(io.stdout()).toBe('');
      });

      test('expired timestamp metadata on the mirror: exit 1 with TUF_METADATA_EXPIRED and the fix', async () => {
        const ref = await signedImage();
        const io = cli();
        await withMirror(async (repo, server) => {
          expect(await main(['verify', ref, ...identity, '--tuf-mirror', server.url, '--tuf-root', repo.initialRoot, '--tuf-cache', tempDir()], io)).toBe(1);
        }, (repo) => repo.run('timestamp', '--expires', '2026-01-01T00:00:00Z'));
        expect(io.stderr()).toContain('error [TUF_METADATA_EXPIRED]');
        expect(io.stderr()).toContain('fix: ');
        expect(io.stdout()).toBe('');
      });

      test('verify --config: policies naming no trust material of their own (here: the Rekor key of a key-based policy) are checked against the refreshed root', async () => {
        // a key signature logged in the test Rekor: the ClusterPolicy names the key, but no Rekor key
        // (`rekor.url` only), so the engine's default root (here: the refreshed one) must know the log
        const key = await newCosignKey();
        n += 1;
        const img = await pushTinyImage(reg, 'acme/web', `k${n}`, `tuf key ${n}\n`);
        const name = `${reg.host}/acme/web`;
        const payload = simpleSigningPayload(name, img.digest);
        const layer = signLayer(key, payload);
        const rekorBundle = rekorBundleAnnotation(rekor, hashedrekordBody(Buffer.from(layer.signature, 'base64'), payload, key.publicKeyPem));
        await pushLegacySignature(reg, 'acme/web', img.digest, [{ ...layer, annotations: { 'dev.sigstore.cosign/bundle': rekorBundle } }]);
        const ref = `${name}@${img.digest}`;
        const io = cli();
        fs.writeFileSync(path.join(io.cwd, 'cosign.pub'), key.publicKeyPem);
        fs.writeFileSync(path.join(io.cwd, 'blueprint.yaml'), JSON.stringify({
          name: 'acme-tuf',
          github: { owner: 'acme' },
          repositories: [{ name: 'web', images: [name] }],
          signing: { mode: 'key', cosign: { version: 'v2.6.5', signatureFormat: 'legacy' }, key: { publicKeyFile: 'cosign.pub' } },
          clusters: [{ name: 'prod', kyverno: { policy: 'ClusterPolicy', version: '1.16' } }],
        }));
        await withMirror(async (repo, server) => {
          expect(await main(['verify', '--config', 'blueprint.yaml', ref, '--tuf-mirror', server.url, '--tuf-root', repo.initialRoot, '--tuf-cache', tempDir()], io)).toBe(0);
        });
        expect(io.stdout()).toContain('admitted:');
        expect(io.stderr()).not.toContain('embedded in @sigstore/tuf');
        // without it, the same policy falls back to the embedded public root, which does not know the test Rekor
        const pub = memoryIo({ cwd: io.cwd, env: io.env });
        const prc = await main(['verify', '--config', 'blueprint.yaml', ref], pub);
        if (prc !== 1) console.log(pub.stdout(), pub.stderr());
        expect(prc).toBe(1);
        expect(pub.stdout()).toContain('[TLOG_INVALID]');
        expect(pub.stderr()).toContain('embedded in @sigstore/tuf');
      });

      test('verify --config with signing.keyless.tuf: the policy-controller TrustRoot (spec.remote) is refreshed from the mirror; a tampered target rejects that policy with TUF_TARGET_TAMPERED', async () => {
        const ref = await signedImage('acme/web');
        const blueprint = (io: ReturnType<typeof cli>, mirror: string, rootJson: string) => {
          fs.writeFileSync(path.join(io.cwd, 'trusted_root.json'), fs.readFileSync(rootFile));
          fs.writeFileSync(path.join(io.cwd, 'tuf-root.json'), rootJson);
          fs.writeFileSync(path.join(io.cwd, 'blueprint.yaml'), JSON.stringify({
            name: 'acme-tuf',
            github: { owner: 'acme' },
            repositories: [{ name: 'web', images: [`${reg.host}/acme/web`], workflow: { file: 'build.yml' } }],
            signing: {
              mode: 'keyless',
              cosign: { version: 'v2.6.5', signatureFormat: 'legacy' },
              keyless: { trustedRootFile: 'trusted_root.json', tuf: { mirror, rootFile: 'tuf-root.json' } },
            },
            clusters: [{ name: 'pc', kyverno: { enabled: false }, policyController: { enabled: true } }],
          }));
        };
        const io = cli();
        await withMirror(async (repo, server) => {
          blueprint(io, server.url, fs.readFileSync(repo.initialRoot, 'utf8'));
          expect(await main(['verify', '--config', 'blueprint.yaml', ref, '--tuf-cache', tempDir()], io)).toBe(0);
          expect(server.requests).toContain('/timestamp.json');
        });
        expect(io.stdout()).toMatch(/pc policy-controller .*: admitted/);
        expect(io.stderr()).toMatch(/WARNING: TrustRoot\/acme-tuf-sigstore \(spec\.remote\) is checked against the trusted root refreshed through TUF from http:\/\/127\.0\.0\.1:\d+ \(root v1/);

        const bad = cli();
        await withMirror(async (repo, server) => {
          blueprint(bad, server.url, fs.readFileSync(repo.initialRoot, 'utf8'));
          expect(await main(['verify', '--config', 'blueprint.yaml', ref, '--tuf-cache', tempDir()], bad)).toBe(1);
        }, (repo) => {
          const f = repo.targetFile('trusted_root.json');
          fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('"tlogs"', '"tlogs" '));
        });
        expect(bad.stdout()).toMatch(/pc policy-controller .*: REJECTED \[TUF_TARGET_TAMPERED\]/);
      });

      test.each([
        [['--trusted-root', 'x.json', '--tuf-mirror', 'https://tuf.example.com'], 'give one'],
        [['--tuf-root', 'root.json'], '--tuf-root needs --tuf-mirror URL'],
        [['--tuf-cache', 'dir'], '--tuf-cache needs --tuf-mirror URL'],
        [['--tuf-force-refresh'], '--tuf-force-refresh needs --tuf-mirror URL'],
      ])('usage: %j is exit 2', async (extra, message) => {
        const io = cli();
        expect(await main(['verify', `${reg.host}/acme/web:latest`, ...identity, ...extra], io)).toBe(2);
        expect(io.stderr()).toContain(message);
      });
    });
  });
});
