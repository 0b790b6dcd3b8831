import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as fc from 'fast-check';
import { blobOf, p256Pkcs8, p256Sec1, pemOfJson } from './helpers';
import { BlueprintError } from '../../src/errors';
import {
  COSIGN_PEM_LABEL,
  decryptBlob,
  decryptPrivateKeyPem,
  encryptBlob,
  encryptPrivateKeyPem,
  SIGSTORE_PEM_LABEL,
  toPem,
} from '../../src/keys/encrypted-key';

const PASSWORD = 'correct horse battery staple';

async function rejection(p: Promise<unknown>): Promise<BlueprintError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(BlueprintError);
    return e as BlueprintError;
  }
  throw new Error('expected a rejection');
}

describe('encrypted key format', () => {
  let pkcs8: Buffer;
  let pem: string;
  beforeAll(async () => {
    pkcs8 = p256Pkcs8();
    pem = await encryptPrivateKeyPem(pkcs8, PASSWORD, { scryptN: 32768 });
  });

  test('JSON is compact, in Go field order, with standard padded base64', () => {
    const body = pem.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
    const json = Buffer.from(body, 'base64').toString('utf8');
    expect(json).toMatch(/^\{"kdf":\{"name":"scrypt","params":\{"N":32768,"r":8,"p":1\},"salt":"[A-Za-z0-9+/]{43}="\},"cipher":\{"name":"nacl\/secretbox","nonce":"[A-Za-z0-9+/]{32}"\},"ciphertext":"[A-Za-z0-9+/=]+"\}$/);
    const blob = JSON.parse(json);
    expect(Buffer.from(blob.kdf.salt, 'base64')).toHaveLength(32);
    expect(Buffer.from(blob.cipher.nonce, 'base64')).toHaveLength(24);
  });

  test('ciphertext of a P-256 PKCS#8 key is 154 bytes (138 + 16)', () => {
    expect(pkcs8).toHaveLength(138);
    expect(Buffer.from(blobOf(pem).ciphertext, 'base64')).toHaveLength(154);
  });

  test('PEM uses the SIGSTORE label by default and 64-character lines', () => {
    const lines = pem.trimEnd().split('\n');
    expect(lines[0]).toBe(`-----BEGIN ${SIGSTORE_PEM_LABEL}-----`);
    expect(lines[lines.length - 1]).toBe(`-----END ${SIGSTORE_PEM_LABEL}-----`);
    const body = lines.slice(1, -1);
    body.slice(0, -1).forEach((l) => expect(l).toHaveLength(64));
    expect(body[body.length - 1].length).toBeLessThanOrEqual(64);
    expect(pem.endsWith('-----\n')).toBe(true);
  });

  test('COSIGN label on request, and both labels decrypt', async () => {
    const cosignPem = await encryptPrivateKeyPem(pkcs8, PASSWORD, { scryptN: 32768, label: 'cosign' });
    expect(cosignPem.startsWith(`-----BEGIN ${COSIGN_PEM_LABEL}-----\n`)).toBe(true);
    const a = await decryptPrivateKeyPem(cosignPem, PASSWORD);
    const b = await decryptPrivateKeyPem(pem, PASSWORD);
    expect(a.pemLabel).toBe(COSIGN_PEM_LABEL);
    expect(b.pemLabel).toBe(SIGSTORE_PEM_LABEL);
    expect(a.pkcs8Der.equals(pkcs8)).toBe(true);
    expect(b.pkcs8Der.equals(pkcs8)).toBe(true);
  });

  test('fresh salt and nonce every time', async () => {
    const again = await encryptPrivateKeyPem(pkcs8, PASSWORD, { scryptN: 32768 });
    expect(blobOf(again).kdf.salt).not.toBe(blobOf(pem).kdf.salt);
    expect(blobOf(again).cipher.nonce).not.toBe(blobOf(pem).cipher.nonce);
  });

  test('default scrypt N is 65536 (cosign >= 2.2)', async () => {
    const json = JSON.parse((await encryptBlob(Buffer.from('x'), 'p')).toString('utf8'));
    expect(json.kdf.params).toEqual({ N: 65536, r: 8, p: 1 });
  });

  test.each([32768, 65536, 131072])('blob round trip at N=%i', async (n) => {
    const data = randomBytes(50);
    const json = await encryptBlob(data, 'pw', { scryptN: n });
    expect(JSON.parse(json.toString('utf8')).kdf.params.N).toBe(n);
    expect((await decryptBlob(json, 'pw')).equals(data)).toBe(true);
  });

  test('empty password is allowed (cosign tests COSIGN_PASSWORD="")', async () => {
    const p = await encryptPrivateKeyPem(pkcs8, '', { scryptN: 32768 });
    expect((await decryptPrivateKeyPem(p, '')).pkcs8Der.equals(pkcs8)).toBe(true);
  });

  test('password is UTF-8 bytes, not normalized or trimmed', async () => {
    const p = await encryptPrivateKeyPem(pkcs8, 'pässwörd\n', { scryptN: 32768 });
    expect((await decryptPrivateKeyPem(p, Buffer.from('pässwörd\n', 'utf8'))).pkcs8Der.equals(pkcs8)).toBe(true);
    await expect(decryptPrivateKeyPem(p, 'pässwörd')).rejects.toMatchObject({ code: 'KEY_DECRYPT_FAILED' });
    // NFD form of the same text is a different password
    await expect(decryptPrivateKeyPem(p, 'pässwörd\n'.normalize('NFD'))).rejects.toMatchObject({ code: 'KEY_DECRYPT_FAILED' });
  });

  test('encrypt refuses an unsupported scrypt N', async () => {
    const e = await rejection(encryptBlob(Buffer.from('x'), 'p', { scryptN: 16384 }));
    expect(e.code).toBe('KEY_UNSUPPORTED_KDF');
    expect(e.message).toContain('unsupported scrypt parameters');
  });

  test('property: round trip for arbitrary passwords and plaintexts', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ maxLength: 40 }), fc.uint8Array({ maxLength: 200 }), async (pw, data) => {
      const json = await encryptBlob(data, pw, { scryptN: 32768 });
      expect((await decryptBlob(json, pw)).equals(Buffer.from(data))).toBe(true);
    }), { numRuns: 8 });
  });
});

