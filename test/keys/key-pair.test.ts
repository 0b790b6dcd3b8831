import { createHash, generateKeyPairSync } from 'node:crypto';
import { blobOf } from './helpers';
import { COSIGN_PEM_LABEL, decryptPrivateKeyPem, encryptPrivateKeyPem, SIGSTORE_PEM_LABEL } from '../../src/keys/encrypted-key';
import { decryptPrivateKey, generateKeyPair, publicKeyFromPrivate, signWith, verifyWith } from '../../src/keys/key-pair';
import { parsePublicKeyPem, samePublicKey } from '../../src/keys/public-key';

const PASSWORD = 'pw-for-tests';
const DATA = Buffer.from('{"critical":{"type":"cosign container image signature"}}');

describe('generate -> decrypt -> sign -> verify', () => {
  test.each([
    ['sigstore', 65536, SIGSTORE_PEM_LABEL],
    ['sigstore', 32768, SIGSTORE_PEM_LABEL],
    ['cosign', 65536, COSIGN_PEM_LABEL],
    ['cosign', 32768, COSIGN_PEM_LABEL],
  ] as const)('label %s, N=%i', async (label, n, pemLabel) => {
    const pair = await generateKeyPair({ password: PASSWORD, label, scryptN: n });
    expect(pair.privateKeyPem.startsWith(`-----BEGIN ${pemLabel}-----\n`)).toBe(true);
    expect(blobOf(pair.privateKeyPem).kdf.params).toEqual({ N: n, r: 8, p: 1 });
    expect(Buffer.from(blobOf(pair.privateKeyPem).ciphertext, 'base64')).toHaveLength(154);

    const key = await decryptPrivateKey(pair.privateKeyPem, PASSWORD);
    expect(key.asymmetricKeyType).toBe('ec');
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const sig = signWith(key, DATA);
    expect(verifyWith(pair.publicKeyPem, DATA, sig)).toBe(true);
    expect(verifyWith(pair.publicKeyPem, Buffer.from('other'), sig)).toBe(false);
  });

  test('defaults: SIGSTORE label, N=65536', async () => {
    const pair = await generateKeyPair({ password: PASSWORD });
    expect(pair.privateKeyPem.startsWith(`-----BEGIN ${SIGSTORE_PEM_LABEL}-----\n`)).toBe(true);
    expect(blobOf(pair.privateKeyPem).kdf.params.N).toBe(65536);
  });

  test('N=131072 key made by our encrypt decrypts and signs', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const pem = await encryptPrivateKeyPem(privateKey.export({ type: 'pkcs8', format: 'der' }), PASSWORD, { scryptN: 131072 });
    expect((await decryptPrivateKeyPem(pem, PASSWORD)).scryptN).toBe(131072);
    const key = await decryptPrivateKey(pem, PASSWORD);
    const pubPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(verifyWith(pubPem, DATA, signWith(key, DATA))).toBe(true);
  });

  test('public key: SPKI PUBLIC KEY PEM, fingerprint = sha256(SPKI DER), matches the private key', async () => {
    const pair = await generateKeyPair({ password: PASSWORD, scryptN: 32768 });
    expect(pair.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
    const parsed = parsePublicKeyPem(pair.publicKeyPem);
    expect(parsed.algorithm).toBe('ec P-256');
    expect(pair.fingerprint).toBe(createHash('sha256').update(parsed.spkiDer).digest('hex'));
    expect(pair.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    const derived = await publicKeyFromPrivate(pair.privateKeyPem, PASSWORD);
    expect(derived).toBe(pair.publicKeyPem);
    expect(samePublicKey(derived, pair.publicKeyPem)).toBe(true);
  });

  test('two generated pairs differ', async () => {
    const [a, b] = await Promise.all([
      generateKeyPair({ password: PASSWORD, scryptN: 32768 }),
      generateKeyPair({ password: PASSWORD, scryptN: 32768 }),
    ]);
    expect(a.fingerprint).not.toBe(b.fingerprint);
  });

  test('signatures are ASN.1 DER (SEQUENCE of two INTEGERs)', async () => {
    const pair = await generateKeyPair({ password: PASSWORD, scryptN: 32768 });
    const sig = signWith(await decryptPrivateKey(pair.privateKeyPem, PASSWORD), DATA);
    expect(sig[0]).toBe(0x30);
    expect(sig[1]).toBe(sig.length - 2);
    expect(sig[2]).toBe(0x02);
  });

  test('wrong password: KEY_DECRYPT_FAILED from decryptPrivateKey and publicKeyFromPrivate', async () => {
    const pair = await generateKeyPair({ password: PASSWORD, scryptN: 32768 });
    await expect(decryptPrivateKey(pair.privateKeyPem, 'nope')).rejects.toMatchObject({ code: 'KEY_DECRYPT_FAILED' });
    await expect(publicKeyFromPrivate(pair.privateKeyPem, 'nope')).rejects.toMatchObject({ code: 'KEY_DECRYPT_FAILED' });
  });

  test('unsupported scryptN for generation: KEY_UNSUPPORTED_KDF', async () => {
    await expect(generateKeyPair({ password: PASSWORD, scryptN: 1234 })).rejects.toMatchObject({ code: 'KEY_UNSUPPORTED_KDF' });
  });

  test('signWith/verifyWith refuse non-P-256 keys', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    expect(() => signWith(p384.privateKey, DATA)).toThrow(expect.objectContaining({ code: 'KEY_UNSUPPORTED_ALGORITHM' }));
    const pem = p384.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => verifyWith(pem, DATA, Buffer.alloc(8))).toThrow(expect.objectContaining({ code: 'KEY_UNSUPPORTED_ALGORITHM' }));
  });
});
