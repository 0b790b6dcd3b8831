import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { FIXTURES } from './helpers';
import {
  COSIGN_PEM_LABEL,
  decryptBlob,
  decryptPrivateKeyPem,
  encryptBlob,
  SIGSTORE_PEM_LABEL,
} from '../../src/keys/encrypted-key';
import { decryptPrivateKey, publicKeyFromPrivate, signWith, verifyWith } from '../../src/keys/key-pair';

/** Published vectors, see test/fixtures/keys/README.md for sources. */
const read = (f: string) => readFileSync(path.join(FIXTURES, f), 'utf8');

describe('sigstore/cosign pkg/cosign/keys_test.go vectors (password "hello")', () => {
  test.each([
    ['cosign-keys-test-pemcosignkey.n32768.key', COSIGN_PEM_LABEL],
    ['cosign-keys-test-pemsigstorekey.n32768.key', SIGSTORE_PEM_LABEL],
  ])('%s decrypts to a PKCS#8 P-256 key that signs', async (file, label) => {
    const pem = read(file);
    const r = await decryptPrivateKeyPem(pem, 'hello');
    expect(r.pemLabel).toBe(label);
    expect(r.scryptN).toBe(32768);
    expect(r.pkcs8Der).toHaveLength(138);
    const key = await decryptPrivateKey(pem, 'hello');
    expect(key.asymmetricKeyType).toBe('ec');
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const data = Buffer.from('payload');
    const pubPem = await publicKeyFromPrivate(pem, 'hello');
    expect(verifyWith(pubPem, data, signWith(key, data))).toBe(true);
  });

  test.each([
    'cosign-keys-test-pemcosignkey.n32768.key',
    'cosign-keys-test-pemsigstorekey.n32768.key',
  ])('%s with a wrong password: KEY_DECRYPT_FAILED', async (file) => {
    await expect(decryptPrivateKeyPem(read(file), 'Hello')).rejects.toMatchObject({ code: 'KEY_DECRYPT_FAILED' });
  });

  test('SEC1 inner key (cosign rejects it too): KEY_NOT_PKCS8', async () => {
    await expect(decryptPrivateKeyPem(read('cosign-label-n65536-sec1-inner.NEGATIVE.key'), 'hello'))
      .rejects.toMatchObject({ code: 'KEY_NOT_PKCS8', message: expect.stringContaining('SEC1') });
  });
});

describe('secure-systems-lab/go-securesystemslib encrypted_test.go vectors (passphrase "supersecret")', () => {
  // Marshal() JSON-encodes the []byte before encrypting: a base64 JSON string
  const marshalled = JSON.stringify(Buffer.from('reallyimportant').toString('base64'));

  test.each([
    ['gss-kdf-vector-legacy-n32768.json', 32768],
    ['gss-kdf-vector-standard-n65536.json', 65536],
    ['gss-kdf-vector-owasp-n131072.json', 131072],
  ])('%s decrypts', async (file) => {
    const out = await decryptBlob(read(file), 'supersecret');
    expect(out.toString('utf8')).toBe(marshalled);
  });

  test.each([
    ['gss-kdf-vector-legacy-n32768.json', 32768],
    ['gss-kdf-vector-standard-n65536.json', 65536],
    ['gss-kdf-vector-owasp-n131072.json', 131072],
    ['gss-decrypt-vector-n32768.json', 32768],
  ])('%s: re-encrypting with its salt and nonce gives identical bytes', async (file, n) => {
    const vector = read(file);
    const blob = JSON.parse(vector);
    const plaintext = await decryptBlob(vector, 'supersecret');
    const again = await encryptBlob(plaintext, 'supersecret', {
      scryptN: n,
      salt: Buffer.from(blob.kdf.salt, 'base64'),
      nonce: Buffer.from(blob.cipher.nonce, 'base64'),
    });
    expect(again.toString('utf8')).toBe(vector);
  });

  test('TestDecrypt vector decrypts to the raw plaintext', async () => {
    expect((await decryptBlob(read('gss-decrypt-vector-n32768.json'), 'supersecret')).toString('utf8')).toBe('reallyimportant');
  });

  test('TestUnsupportedKDFParameters vector: KEY_UNSUPPORTED_KDF', async () => {
    await expect(decryptBlob(read('gss-unsupported-params.NEGATIVE.json'), 'supersecret'))
      .rejects.toMatchObject({ code: 'KEY_UNSUPPORTED_KDF', message: expect.stringContaining('unsupported scrypt parameters') });
  });
});