describe('rejections', () => {
  let validBlob: any;
  let pem: string;
  beforeAll(async () => {
    pem = await encryptPrivateKeyPem(p256Pkcs8(), PASSWORD, { scryptN: 32768 });
    validBlob = blobOf(pem);
  });
  const withBlob = (edit: (b: any) => void) => {
    const b = JSON.parse(JSON.stringify(validBlob));
    edit(b);
    return pemOfJson(b);
  };
  const expectCode = async (text: string, code: string, password = PASSWORD) => {
    const e = await rejection(decryptPrivateKeyPem(text, password));
    expect(e.code).toBe(code);
    expect(e.message).not.toContain(password);
    return e;
  };

  test('KEY_UNSUPPORTED_PEM_TYPE: plain PKCS#8 PRIVATE KEY', async () => {
    const plain = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const e = await expectCode(plain, 'KEY_UNSUPPORTED_PEM_TYPE');
    expect(e.message).toContain('unsupported pem type "PRIVATE KEY"');
    expect(e.message).not.toContain(plain.split('\n')[1]);
  });

  test('KEY_UNSUPPORTED_PEM_TYPE: SEC1 EC PRIVATE KEY', async () => {
    await expectCode(toPem('EC PRIVATE KEY', p256Sec1()), 'KEY_UNSUPPORTED_PEM_TYPE');
  });

  test('KEY_UNSUPPORTED_PEM_TYPE: right blob under another label', async () => {
    await expectCode(pem.replace(/SIGSTORE/g, 'OTHER'), 'KEY_UNSUPPORTED_PEM_TYPE');
  });

  test('KEY_UNSUPPORTED_KDF: kdf name', async () => {
    await expectCode(withBlob((b) => { b.kdf.name = 'pbkdf2'; }), 'KEY_UNSUPPORTED_KDF');
  });

  test.each([
    ['N=16384', { N: 16384, r: 8, p: 1 }],
    ['N=262144', { N: 262144, r: 8, p: 1 }],
    ['r=16', { N: 32768, r: 16, p: 1 }],
    ['p=2', { N: 32768, r: 8, p: 2 }],
    ['N as a string', { N: '32768', r: 8, p: 1 }],
    ['missing params', undefined],
  ])('KEY_UNSUPPORTED_KDF: %s', async (_name, params) => {
    const e = await expectCode(withBlob((b) => { b.kdf.params = params; }), 'KEY_UNSUPPORTED_KDF');
    expect(e.message).toContain('unsupported scrypt parameters');
  });

  test('KEY_UNSUPPORTED_CIPHER', async () => {
    await expectCode(withBlob((b) => { b.cipher.name = 'aes-256-gcm'; }), 'KEY_UNSUPPORTED_CIPHER');
  });

  test('KEY_DECRYPT_FAILED: wrong password, message says so and leaks nothing', async () => {
    const e = await expectCode(pem, 'KEY_DECRYPT_FAILED', 'not the password');
    expect(e.message).toContain('decryption failed: wrong password?');
    expect(e.message).not.toContain(PASSWORD);
    expect(e.message).not.toContain(validBlob.ciphertext.slice(0, 16));
  });

  test('KEY_DECRYPT_FAILED: tampered ciphertext', async () => {
    const text = withBlob((b) => {
      const c = Buffer.from(b.ciphertext, 'base64');
      c[20] = (c[20] + 1) % 256;
      b.ciphertext = c.toString('base64');
    });
    await expectCode(text, 'KEY_DECRYPT_FAILED');
  });

  test('KEY_NOT_PKCS8: SEC1 inner key encrypted correctly', async () => {
    const sec1Pem = await encryptPrivateKeyPem(p256Sec1(), PASSWORD, { scryptN: 32768 });
    const e = await expectCode(sec1Pem, 'KEY_NOT_PKCS8');
    expect(e.message).toContain('SEC1');
  });

  test('KEY_NOT_PKCS8: PKCS#1 RSA inner key', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'der' });
    const e = await expectCode(await encryptPrivateKeyPem(rsa, PASSWORD, { scryptN: 32768 }), 'KEY_NOT_PKCS8');
    expect(e.message).toContain('PKCS#1');
  });

  test('KEY_NOT_PKCS8: random bytes, not echoed', async () => {
    const junk = randomBytes(64);
    const e = await expectCode(await encryptPrivateKeyPem(junk, PASSWORD, { scryptN: 32768 }), 'KEY_NOT_PKCS8');
    expect(e.message).not.toContain(junk.toString('hex').slice(0, 16));
    expect(e.message).not.toContain(junk.toString('base64').slice(0, 16));
  });

  test.each<[string, () => string]>([
    ['no PEM at all', () => 'hello'],
    ['BEGIN without END', () => pem.split('\n').slice(0, 3).join('\n')],
    ['body is not JSON', () => pemOfJson('not json {')],
    ['JSON array', () => pemOfJson([1, 2])],
    ['missing cipher', () => withBlob((b) => { delete b.cipher; })],
    ['salt not base64', () => withBlob((b) => { b.kdf.salt = 'a*b='; })],
    ['salt empty', () => withBlob((b) => { b.kdf.salt = ''; })],
    ['nonce 23 bytes', () => withBlob((b) => { b.cipher.nonce = randomBytes(23).toString('base64'); })],
    ['ciphertext shorter than the tag', () => withBlob((b) => { b.ciphertext = randomBytes(15).toString('base64'); })],
    ['ciphertext missing', () => withBlob((b) => { delete b.ciphertext; })],
    ['URL-safe base64 in ciphertext', () => withBlob((b) => { b.ciphertext = '-_' + b.ciphertext.slice(2); })],
  ])('KEY_MALFORMED: %s', async (_name, make) => {
    await expectCode(make(), 'KEY_MALFORMED');
  });

  test('property: errors never contain the password', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ minLength: 1, maxLength: 30 }), async (suffix) => {
      const pw = `secret-${suffix}`;
      const e = await rejection(decryptPrivateKeyPem(pem, pw));
      expect(e.code).toBe('KEY_DECRYPT_FAILED');
      expect(e.message).not.toContain(pw);
      expect(String(e.fix)).not.toContain(pw);
    }), { numRuns: 5 });
  });
});
