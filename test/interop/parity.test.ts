import * as fs from 'node:fs';
import * as path from 'node:path';
import { ImageVerifier, ImageVerificationResult, SignatureLookup } from '../../src/verify/image-verifier';
import {
  cosignAttest, cosignGenerateKeyPair, CosignResult, cosignSign, cosignVerify, cosignVerifyAttestation,
  COSIGN_VERSIONS, CosignFormat, CosignVersion, ok,
} from '../support/cosign';
import { tempDir } from '../support/fixtures';
import { describeWithInterop, requireInteropTool } from '../support/interop';
import { pushBlob, pushIndex, pushManifest, pushTinyImage, startGgcrRegistry, startRegistry, TestRegistry } from '../support/registry';
import { describeWithTool } from '../support/tools';

/**
 * Verdict parity: images signed by real cosign (v2 legacy .sig, v3 Sigstore bundle referrer, v3
 * --new-bundle-format=false), tlog upload off, then verified by `cosign verify` of every pinned
 * version and by our ImageVerifier. Verdict classes: `ok`; `no-signature` (cosign: "no signatures
 * found", ours: NO_SIGNATURES); `invalid` (any other failure: wrong key, digest mismatch, bad
 * signature). The whole matrix is printed; any cell that differs from cosign fails.
 */
type Verdict = 'ok' | 'no-signature' | 'wrong-type' | 'invalid';
const PASSWORD = 'parity-pw';

interface Flavour { readonly signer: CosignVersion; readonly format: CosignFormat }
const FLAVOURS: Record<string, Flavour> = {
  'v2 legacy': { signer: 'cosign-v2', format: 'legacy' },
  'v2 bundle': { signer: 'cosign-v2', format: 'bundle' },
  'v3.0 bundle': { signer: 'cosign-v3.0', format: 'bundle' },
  'v3 bundle': { signer: 'cosign-v3', format: 'bundle' },
  'v3 legacy': { signer: 'cosign-v3', format: 'legacy' },
};

