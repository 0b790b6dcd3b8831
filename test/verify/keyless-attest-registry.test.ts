import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  bundleTlogEntry, dsseBody, dsseEnvelope, GITHUB_ISSUER, hashedrekordBody, intotoBody, issueLeaf, Leaf, newCA, newRekor, opensslSign,
  newTSA, rekorBundleAnnotation, statement, TestCA, TestRekor, trustedRootJson, tsaTimestamp, WEB_SAN,
} from './keyless';
import { keyBundle, newCosignKey, pushBundleReferrer, pushLegacyAttestation, pushLegacySignature, simpleSigningPayload, TestKey } from './signing';
import { memoryIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { ImageVerifier, ImageVerifierProps } from '../../src/verify/image-verifier';
import { tempDir } from '../support/fixtures';
import { pushTinyImage, startRegistry, TestRegistry } from '../support/registry';
import { describeWithTool } from '../support/tools';

const WEB_RE = '^https://github\\.com/acme/web/\\.github/workflows/build\\.yml@refs/heads/main$';
const CYCLONEDX = 'https://cyclonedx.org/bom';
const SLSA1 = 'https://slsa.dev/provenance/v1';

describeWithTool('openssl', 'keyless and attestations (openssl private CA and DSSE)', () => {
  describeWithTool('docker-registry', 'against a real docker-registry on 127.0.0.1', () => {
    let reg: TestRegistry;
    let ca: TestCA;
    let evilCA: TestCA;
    let rekor: TestRekor;
    let rootJson: string;
    let key: TestKey;
    let otherKey: TestKey;
    let keyFile: string;
    let otherKeyFile: string;
    let n = 0;
    const verifiers: ImageVerifier[] = [];
    const verifier = (props: ImageVerifierProps) => {
      const v = new ImageVerifier({ environment: { HOME: tempDir() }, retries: 0, ...props });
      verifiers.push(v);
      return v;
    };
    const keyless = (extra: Partial<ImageVerifierProps> = {}): ImageVerifierProps => ({
      certificateIdentityRegexp: WEB_RE, certificateOidcIssuer: GITHUB_ISSUER, trustedRootJson: rootJson, ...extra,
    });
    const image = async (repo = 'acme/web') => {
      n += 1;
      const img = await pushTinyImage(reg, repo, `t${n}`, `content ${n}\n`);
      return { ...img, ref: `${reg.host}/${repo}@${img.digest}`, name: `${reg.host}/${repo}` };
    };

    /** a keyless legacy .sig layer: payload signed with the leaf key by openssl, cert + chain, Rekor bundle */
    type Img = { repo: string; digest: string; name: string; manifest: any };
    interface SignOptions {
      readonly tlog?: boolean;
      readonly chain?: string;
      readonly rekorSigner?: any;
      readonly timestamp?: (sig: Buffer) => Buffer;
    }
    const signKeyless = async (img: Img, leaf: Leaf, opts: SignOptions = {}) => {
      const payload = simpleSigningPayload(img.name, img.digest);
      const sig = opensslSign(leaf.keyFile, payload);
      const annotations: Record<string, string> = { 'dev.sigstore.cosign/certificate': leaf.certPem, 'dev.sigstore.cosign/chain': opts.chain ?? ca.chainPem };
      if (opts.timestamp) annotations['dev.sigstore.cosign/rfc3161timestamp'] = JSON.stringify({ SignedRFC3161Timestamp: opts.timestamp(sig).toString('base64') });
      if (opts.tlog !== false) {
        annotations['dev.sigstore.cosign/bundle'] = rekorBundleAnnotation(rekor, hashedrekordBody(sig, payload, leaf.certPem), undefined, opts.rekorSigner);
      }
      await pushLegacySignature(reg, img.repo, img.digest, [{ payload, signature: sig.toString('base64'), annotations }]);
    };

    beforeAll(async () => {
      [reg, key, otherKey] = await Promise.all([startRegistry(), newCosignKey(), newCosignKey()]);
      ca = newCA('isb-test');
      evilCA = newCA('evil');
      rekor = newRekor();
      rootJson = trustedRootJson(ca, rekor);
      const dir = tempDir();
      keyFile = path.join(dir, 'cosign.pem');
      otherKeyFile = path.join(dir, 'other.pem');
      fs.writeFileSync(keyFile, key.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
      fs.writeFileSync(otherKeyFile, otherKey.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    });
    afterAll(async () => {
      verifiers.forEach((v) => v.close());
      await reg?.stop();
      // the test CAs' and signers' private keys
      for (const d of [ca?.dir, evilCA?.dir, keyFile && path.dirname(keyFile)]) if (d) fs.rmSync(d, { recursive: true, force: true });
    });

    describe('keyless legacy .sig (certificate + chain annotations)', () => {
      test('a certificate from the trusted CA with the workflow SAN and issuer verifies; SAN, issuer and tlog are reported', async () => {
        const img = await image();
        await signKeyless(img, issueLeaf(ca));
        const r = await verifier(keyless()).verify(img.ref);
        expect([r.verified, r.code]).toEqual([true, undefined]);
        expect(r.signatures[0]).toMatchObject({ format: 'legacy', signer: WEB_SAN, issuer: GITHUB_ISSUER, tlog: 'verified' });
        expect(r.signatures[0].reason).toMatch(/chains to the trusted root/);

        // the exact identity works too
        const exact = await verifier(keyless({ certificateIdentityRegexp: undefined, certificateIdentity: WEB_SAN })).verify(img.ref);
        expect(exact.verified).toBe(true);
        // an issuer regexp (Go syntax, unanchored like cosign)
        const issuerRe = (re: string) => verifier(keyless({ certificateOidcIssuer: undefined, certificateOidcIssuerRegexp: re })).verify(img.ref);
        expect((await issuerRe('^https://token\\.actions\\.githubusercontent\\.com$')).verified).toBe(true);
        expect((await issuerRe('^https://gitlab\\.com$')).code).toBe('IDENTITY_MISMATCH');
        const cli = memoryIo({ cwd: tempDir(), env: { HOME: tempDir() } });
        fs.writeFileSync(path.join(cli.cwd, 'root.json'), rootJson);
        expect(await main(['verify', img.ref, '--trusted-root', 'root.json', '--certificate-identity', WEB_SAN,
          '--certificate-oidc-issuer-regexp', '^https://token\\.actions\\.githubusercontent\\.com$'], cli)).toBe(0);
        expect(cli.stdout()).toContain(`legacy signature by ${WEB_SAN}`);
      });

      test('the deprecated issuer extension 1.3.6.1.4.1.57264.1.1 alone is read as the issuer', async () => {
        const img = await image();
        await signKeyless(img, issueLeaf(ca, { legacyIssuerOnly: true }));
        const r = await verifier(keyless()).verify(img.ref);
        expect(r.verified).toBe(true);
        expect(r.signatures[0].issuer).toBe(GITHUB_ISSUER);
      });

      test.each([
        ['another repository (acme/web-evil)', { san: 'https://github.com/acme/web-evil/.github/workflows/build.yml@refs/heads/main' }],
        ['another workflow file', { san: 'https://github.com/acme/web/.github/workflows/release.yml@refs/heads/main' }],
        ['branch main-x', { san: 'https://github.com/acme/web/.github/workflows/build.yml@refs/heads/main-x' }],
        ['another issuer', { issuer: 'https://gitlab.com' }],
        ['no issuer extension', { issuer: null }],
      ])('tampered identity: %s is IDENTITY_MISMATCH', async (_what, opts) => {
        const img = await image();
        await signKeyless(img, issueLeaf(ca, opts));
        const r = await verifier(keyless()).verify(img.ref);
        expect([r.verified, r.code]).toEqual([false, 'IDENTITY_MISMATCH']);
        expect(r.message).toMatch(/certificate (SAN|issuer)|no OIDC issuer/);
      });

      test('Go regexp semantics: an unanchored regexp also matches acme/web-evil (cosign matches substrings)', async () => {
        const img = await image();
        await signKeyless(img, issueLeaf(ca, { san: 'https://github.com/acme/web-evil/.github/workflows/build.yml@refs/heads/main' }));
        const r = await verifier(keyless({ certificateIdentityRegexp: 'https://github\\.com/acme/web' })).verify(img.ref);
        expect(r.verified).toBe(true);
      });

      test('a certificate from an untrusted CA is UNTRUSTED_CERT, even with its own chain in the annotation', async () => {
        const img = await image();
        await signKeyless(img, issueLeaf(evilCA), { chain: evilCA.chainPem });
        const r = await verifier(keyless()).verify(img.ref);
        expect([r.verified, r.code]).toEqual([false, 'UNTRUSTED_CERT']);
      });

      test('no Rekor bundle while the tlog is required: TLOG_MISSING; a SET by another key: TLOG_INVALID; no trusted root: TRUSTED_ROOT_REQUIRED', async () => {
        const img = await image();
        await signKeyless(img, issueLeaf(ca), { tlog: false });
        const r = await verifier(keyless()).verify(img.ref);
        expect([r.verified, r.code]).toEqual([false, 'TLOG_MISSING']);
        expect(r.message).toMatch(/tlog is required/);

        const forged = newRekor();
        await signKeyless(img, issueLeaf(ca), { rekorSigner: forged.privateKey });
        const f = await verifier(keyless()).verify(img.ref);
        expect([f.verified, f.code]).toEqual([false, 'TLOG_INVALID']);

        const nr = await verifier(keyless({ trustedRootJson: undefined })).verify(img.ref);
        expect([nr.verified, nr.code]).toEqual([false, 'TRUSTED_ROOT_REQUIRED']);
      });

      test('--public-good-root: the embedded public Sigstore root does not trust the test CA (and is not TRUSTED_ROOT_REQUIRED)', async () => {
        const img = await image();
        await signKeyless(img, issueLeaf(ca), { tlog: false });
        const r = await verifier(keyless({ trustedRootJson: undefined, publicGoodTrustedRoot: true, insecureIgnoreTlog: true })).verify(img.ref);
        expect([r.verified, r.code]).toEqual([false, 'UNTRUSTED_CERT']);
        const cli = memoryIo({ cwd: tempDir(), env: { HOME: tempDir() } });
        expect(await main(['verify', img.ref, '--certificate-identity-regexp', WEB_RE, '--public-good-root', '--insecure-ignore-tlog'], cli)).toBe(1);
        expect(cli.stderr()).toContain('[UNTRUSTED_CERT]');
      });

      test('an RFC 3161 timestamp (openssl ts) over the signature gives the signing time without a tlog entry, with --insecure-ignore-tlog', async () => {
        const tsa = newTSA();
        const withTsa = trustedRootJson(ca, rekor, tsa);
        const img = await image();
        await signKeyless(img, issueLeaf(ca), { tlog: false, timestamp: (sig) => tsaTimestamp(tsa, sig) });
        const r = await verifier(keyless({ trustedRootJson: withTsa, insecureIgnoreTlog: true })).verify(img.ref);
        expect([r.verified, r.code]).toEqual([true, undefined]);
        expect(r.signatures[0].reason).toContain('RFC 3161 timestamp verified');
        // the tlog is still required unless ignored
        expect((await verifier(keyless({ trustedRootJson: withTsa })).verify(img.ref)).code).toBe('TLOG_MISSING');
        // a TSA the trusted root does not name
        expect((await verifier(keyless({ insecureIgnoreTlog: true })).verify(img.ref)).code).toBe('UNTRUSTED_CERT');
        // a timestamp over other bytes
        const other = await image();
        await signKeyless(other, issueLeaf(ca), { tlog: false, timestamp: () => tsaTimestamp(tsa, Buffer.from('something else')) });
        const o = await verifier(keyless({ trustedRootJson: withTsa, insecureIgnoreTlog: true })).verify(other.ref);
        expect([o.verified, o.code]).toEqual([false, 'UNTRUSTED_CERT']);
        expect(o.message).toMatch(/TIMESTAMP_ERROR/);
        fs.rmSync(tsa.dir, { recursive: true, force: true });
      });

      test('a key does not verify a keyless signature, and an identity does not verify a key signature', async () => {
        const img = await image();
        await signKeyless(img, issueLeaf(ca));
        const k = await verifier({ publicKeyPems: [key.publicKeyPem], insecureIgnoreTlog: true }).verify(img.ref);
        expect([k.verified, k.code]).toEqual([false, 'BAD_SIGNATURE']);

        const img2 = await image();
        const payload = simpleSigningPayload(img2.name, img2.digest);
        await pushLegacySignature(reg, img2.repo, img2.digest, [{ payload, signature: opensslSign(keyFile, payload).toString('base64') }]);
        const i = await verifier(keyless()).verify(img2.ref);
        expect([i.verified, i.code]).toEqual([false, 'UNTRUSTED_CERT']);
        expect(i.message).toMatch(/has none/);
      });
    });

    describe('keyless v0.3 bundles (referrers), @sigstore/verify with the test trusted root', () => {
      const pushKeylessBundle = async (img: Img, leaf: Leaf, opts: { tlog?: boolean; predicateType?: string; badCheckpoint?: boolean } = {}) => {
        const predicateType = opts.predicateType ?? 'https://sigstore.dev/cosign/sign/v1';
        const body = statement(img.name, img.digest, predicateType, {}, 'https://in-toto.io/Statement/v1');
        const env = dsseEnvelope(leaf.keyFile, body);
        const entry: any = bundleTlogEntry(rekor, dsseBody(env.sig, env.json, body, leaf.certPem), 'dsse', '0.0.1');
        if (opts.badCheckpoint) entry.inclusionProof.checkpoint.envelope = entry.inclusionProof.checkpoint.envelope.replace('\n1\n', '\n2\n');
        const bundle = {
          mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
          verificationMaterial: {
            certificate: { rawBytes: leaf.certDer.toString('base64') },
            tlogEntries: opts.tlog === false ? [] : [entry],
            timestampVerificationData: {},
          },
          dsseEnvelope: JSON.parse(env.json.toString()),
        };
        const subject = { digest: img.digest, size: Buffer.byteLength(JSON.stringify(img.manifest)), mediaType: 'application/vnd.oci.image.manifest.v1+json' };
        await pushBundleReferrer(reg, img.repo, subject, bundle, predicateType);
      };

      test('a bundle with a trusted certificate and a tlog entry (SET + inclusion proof) verifies', async () => {
        const img = await image();
        await pushKeylessBundle(img, issueLeaf(ca));
        const r = await verifier(keyless()).verify(img.ref);
        expect([r.verified, r.code]).toEqual([true, undefined]);
        expect(r.signatures[0]).toMatchObject({ format: 'bundle', signer: WEB_SAN, issuer: GITHUB_ISSUER, tlog: 'verified' });
        expect(r.signatures[0].reason).toMatch(/SCT not checked/);
      });

      test.each([
        ['branch main-x', { san: 'https://github.com/acme/web/.github/workflows/build.yml@refs/heads/main-x' }],
        ['another repository (acme/web-evil)', { san: 'https://github.com/acme/web-evil/.github/workflows/build.yml@refs/heads/main' }],
        ['another issuer', { issuer: 'https://accounts.google.com' }],
      ])('%s is IDENTITY_MISMATCH', async (_w, opts) => {
        const img = await image();
        await pushKeylessBundle(img, issueLeaf(ca, opts));
        const r = await verifier(keyless()).verify(img.ref);
        expect([r.verified, r.code]).toEqual([false, 'IDENTITY_MISMATCH']);
      });

      test('verify --config, keyless blueprint signing v0.3 bundles (cosign v3): policy-controller and ImageValidatingPolicy admit; a ClusterPolicy (SigstoreBundle) ignores its roots (TUF only)', async () => {
        const SAN = 'https://github.com/acme/web/.github/workflows/build-sign.yml@refs/heads/main';
        const dir = tempDir();
        fs.writeFileSync(path.join(dir, 'trusted_root.json'), rootJson);
        fs.writeFileSync(path.join(dir, 'blueprint.yaml'), JSON.stringify({
          name: 'acme-bundles',
          github: { owner: 'acme' },
          repositories: [{ name: 'web', images: [`${reg.host}/acme/bun`] }],
          signing: {
            mode: 'keyless',
            cosign: { version: 'v3.0.2', signatureFormat: 'bundle' },
            keyless: { trustedRootFile: 'trusted_root.json', fulcioUrl: 'https://fulcio.isb-test.invalid', rekorUrl: rekor.baseUrl },
          },
          clusters: [
            { name: 'prod', kyverno: { policy: 'ClusterPolicy', version: '1.16' }, policyController: { enabled: true } },
            { name: 'edge', kyverno: { policy: 'ImageValidatingPolicy', version: '1.19' } },
          ],
        }));
        const img = await image('acme/bun');
        await pushKeylessBundle(img, issueLeaf(ca, { san: SAN }));
        const r = await verifier({}).evaluateBlueprint(img.ref, path.join(dir, 'blueprint.yaml'));
        const matched = r.verdicts.filter((v) => v.matched);
        // ClusterPolicy type SigstoreBundle takes the trusted root only from Kyverno's TUF repository
        // (kyverno pkg/image/verifiers/cpol/cosign/sigstore.go getTrustedMaterial): the entry's roots
        // are ignored, so the private CA is not trusted there (the public root is the default here)
        expect(matched.map((v) => [v.cluster, v.engine, v.admitted, v.code ?? null])).toEqual([
          ['prod', 'kyverno', false, 'UNTRUSTED_CERT'],
          ['prod', 'policy-controller', true, null],
          ['edge', 'kyverno-ivpol', true, null],
        ]);
        expect(matched[0].reasons.join('\n')).toMatch(/type SigstoreBundle reads Sigstore bundle referrers/);
        expect(matched[0].reasons.join('\n')).toMatch(/roots\/rekor ignored: type SigstoreBundle reads the trusted root from TUF/);

        // the same certificate as a legacy .sig only: the bundle-reading policies find nothing
        const legacy = await image('acme/bun');
        await signKeyless(legacy, issueLeaf(ca, { san: SAN }));
        const l = await verifier({}).evaluateBlueprint(legacy.ref, path.join(dir, 'blueprint.yaml'));
        expect(l.verdicts.filter((v) => v.matched).map((v) => [v.engine, v.code ?? null])).toEqual([
          ['kyverno', 'NO_SIGNATURES'],
          ['policy-controller', 'NO_SIGNATURES'],
          ['kyverno-ivpol', null],
        ]);
      });

      test('a checkpoint that does not match the signed note is TLOG_INVALID', async () => {
        const img = await image();
        await pushKeylessBundle(img, issueLeaf(ca), { badCheckpoint: true });
        const r = await verifier(keyless()).verify(img.ref);
        expect([r.verified, r.code]).toEqual([false, 'TLOG_INVALID']);
        expect(r.message).toMatch(/TLOG_INCLUSION_PROOF_ERROR/);
      });

      test('a keyless SLSA provenance bundle verifies with --type slsaprovenance1, and is not an image signature', async () => {
        const img = await image();
        await pushKeylessBundle(img, issueLeaf(ca), { predicateType: SLSA1 });
        const a = await verifier(keyless()).verifyAttestation(img.ref, 'slsaprovenance1');
        expect([a.verified, a.code, a.signatures[0]?.format]).toEqual([true, undefined, 'bundle']);
        const s = await verifier(keyless()).verify(img.ref);
        expect([s.verified, s.code]).toEqual([false, 'PREDICATE_TYPE_MISMATCH']);
        const c = await verifier(keyless()).verifyAttestation(img.ref, 'cyclonedx');
        expect([c.verified, c.code]).toEqual([false, 'PREDICATE_TYPE_MISMATCH']);
      });

      test('an untrusted CA is UNTRUSTED_CERT; no tlog entry while required is TLOG_MISSING', async () => {
        const img = await image();
        await pushKeylessBundle(img, issueLeaf(evilCA));
        const r = await verifier(keyless()).verify(img.ref);
        expect([r.verified, r.code]).toEqual([false, 'UNTRUSTED_CERT']);

        const img2 = await image();
        await pushKeylessBundle(img2, issueLeaf(ca), { tlog: false });
        const t = await verifier(keyless()).verify(img2.ref);
        expect([t.verified, t.code]).toEqual([false, 'TLOG_MISSING']);
      });
    });

    describe('verify --config with a keyless blueprint and a private trusted root', () => {
      const SAN = 'https://github.com/acme/web/.github/workflows/build-sign.yml@refs/heads/main';
      let dir: string;
      beforeAll(() => {
        dir = tempDir();
        fs.writeFileSync(path.join(dir, 'trusted_root.json'), rootJson);
        fs.writeFileSync(path.join(dir, 'blueprint.yaml'), JSON.stringify({
          name: 'acme-keyless',
          github: { owner: 'acme' },
          repositories: [{ name: 'web', images: [`${reg.host}/acme/kl`] }],
          // these tests sign legacy .sig signatures (signKeyless); the keyless default on these clusters would be bundle
          signing: { mode: 'keyless', cosign: { signatureFormat: 'legacy' }, keyless: { trustedRootFile: 'trusted_root.json', fulcioUrl: 'https://fulcio.isb-test.invalid', rekorUrl: rekor.baseUrl } },
          clusters: [
            { name: 'prod', kyverno: { policy: 'ClusterPolicy', version: '1.16' }, policyController: { enabled: true } },
            { name: 'edge', kyverno: { policy: 'ImageValidatingPolicy', version: '1.19' } },
          ],
        }));
      });
      const evaluate = async (ref: string) => {
        const v = verifier({});
        return v.evaluateBlueprint(ref, path.join(dir, 'blueprint.yaml'));
      };

      test('signed by the workflow the blueprint names: admitted by every engine; another branch: IDENTITY_MISMATCH everywhere', async () => {
        const img = await image('acme/kl');
        await signKeyless(img, issueLeaf(ca, { san: SAN }));
        const r = await evaluate(img.ref);
        expect(r.verdicts.filter((v) => v.matched).map((v) => [v.cluster, v.engine, v.admitted, v.code ?? null])).toEqual([
          ['prod', 'kyverno', true, null],
          ['prod', 'policy-controller', true, null],
          ['edge', 'kyverno-ivpol', true, null],
        ]);
        expect(r.verdicts[0].reasons.join('\n')).toContain(`SAN ${SAN}`);

        const bad = await image('acme/kl');
        await signKeyless(bad, issueLeaf(ca, { san: `${SAN}-x` }));
        const b = await evaluate(bad.ref);
        expect(b.verdicts.filter((v) => v.matched).map((v) => v.code)).toEqual(['IDENTITY_MISMATCH', 'IDENTITY_MISMATCH', 'IDENTITY_MISMATCH']);

        const evil = await image('acme/kl');
        await signKeyless(evil, issueLeaf(evilCA, { san: SAN }), { chain: evilCA.chainPem });
        const e = await evaluate(evil.ref);
        expect(e.verdicts.filter((v) => v.matched).map((v) => v.code)).toEqual(['UNTRUSTED_CERT', 'UNTRUSTED_CERT', 'UNTRUSTED_CERT']);
      });

      test('a private trusted root with a CT log: the policies require an SCT (no ignore flag), so a certificate without one is refused by every engine', async () => {
        // the same instance, its trusted root naming a CT log: its Fulcio would embed SCTs, these test certificates have none
        const ct = newRekor();
        const withCt = JSON.parse(rootJson);
        withCt.ctlogs = JSON.parse(trustedRootJson(ca, ct)).tlogs;
        const d = tempDir();
        fs.writeFileSync(path.join(d, 'trusted_root.json'), JSON.stringify(withCt));
        fs.writeFileSync(path.join(d, 'blueprint.yaml'), fs.readFileSync(path.join(dir, 'blueprint.yaml')));
        const img = await image('acme/kl');
        await signKeyless(img, issueLeaf(ca, { san: SAN }));
        const r = await verifier({}).evaluateBlueprint(img.ref, path.join(d, 'blueprint.yaml'));
        const matched = r.verdicts.filter((v) => v.matched);
        expect(matched.map((v) => [v.engine, v.code ?? null])).toEqual([['kyverno', 'UNTRUSTED_CERT'], ['policy-controller', 'UNTRUSTED_CERT'], ['kyverno-ivpol', 'UNTRUSTED_CERT']]);
        for (const v of matched) expect(v.reasons.join('\n')).toMatch(/SCT/);
        // and without the CT log (the blueprint above): the policies ignore SCTs and admit
        expect((await evaluate(img.ref)).verdicts.filter((v) => v.matched).map((v) => v.admitted)).toEqual([true, true, true]);
      });
    });

    test('verify --config, keyless blueprint on the public Sigstore instance: policies use the public root, which does not trust the test CA', async () => {
      const dir = tempDir();
      fs.writeFileSync(path.join(dir, 'blueprint.yaml'), JSON.stringify({
        name: 'acme-public',
        github: { owner: 'acme' },
        repositories: [{ name: 'web', images: [`${reg.host}/acme/pub`] }],
        signing: { mode: 'keyless', cosign: { signatureFormat: 'legacy' } }, // signKeyless signs legacy .sig
        clusters: [
          { name: 'prod', kyverno: { policy: 'ClusterPolicy', version: '1.16' }, policyController: { enabled: true } },
          { name: 'edge', kyverno: { policy: 'ImageValidatingPolicy', version: '1.19' } },
        ],
      }));
      const img = await image('acme/pub');
      await signKeyless(img, issueLeaf(ca, { san: 'https://github.com/acme/web/.github/workflows/build-sign.yml@refs/heads/main' }));
      const r = await verifier({}).evaluateBlueprint(img.ref, path.join(dir, 'blueprint.yaml'));
      const matched = r.verdicts.filter((v) => v.matched);
      expect(matched.map((v) => v.engine)).toEqual(['kyverno', 'policy-controller', 'kyverno-ivpol']);
      // the test Rekor is not a public log, and the test CA not a public Fulcio: never admitted
      expect(matched.every((v) => !v.admitted && (v.code === 'UNTRUSTED_CERT' || v.code === 'TLOG_INVALID'))).toBe(true);
      expect(r.warnings.join('\n')).toMatch(/public Sigstore trusted root embedded in @sigstore\/tuf/);
    });

    describe('legacy .att attestations (DSSE, signed with openssl over the PAE)', () => {
      const sbom = { bomFormat: 'CycloneDX', specVersion: '1.5', components: [] };
      interface AttestOptions {
        readonly subjectDigest?: string;
        readonly predicate?: unknown;
        readonly tamper?: boolean;
        readonly rekorBody?: (sig: Buffer, env: Buffer, body: Buffer) => Buffer;
        readonly extra?: Record<string, string>;
      }
      const attest = async (img: Img, file: string, predicateType = CYCLONEDX,
        opts: AttestOptions = {}) => {
        const body = statement(img.name, opts.subjectDigest ?? img.digest, predicateType, opts.predicate ?? sbom);
        const env = dsseEnvelope(file, body);
        let json = env.json;
        if (opts.tamper) {
          const e = JSON.parse(json.toString());
          e.payload = statement(img.name, img.digest, predicateType, { ...sbom, components: [{ name: 'backdoor' }] }).toString('base64');
          json = Buffer.from(JSON.stringify(e));
        }
        const annotations: Record<string, string> = { ...(opts.extra ?? {}) };
        if (opts.rekorBody) annotations['dev.sigstore.cosign/bundle'] = rekorBundleAnnotation(rekor, opts.rekorBody(env.sig, env.json, body));
        return { envelope: json, predicateType, annotations };
      };

      test('a key-signed CycloneDX attestation verifies with --type cyclonedx; the statement is returned', async () => {
        const img = await image();
        await pushLegacyAttestation(reg, img.repo, img.digest, [await attest(img, keyFile)]);
        const r = await verifier({ publicKeyPems: [key.publicKeyPem], insecureIgnoreTlog: true }).verifyAttestation(img.ref, 'cyclonedx');
        expect([r.verified, r.code]).toEqual([true, undefined]);
        expect(r.signatures[0].source).toBe(`${img.name}:${img.digest.replace(':', '-')}.att layer 0`);
        const st = JSON.parse(r.signatures[0].payloadJson);
        expect([st.predicateType, st.predicate.bomFormat, st.subject[0].digest.sha256]).toEqual([CYCLONEDX, 'CycloneDX', img.digest.slice(7)]);
        // the URI works as well as the shorthand
        const byUri = await verifier({ publicKeyPems: [key.publicKeyPem], insecureIgnoreTlog: true }).verifyAttestation(img.ref, CYCLONEDX);
        expect(byUri.verified).toBe(true);
        // the image signature is not an attestation, and vice versa
        const s = await verifier({ publicKeyPems: [key.publicKeyPem], insecureIgnoreTlog: true }).verify(img.ref);
        expect(s.code).toBe('NO_SIGNATURES');
      });

      test('tamper matrix: other type, other key, other subject, altered payload, no attestation, tlog missing', async () => {
        const v = () => verifier({ publicKeyPems: [key.publicKeyPem], insecureIgnoreTlog: true });
        const img = await image();
        await pushLegacyAttestation(reg, img.repo, img.digest, [await attest(img, keyFile)]);
        const spdx = await v().verifyAttestation(img.ref, 'spdxjson');
        expect([spdx.verified, spdx.code]).toEqual([false, 'PREDICATE_TYPE_MISMATCH']);
        expect(spdx.message).toContain('https://spdx.dev/Document');

        const other = await image();
        await pushLegacyAttestation(reg, other.repo, other.digest, [await attest(other, otherKeyFile)]);
        expect((await v().verifyAttestation(other.ref, 'cyclonedx')).code).toBe('BAD_SIGNATURE');

        const subj = await image();
        await pushLegacyAttestation(reg, subj.repo, subj.digest, [await attest(subj, keyFile, CYCLONEDX, { subjectDigest: img.digest })]);
        expect((await v().verifyAttestation(subj.ref, 'cyclonedx')).code).toBe('DIGEST_MISMATCH');

        const alt = await image();
        await pushLegacyAttestation(reg, alt.repo, alt.digest, [await attest(alt, keyFile, CYCLONEDX, { tamper: true })]);
        const a = await v().verifyAttestation(alt.ref, 'cyclonedx');
        expect([a.verified, a.code]).toEqual([false, 'BAD_SIGNATURE']);
        expect(a.message).toMatch(/PAE/);

        const none = await image();
        expect((await v().verifyAttestation(none.ref, 'cyclonedx')).code).toBe('NO_ATTESTATIONS');

        const tl = await verifier({ publicKeyPems: [key.publicKeyPem] }).verifyAttestation(img.ref, 'cyclonedx');
        expect([tl.verified, tl.code]).toEqual([false, 'TLOG_MISSING']);
        await expect(v().verifyAttestation(img.ref, 'sbom-ish')).rejects.toMatchObject({ code: 'VERIFY_OPTIONS_INVALID' });
      });

      test('with an intoto Rekor entry: the SET verifies with the Rekor key; an entry for another signature is TLOG_INVALID', async () => {
        const img = await image();
        const layer = await attest(img, keyFile, CYCLONEDX, { rekorBody: (sig, env, body) => intotoBody(sig, env, body, key.publicKeyPem) });
        await pushLegacyAttestation(reg, img.repo, img.digest, [layer]);
        const r = await verifier({ publicKeyPems: [key.publicKeyPem], rekorPublicKeyPem: rekor.publicKeyPem }).verifyAttestation(img.ref, 'cyclonedx');
        expect([r.verified, r.signatures[0]?.tlog]).toEqual([true, 'verified']);

        const img2 = await image();
        const wrong = await attest(img2, keyFile, CYCLONEDX, { rekorBody: (_sig, env, body) => intotoBody(Buffer.from('other signature'), env, body, key.publicKeyPem) });
        await pushLegacyAttestation(reg, img2.repo, img2.digest, [wrong]);
        const w = await verifier({ publicKeyPems: [key.publicKeyPem], rekorPublicKeyPem: rekor.publicKeyPem }).verifyAttestation(img2.ref, 'cyclonedx');
        expect([w.verified, w.code]).toEqual([false, 'TLOG_INVALID']);
      });

      test('keyless SLSA provenance attestation: certificate + intoto Rekor entry verify; another branch is IDENTITY_MISMATCH', async () => {
        const mk = async (leaf: Leaf) => {
          const img = await image();
          const layer = await attest(img, leaf.keyFile, SLSA1, {
            predicate: { buildDefinition: { buildType: 'https://actions.github.io/buildtypes/workflow/v1' } },
            rekorBody: (sig, env, body) => intotoBody(sig, env, body, leaf.certPem),
            extra: { 'dev.sigstore.cosign/certificate': leaf.certPem, 'dev.sigstore.cosign/chain': ca.chainPem },
          });
          await pushLegacyAttestation(reg, img.repo, img.digest, [layer]);
          return img;
        };
        const good = await mk(issueLeaf(ca));
        const r = await verifier(keyless()).verifyAttestation(good.ref, 'slsaprovenance1');
        expect([r.verified, r.code]).toEqual([true, undefined]);
        expect(r.signatures[0]).toMatchObject({ signer: WEB_SAN, issuer: GITHUB_ISSUER, tlog: 'verified' });
        expect(JSON.parse(r.signatures[0].payloadJson).predicateType).toBe(SLSA1);

        const bad = await mk(issueLeaf(ca, { san: 'https://github.com/acme/web/.github/workflows/build.yml@refs/heads/main-x' }));
        expect((await verifier(keyless()).verifyAttestation(bad.ref, 'slsaprovenance1')).code).toBe('IDENTITY_MISMATCH');
      });

      test('a key-signed v0.3 attestation bundle (cosign v3 attest) verifies with --type; a signature bundle does not count', async () => {
        const img = await image();
        const subject = { digest: img.digest, size: Buffer.byteLength(JSON.stringify(img.manifest)), mediaType: 'application/vnd.oci.image.manifest.v1+json' };
        await pushBundleReferrer(reg, img.repo, subject, await keyBundle(key, img.digest, img.name, CYCLONEDX), CYCLONEDX);
        await pushBundleReferrer(reg, img.repo, subject, await keyBundle(key, img.digest, img.name));
        const v = verifier({ publicKeyPems: [key.publicKeyPem], insecureIgnoreTlog: true });
        const a = await v.verifyAttestation(img.ref, 'cyclonedx');
        expect([a.verified, a.signatures.length, a.signatures[0]?.format]).toEqual([true, 1, 'bundle']);
        expect(a.failures.map((f) => f.code)).toEqual(['PREDICATE_TYPE_MISMATCH']);
        const s = await v.verify(img.ref);
        expect([s.verified, s.signatures.length]).toEqual([true, 1]);
        const other = await verifier({ publicKeyPems: [otherKey.publicKeyPem], insecureIgnoreTlog: true }).verifyAttestation(img.ref, 'cyclonedx');
        expect([other.verified, other.code]).toEqual([false, 'BAD_SIGNATURE']);
      });

      test('CLI: verify --type prints the verified statements; exit 1 with the code otherwise', async () => {
        const img = await image();
        await pushLegacyAttestation(reg, img.repo, img.digest, [await attest(img, keyFile)]);
        const dir = tempDir();
        fs.writeFileSync(path.join(dir, 'cosign.pub'), key.publicKeyPem);
        let io = memoryIo({ cwd: dir, env: { HOME: dir } });
        expect(await main(['verify', img.ref, '--key', 'cosign.pub', '--insecure-ignore-tlog', '--type', 'cyclonedx', '--output', 'json'], io)).toBe(0);
        expect(JSON.parse(io.stdout())[0].predicate.bomFormat).toBe('CycloneDX');
        expect(io.stderr()).toMatch(/DSSE signature \(PAE\) verified/);

        io = memoryIo({ cwd: dir, env: { HOME: dir } });
        expect(await main(['verify', img.ref, '--key', 'cosign.pub', '--insecure-ignore-tlog', '--type', 'spdxjson'], io)).toBe(1);
        expect(io.stderr()).toContain('[PREDICATE_TYPE_MISMATCH]');
        expect(io.stderr()).not.toContain('PRIVATE KEY');
      });
    });
  });
}, ['version']);
