import { spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  keyBundle, newCosignKey, pushBundleReferrer, pushLegacySignature, signLayer, simpleSigningPayload, TestKey,
} from './signing';
import { memoryIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { ImageVerifier, SignatureArtifact } from '../../src/verify/image-verifier';
import { tempDir } from '../support/fixtures';
import { pushIndex, pushTinyImage, startRegistry, TestRegistry } from '../support/registry';
import { describeWithTool } from '../support/tools';

describeWithTool('docker-registry', 'verify against a real docker-registry (distribution 2.8) on 127.0.0.1', () => {
  let reg: TestRegistry;
  let key: TestKey;
  let otherKey: TestKey;
  const verifiers: ImageVerifier[] = [];
  const verifier = (props: ConstructorParameters<typeof ImageVerifier>[0]) => {
    const v = new ImageVerifier({ environment: { HOME: tempDir() }, retries: 0, ...props });
    verifiers.push(v);
    return v;
  };

  beforeAll(async () => {
    [reg, key, otherKey] = await Promise.all([startRegistry(), newCosignKey(), newCosignKey()]);
  });
  afterAll(async () => {
    verifiers.forEach((v) => v.close());
    await reg?.stop();
  });

  test('a legacy .sig signed with a cosign key verifies; the signature is also accepted by openssl', async () => {
    const img = await pushTinyImage(reg, 'acme/web', 'v1');
    const payload = simpleSigningPayload(`${reg.host}/acme/web`, img.digest);
    const layer = signLayer(key, payload);
    await pushLegacySignature(reg, 'acme/web', img.digest, [layer]);

    const r = await verifier({ publicKeyPems: [key.publicKeyPem], insecureIgnoreTlog: true }).verify(`${reg.host}/acme/web@${img.digest}`);
    expect(r.verified).toBe(true);
    expect(r.signatures).toHaveLength(1);
    expect(r.signatures[0].source).toBe(`${reg.host}/acme/web:${img.digest.replace(':', '-')}.sig layer 0`);
    expect(JSON.parse(r.signatures[0].payloadJson).critical.image['docker-manifest-digest']).toBe(img.digest);
    expect(r.signatures[0].tlog).toBe('ignored');

    // independent check: openssl verifies the same signature over the exact payload bytes
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'payload.json'), payload);
    fs.writeFileSync(path.join(dir, 'sig.der'), Buffer.from(layer.signature, 'base64'));
    fs.writeFileSync(path.join(dir, 'cosign.pub'), key.publicKeyPem);
    const o = spawnSync('openssl', ['dgst', '-sha256', '-verify', 'cosign.pub', '-signature', 'sig.der', 'payload.json'], { cwd: dir, encoding: 'utf8' });
    expect(o.stdout.trim()).toBe('Verified OK');
  });

  test('a tag is resolved to its digest first, with a warning that tags move', async () => {
    const img = await pushTinyImage(reg, 'acme/tagged', 'v2');
    await pushLegacySignature(reg, 'acme/tagged', img.digest, [signLayer(key, simpleSigningPayload(`${reg.host}/acme/tagged`, img.digest))]);
    const r = await verifier({ publicKeyPems: [key.publicKeyPem], insecureIgnoreTlog: true }).verify(`${reg.host}/acme/tagged:v2`);
    expect(r.verified).toBe(true);
    expect(r.digest).toBe(img.digest);
    expect(r.resolvedTag).toBe('v2');
    expect(r.warnings.join('\n')).toMatch(/tags move/);

    // the image replaced under the same tag: the new digest has no signature
    const replaced = await pushTinyImage(reg, 'acme/tagged', 'v2', 'evil content\n');
    const r2 = await verifier({ publicKeyPems: [key.publicKeyPem], insecureIgnoreTlog: true }).verify(`${reg.host}/acme/tagged:v2`);
    expect(r2.digest).toBe(replaced.digest);
    expect(r2.verified).toBe(false);
    expect(r2.code).toBe('NO_SIGNATURES');
  });

  test('tamper matrix: each failure has its code', async () => {
    const img = await pushTinyImage(reg, 'acme/tamper', 'v1');
    const other = await pushTinyImage(reg, 'acme/tamper', 'v0', 'other\n');
    const good = simpleSigningPayload(`${reg.host}/acme/tamper`, img.digest);
    const v = () => verifier({ publicKeyPems: [key.publicKeyPem], insecureIgnoreTlog: true });
    const ref = `${reg.host}/acme/tamper@${img.digest}`;

    // no signature at all
    let r = await v().verify(ref);
    expect([r.verified, r.code]).toEqual([false, 'NO_SIGNATURES']);

    // signed by another key
    await pushLegacySignature(reg, 'acme/tamper', img.digest, [signLayer(otherKey, good)]);
    r = await v().verify(ref);
    expect([r.verified, r.code]).toEqual([false, 'BAD_SIGNATURE']);

    // a payload for another digest, correctly signed
    await pushLegacySignature(reg, 'acme/tamper', img.digest, [signLayer(key, simpleSigningPayload(`${reg.host}/acme/tamper`, other.digest))]);
    r = await v().verify(ref);
    expect([r.verified, r.code]).toEqual([false, 'DIGEST_MISMATCH']);

    // payload tampered after signing (signature of the good payload over different bytes)
    const tampered = Buffer.from(good.toString().replace('"optional":null', '"optional":{"x":"y"}'));
    await pushLegacySignature(reg, 'acme/tamper', img.digest, [{ payload: tampered, signature: signLayer(key, good).signature }]);
    r = await v().verify(ref);
    expect([r.verified, r.code]).toEqual([false, 'BAD_SIGNATURE']);

    // corrupted signature bytes
    const sig = Buffer.from(signLayer(key, good).signature, 'base64');
    sig[sig.length - 1] = 255 - sig[sig.length - 1];
    await pushLegacySignature(reg, 'acme/tamper', img.digest, [{ payload: good, signature: sig.toString('base64') }]);
    r = await v().verify(ref);
    expect([r.verified, r.code]).toEqual([false, 'BAD_SIGNATURE']);

    // tlog required but the layer has no Rekor bundle
    await pushLegacySignature(reg, 'acme/tamper', img.digest, [signLayer(key, good)]);
    r = await verifier({ publicKeyPems: [key.publicKeyPem] }).verify(ref);
    expect([r.verified, r.code]).toEqual([false, 'TLOG_MISSING']);

    // any one valid layer suffices: a bad layer next to a good one
    await pushLegacySignature(reg, 'acme/tamper', img.digest, [signLayer(otherKey, good), signLayer(key, good)]);
    r = await v().verify(ref);
    expect(r.verified).toBe(true);
    expect(r.failures.map((f) => f.code)).toEqual(['BAD_SIGNATURE']);
  });

  test('a Sigstore v0.3 bundle (@sigstore/sign, key signer) pushed as a referrer via the fallback tag verifies', async () => {
    const img = await pushTinyImage(reg, 'acme/bundled', 'v1');
    const subject = { digest: img.digest, size: Buffer.byteLength(JSON.stringify(img.manifest)), mediaType: img.manifest.mediaType };
    const referrer = await pushBundleReferrer(reg, 'acme/bundled', subject, await keyBundle(key, img.digest, `${reg.host}/acme/bundled`));
    const ref = `${reg.host}/acme/bundled@${img.digest}`;

    const r = await verifier({ publicKeyPems: [key.publicKeyPem], insecureIgnoreTlog: true }).verify(ref);
    expect(r.verified).toBe(true);
    expect(r.signatures[0].format).toBe('bundle');
    expect(r.signatures[0].source).toBe(`${reg.host}/acme/bundled@${referrer}`);
    expect(JSON.parse(r.signatures[0].payloadJson).subject[0].digest.sha256).toBe(img.digest.slice(7));

    // wrong key
    const bad = await verifier({ publicKeyPems: [otherKey.publicKeyPem], insecureIgnoreTlog: true }).verify(ref);
    expect([bad.verified, bad.code]).toEqual([false, 'BAD_SIGNATURE']);
    // bundle without a tlog entry while the tlog is required
    const tlog = await verifier({ publicKeyPems: [key.publicKeyPem] }).verify(ref);
    expect([tlog.verified, tlog.code]).toEqual([false, 'TLOG_MISSING']);

    // a bundle about another digest, attached to this image
    const img2 = await pushTinyImage(reg, 'acme/bundled', 'v2', 'two\n');
    const subject2 = { digest: img2.digest, size: Buffer.byteLength(JSON.stringify(img2.manifest)), mediaType: img2.manifest.mediaType };
    await pushBundleReferrer(reg, 'acme/bundled', subject2, await keyBundle(key, img.digest, 'x'));
    const mismatch = await verifier({ publicKeyPems: [key.publicKeyPem], insecureIgnoreTlog: true }).verify(`${reg.host}/acme/bundled@${img2.digest}`);
    expect([mismatch.verified, mismatch.code]).toEqual([false, 'DIGEST_MISMATCH']);

    const t = await verifier({}).triangulate(ref, SignatureArtifact.SIGNATURE);
    expect(t.reference).toBe(`${reg.host}/acme/bundled:${img.digest.replace(':', '-')}.sig`);
    expect(t.referrersVia).toBe('fallback-tag');
    expect(t.referrers.map((x) => x.digest)).toEqual([referrer]);
  });

  test('multi-platform index: the index digest is verified and per-platform digests are reported', async () => {
    const amd = await pushTinyImage(reg, 'acme/multi', 'amd64', 'amd\n', 'amd64');
    const arm = await pushTinyImage(reg, 'acme/multi', 'arm64', 'arm\n', 'arm64');
    const indexDigest = await pushIndex(reg, 'acme/multi', 'v1', [{ image: amd, arch: 'amd64' }, { image: arm, arch: 'arm64' }]);
    await pushLegacySignature(reg, 'acme/multi', indexDigest, [signLayer(key, simpleSigningPayload(`${reg.host}/acme/multi`, indexDigest))]);
    const r = await verifier({ publicKeyPems: [key.publicKeyPem], insecureIgnoreTlog: true }).verify(`${reg.host}/acme/multi:v1`);
    expect(r.verified).toBe(true);
    expect(r.digest).toBe(indexDigest);
    expect(r.platforms).toEqual([{ platform: 'linux/amd64', digest: amd.digest }, { platform: 'linux/arm64', digest: arm.digest }]);
    // a platform image itself is not signed
    const p = await verifier({ publicKeyPems: [key.publicKeyPem], insecureIgnoreTlog: true }).verify(`${reg.host}/acme/multi@${arm.digest}`);
    expect(p.code).toBe('NO_SIGNATURES');
  });

  test('tlog: a Rekor bundle annotation is checked against the signature; its SET verifies only with the Rekor key', async () => {
    const img = await pushTinyImage(reg, 'acme/tlog', 'v1');
    const payload = simpleSigningPayload(`${reg.host}/acme/tlog`, img.digest);
    const layer = signLayer(key, payload);
    const rekor = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const rekorPub = rekor.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const logID = createHash('sha256').update(rekor.publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
    const rekorBundle = (sigB64: string, signer = rekor.privateKey) => {
      const body = Buffer.from(JSON.stringify({
        apiVersion: '0.0.1',
        kind: 'hashedrekord',
        spec: {
          data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(payload).digest('hex') } },
          signature: { content: sigB64, publicKey: { content: Buffer.from(key.publicKeyPem).toString('base64') } },
        },
      })).toString('base64');
      const p = { body, integratedTime: 1764000000, logIndex: 42, logID };
      // RFC 8785-style canonical form: keys sorted, compact
      const canonical = JSON.stringify(Object.fromEntries(Object.entries(p).sort(([a], [b]) => (a < b ? -1 : 1))));
      const set = sign('sha256', Buffer.from(canonical), signer).toString('base64');
      return JSON.stringify({ SignedEntryTimestamp: set, Payload: p });
    };
    const ref = `${reg.host}/acme/tlog@${img.digest}`;
    await pushLegacySignature(reg, 'acme/tlog', img.digest, [{ ...layer, annotations: { 'dev.sigstore.cosign/bundle': rekorBundle(layer.signature) } }]);

    const present = await verifier({ publicKeyPems: [key.publicKeyPem] }).verify(ref);
    expect(present.verified).toBe(true);
    expect(present.signatures[0].tlog).toBe('present-unverified');
    expect(present.signatures[0].reason).toContain('not verified offline');

    const checked = await verifier({ publicKeyPems: [key.publicKeyPem], rekorPublicKeyPem: rekorPub }).verify(ref);
    expect(checked.signatures[0]?.tlog).toBe('verified');

    // a SET by another key claiming the same log id
    const forged = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    await pushLegacySignature(reg, 'acme/tlog', img.digest, [{ ...layer, annotations: { 'dev.sigstore.cosign/bundle': rekorBundle(layer.signature, forged) } }]);
    const bad = await verifier({ publicKeyPems: [key.publicKeyPem], rekorPublicKeyPem: rekorPub }).verify(ref);
    expect([bad.verified, bad.code]).toEqual([false, 'TLOG_INVALID']);

    // a Rekor entry for another signature
    await pushLegacySignature(reg, 'acme/tlog', img.digest, [{ ...layer, annotations: { 'dev.sigstore.cosign/bundle': rekorBundle(signLayer(otherKey, payload).signature) } }]);
    const other = await verifier({ publicKeyPems: [key.publicKeyPem] }).verify(ref);
    expect([other.verified, other.code]).toEqual([false, 'TLOG_INVALID']);
  });

  describe('CLI', () => {
    test('verify exits 0 and prints the payloads as JSON; exit 1 with the code otherwise; triangulate prints the .sig tag', async () => {
      const img = await pushTinyImage(reg, 'acme/cli', 'v1');
      await pushLegacySignature(reg, 'acme/cli', img.digest, [signLayer(key, simpleSigningPayload(`${reg.host}/acme/cli`, img.digest))]);
      const dir = tempDir();
      fs.writeFileSync(path.join(dir, 'cosign.pub'), key.publicKeyPem);
      fs.writeFileSync(path.join(dir, 'other.pub'), otherKey.publicKeyPem);
      const env = { HOME: dir };

      let io = memoryIo({ cwd: dir, env });
      expect(await main(['verify', `${reg.host}/acme/cli:v1`, '--key', 'cosign.pub', '--insecure-ignore-tlog', '--output', 'json'], io)).toBe(0);
      const payloads = JSON.parse(io.stdout());
      expect(payloads[0].critical.image['docker-manifest-digest']).toBe(img.digest);
      expect(payloads[0].critical.type).toBe('cosign container image signature');
      expect(io.stderr()).toContain(`resolved to ${img.digest}`);

      // options before the image; --key repeatable (any key verifies)
      io = memoryIo({ cwd: dir, env });
      expect(await main(['verify', '--key', 'other.pub', '--key', 'cosign.pub', '--insecure-ignore-tlog', `${reg.host}/acme/cli@${img.digest}`], io)).toBe(0);
      expect(io.stdout()).toMatch(/^verified .*legacy signature by key sha256:/);

      io = memoryIo({ cwd: dir, env });
      expect(await main(['verify', `${reg.host}/acme/cli@${img.digest}`, '--key', 'other.pub', '--insecure-ignore-tlog'], io)).toBe(1);
      expect(io.stderr()).toContain('[BAD_SIGNATURE]');

      io = memoryIo({ cwd: dir, env });
      expect(await main(['verify', `${reg.host}/acme/cli@${img.digest}`], io)).toBe(2);

      io = memoryIo({ cwd: dir, env });
      expect(await main(['triangulate', `${reg.host}/acme/cli:v1`], io)).toBe(0);
      expect(io.stdout().trim()).toBe(`${reg.host}/acme/cli:${img.digest.replace(':', '-')}.sig`);
      io = memoryIo({ cwd: dir, env });
      expect(await main(['triangulate', `${reg.host}/acme/cli:v1`, '--type', 'sbom'], io)).toBe(0);
      expect(io.stdout().trim()).toBe(`${reg.host}/acme/cli:${img.digest.replace(':', '-')}.sbom`);
    });
  });
});