function cosignClass(code: number, stderr: string): Verdict {
  if (code === 0) return 'ok';
  if (/none of the attestations matched the predicate type/i.test(stderr)) return 'wrong-type';
  // v2.6.5 reading bundles says "no valid bundles exist in registry" where v3 says "no signatures found"
  return /no signatures found|no valid bundles exist in registry/i.test(stderr) ? 'no-signature' : 'invalid';
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

async function getManifest(reg: TestRegistry, repo: string, ref: string): Promise<any> {
  const res = await fetch(`${reg.baseUrl}/v2/${repo}/manifests/${ref}`, { headers: { Accept: OCI_MANIFEST } });
  if (res.status !== 200) throw new Error(`GET ${repo}:${ref}: ${res.status}`);
  return res.json();
}
const sigTag = (digest: string) => `${digest.replace(':', '-')}.sig`;

describeWithTool('docker-registry', 'interop: verdict parity with real cosign', () => {
  describeWithInterop([...COSIGN_VERSIONS, 'registry'], 'cosign verify (v2.6.5, v3.0.6, v3.1.3) and our verify agree', () => {
    describe.each([['docker-registry'], ['ggcr registry']])('on %s', (registryKind: string) => {
      let reg: TestRegistry;
      let keyA: { key: string; pub: string };
      let keyB: { key: string; pub: string };
      const matrix: { flavour: string; kase: string; tool: string; verdict: Verdict; detail: string }[] = [];
      const verifiers: ImageVerifier[] = [];
      let n = 0;

      beforeAll(async () => {
        reg = registryKind === 'docker-registry' ? await startRegistry() : await startGgcrRegistry(requireInteropTool('registry'));
        [keyA, keyB] = await Promise.all([cosignGenerateKeyPair('cosign-v2', PASSWORD), cosignGenerateKeyPair('cosign-v3', PASSWORD)]);
      }, 60_000);
      afterAll(async () => {
        verifiers.forEach((v) => v.close());
        // eslint-disable-next-line no-console
        console.log([`verdict matrix on ${registryKind} (flavour | case | tool | verdict):`, ...matrix.map((m) => `  ${m.flavour.padEnd(10)} | ${m.kase.padEnd(26)} | ${m.tool.padEnd(12)} | ${m.verdict}${m.detail ? `  (${m.detail})` : ''}`)].join('\n'));
        await reg?.stop();
      });

      const ourClass = (r: ImageVerificationResult): { verdict: Verdict; detail: string } => {
        if (r.verified) return { verdict: 'ok', detail: '' };
        const c = r.code ?? '';
        const verdict: Verdict = c === 'NO_SIGNATURES' || c === 'NO_ATTESTATIONS' ? 'no-signature' : c === 'PREDICATE_TYPE_MISMATCH' ? 'wrong-type' : 'invalid';
        return { verdict, detail: c };
      };
      const verifier = (pubs: string[]) => {
        const v = new ImageVerifier({ publicKeyPems: pubs.map((p) => fs.readFileSync(p, 'utf8')), insecureIgnoreTlog: true, environment: { HOME: tempDir() }, retries: 0 });
        verifiers.push(v);
        return v;
      };

      /** every cosign's verdict and ours; all must equal `expected` (so cosign's own answer is asserted too) */
      async function compareWith(flavour: string, kase: string, run: (v: CosignVersion) => Promise<CosignResult>,
        our: () => Promise<ImageVerificationResult>, expected: Verdict, ourUntilVerified?: () => Promise<ImageVerificationResult>): Promise<void> {
        const got: Record<string, Verdict> = {};
        for (const v of COSIGN_VERSIONS) {
          const r = await run(v);
          got[v] = cosignClass(r.code, r.stderr);
          matrix.push({ flavour, kase, tool: v, verdict: got[v], detail: r.code === 0 ? '' : (r.stderr.trim().split('\n').pop() ?? '').replace('error during command execution: ', '').slice(0, 100) });
        }
        const o = ourClass(await our());
        got.ours = o.verdict;
        matrix.push({ flavour, kase, tool: 'ours', verdict: o.verdict, detail: o.detail });
        const tools: string[] = [...COSIGN_VERSIONS, 'ours'];
        if (ourUntilVerified) {
          // the batch's lookup (.sig first, bundles only when none verified) gives the same verdict and code
          const f = ourClass(await ourUntilVerified());
          got['ours until-verified'] = f.verdict;
          matrix.push({ flavour, kase, tool: 'ours (until-verified)', verdict: f.verdict, detail: f.detail });
          expect(f.detail).toBe(o.detail);
          tools.push('ours until-verified');
        }
        expect(got).toEqual(Object.fromEntries(tools.map((t) => [t, expected])));
      }

      function compare(flavour: string, kase: string, ref: string, cosignKey: string, ourKeys: string[], expected: Verdict): Promise<void> {
        const format = FLAVOURS[flavour].format;
        return compareWith(flavour, kase, (v) => cosignVerify(v, ref, { key: cosignKey, format }), () => verifier(ourKeys).verify(ref), expected,
          () => verifier(ourKeys).verify(ref, { lookup: SignatureLookup.UNTIL_VERIFIED }));
      }

      async function signedImage(flavour: string, key = keyA): Promise<{ repo: string; digest: string; ref: string }> {
        const repo = `parity/${flavour.replace(/[ .]/g, '-')}-${++n}`;
        const img = await pushTinyImage(reg, repo, 'v1', `image ${n}\n`);
        const ref = `${reg.host}/${repo}@${img.digest}`;
        ok(await cosignSign(FLAVOURS[flavour].signer, ref, { key: key.key, password: PASSWORD, format: FLAVOURS[flavour].format }));
        return { repo, digest: img.digest, ref };
      }

      describe.each(Object.keys(FLAVOURS).map((f) => [f]))('%s', (flavour: string) => {
        test('signed', async () => {
          const s = await signedImage(flavour);
          await compare(flavour, 'signed', s.ref, keyA.pub, [keyA.pub], 'ok');
        });
        test('signed with another key', async () => {
          const s = await signedImage(flavour);
          await compare(flavour, 'other key', s.ref, keyB.pub, [keyB.pub], 'invalid');
        });
        test('unsigned', async () => {
          const repo = `parity/unsigned-${++n}`;
          const img = await pushTinyImage(reg, repo, 'v1', `unsigned ${n}\n`);
          await compare(flavour, 'unsigned', `${reg.host}/${repo}@${img.digest}`, keyA.pub, [keyA.pub], 'no-signature');
        });
        test('tag moved after signing', async () => {
          const s = await signedImage(flavour);
          await pushTinyImage(reg, s.repo, 'v1', `moved ${n}\n`);
          await compare(flavour, 'tag moved', `${reg.host}/${s.repo}:v1`, keyA.pub, [keyA.pub], 'no-signature');
        });
        test('signature by one key of a rotation set', async () => {
          const s = await signedImage(flavour, keyB);
          // cosign takes one key: the one that signed; ours the whole set (old key first)
          await compare(flavour, 'rotation set (new key)', s.ref, keyB.pub, [keyA.pub, keyB.pub], 'ok');
        });


        test('multi-arch index: signed at the index; signed at one platform only', async () => {
          const repo = `parity/multi-${flavour.replace(/[ .]/g, '-')}-${++n}`;
          const amd = await pushTinyImage(reg, repo, 'amd64', `amd64 ${n}\n`, 'amd64');
          const arm = await pushTinyImage(reg, repo, 'arm64', `arm64 ${n}\n`, 'arm64');
          const index = await pushIndex(reg, repo, 'v1', [{ image: amd, arch: 'amd64' }, { image: arm, arch: 'arm64' }]);
          const indexRef = `${reg.host}/${repo}@${index}`;
          ok(await cosignSign(FLAVOURS[flavour].signer, indexRef, { key: keyA.key, password: PASSWORD, format: FLAVOURS[flavour].format }));
          await compare(flavour, 'index signed (index)', indexRef, keyA.pub, [keyA.pub], 'ok');
          await compare(flavour, 'index signed (platform)', `${reg.host}/${repo}@${amd.digest}`, keyA.pub, [keyA.pub], 'no-signature');

          const repo2 = `parity/multi1-${flavour.replace(/[ .]/g, '-')}-${++n}`;
          const amd2 = await pushTinyImage(reg, repo2, 'amd64', `amd64 ${n}\n`, 'amd64');
          const arm2 = await pushTinyImage(reg, repo2, 'arm64', `arm64 ${n}\n`, 'arm64');
          const index2 = await pushIndex(reg, repo2, 'v1', [{ image: amd2, arch: 'amd64' }, { image: arm2, arch: 'arm64' }]);
          ok(await cosignSign(FLAVOURS[flavour].signer, `${reg.host}/${repo2}@${amd2.digest}`, { key: keyA.key, password: PASSWORD, format: FLAVOURS[flavour].format }));
          await compare(flavour, 'one platform signed (index)', `${reg.host}/${repo2}@${index2}`, keyA.pub, [keyA.pub], 'no-signature');
          await compare(flavour, 'one platform signed (it)', `${reg.host}/${repo2}@${amd2.digest}`, keyA.pub, [keyA.pub], 'ok');
        });

        test('cosign attest (SLSA provenance, SPDX) checked by --type', async () => {
          const repo = `parity/attest-${flavour.replace(/[ .]/g, '-')}-${++n}`;
          const img = await pushTinyImage(reg, repo, 'v1', `attested ${n}\n`);
          const ref = `${reg.host}/${repo}@${img.digest}`;
          const dir = tempDir('isb-predicates-');
          fs.writeFileSync(path.join(dir, 'slsa.json'), JSON.stringify({
            builder: { id: 'https://github.com/acme/web/.github/workflows/sign.yml@refs/heads/main' },
            buildType: 'https://github.com/Attestations/GitHubActionsWorkflow@v1',
            invocation: {},
            materials: [],
          }));
          fs.writeFileSync(path.join(dir, 'spdx.json'), JSON.stringify({
            spdxVersion: 'SPDX-2.3',
            dataLicense: 'CC0-1.0',
            SPDXID: 'SPDXRef-DOCUMENT',
            name: 'web',
            documentNamespace: 'https://acme.example/spdx/web',
            creationInfo: { created: '2026-12-06T00:00:00Z', creators: ['Tool: isb-test'] },
            packages: [],
          }));
          const { signer, format } = FLAVOURS[flavour];
          ok(await cosignAttest(signer, ref, { key: keyA.key, password: PASSWORD, format, type: 'slsaprovenance', predicate: path.join(dir, 'slsa.json') }));
          ok(await cosignAttest(signer, ref, { key: keyA.key, password: PASSWORD, format, type: 'spdxjson', predicate: path.join(dir, 'spdx.json') }));
          for (const [type, expected] of [['slsaprovenance', 'ok'], ['spdxjson', 'ok'], ['cyclonedx', 'wrong-type']] as const) {
            await compareWith(flavour, `attest --type ${type}`, (v) => cosignVerifyAttestation(v, ref, { key: keyA.pub, format, type }),
              () => verifier([keyA.pub]).verifyAttestation(ref, type), expected);
          }
          await compareWith(flavour, 'attest, other key', (v) => cosignVerifyAttestation(v, ref, { key: keyB.pub, format, type: 'slsaprovenance' }),
            () => verifier([keyB.pub]).verifyAttestation(ref, 'slsaprovenance'), 'invalid');
        });

        if (FLAVOURS[flavour].format === 'legacy') {
          test('a valid signature copied onto another image\'s .sig tag (misdirected payload)', async () => {
            const s = await signedImage(flavour);
            const other = await pushTinyImage(reg, s.repo, 'other', `other ${n}\n`);
            const sig = await getManifest(reg, s.repo, sigTag(s.digest));
            await pushManifest(reg, s.repo, sigTag(other.digest), sig, OCI_MANIFEST);
            await compare(flavour, 'misdirected payload', `${reg.host}/${s.repo}@${other.digest}`, keyA.pub, [keyA.pub], 'invalid');
          });
          test('corrupted signature layer (payload blob replaced, annotations kept)', async () => {
            const s = await signedImage(flavour);
            const sig = await getManifest(reg, s.repo, sigTag(s.digest));
            const payload = Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': `${reg.host}/${s.repo}` }, image: { 'docker-manifest-digest': s.digest }, type: 'cosign container image signature' }, optional: { evil: true } }));
            const b = await pushBlob(reg, s.repo, payload);
            sig.layers[0] = { ...sig.layers[0], digest: b.digest, size: b.size };
            await pushManifest(reg, s.repo, sigTag(s.digest), sig, OCI_MANIFEST);
            await compare(flavour, 'corrupted layer', s.ref, keyA.pub, [keyA.pub], 'invalid');
          });
          test('signature annotation tampered', async () => {
            const s = await signedImage(flavour);
            const sig = await getManifest(reg, s.repo, sigTag(s.digest));
            const ann = sig.layers[0].annotations;
            const bytes = Buffer.from(ann['dev.cosignproject.cosign/signature'], 'base64');
            bytes[bytes.length - 1] = (bytes[bytes.length - 1] + 1) % 256; // one byte off
            ann['dev.cosignproject.cosign/signature'] = bytes.toString('base64');
            await pushManifest(reg, s.repo, sigTag(s.digest), sig, OCI_MANIFEST);
            await compare(flavour, 'annotation tampered', s.ref, keyA.pub, [keyA.pub], 'invalid');
          });
        }
      });

      test('the matrix was filled', () => {
        expect(matrix.length).toBeGreaterThanOrEqual(5 * 5 * 4);
        expect(path.isAbsolute(keyA.pub)).toBe(true);
      });
    });
  });
});
