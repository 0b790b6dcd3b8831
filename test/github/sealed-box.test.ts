import { newActionsKey, openSealed, openSealedBytes } from './secrets-support';
import { isBlueprintError } from '../../src/errors';
import { decodeActionsPublicKey, isSealedBoxReady, sealedBoxReady, sealForGitHub } from '../../src/github/sealed-box';

describe('sealed boxes for GitHub Actions secrets (libsodium crypto_box_seal)', () => {
  const k = newActionsKey('568250167242549743');

  test('sealing before libsodium is ready fails with a code and a fix', () => {
    expect(isSealedBoxReady()).toBe(false);
    let err: unknown;
    try {
      sealForGitHub('x', k.key);
    } catch (e) {
      err = e;
    }
    expect(isBlueprintError(err) && err.code).toBe('SEALED_BOX_NOT_READY');
    expect(isBlueprintError(err) && err.fix).toContain('sealedBoxReady()');
  });

  describe('once ready', () => {
    beforeAll(() => sealedBoxReady());

    test('the output is standard base64 of ephemeral pk (32) + MAC (16) + message, and opens with tweetnacl-sealedbox-js', () => {
      const msg = 'hello, sealed world ✓';
      const b64 = sealForGitHub(msg, k.key);
      expect(b64).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
      expect(Buffer.from(b64, 'base64').length).toBe(32 + 16 + Buffer.byteLength(msg));
      expect(openSealed(b64, k)).toBe(msg);
    });

    test('bytes are sealed as-is; an empty value too', () => {
      const bytes = new Uint8Array([0, 1, 2, 255, 10, 13]);
      expect(openSealedBytes(sealForGitHub(bytes, k.key), k)).toEqual(Buffer.from(bytes));
      expect(openSealed(sealForGitHub('', k.key), k)).toBe('');
    });

    test('each seal uses a fresh ephemeral key (same input, different ciphertext)', () => {
      expect(sealForGitHub('same', k.key)).not.toBe(sealForGitHub('same', k.key));
    });

    test('a box does not open with another key, nor after one flipped bit', () => {
      const b64 = sealForGitHub('secret', k.key);
      expect(openSealed(b64, newActionsKey('1'))).toBeUndefined();
      const bytes = Buffer.from(b64, 'base64');
      bytes[40] = bytes[40] === 0 ? 1 : 0;
      expect(openSealed(bytes.toString('base64'), k)).toBeUndefined();
    });

    test('rejects a key that is not base64 of 32 bytes', () => {
      const short = Buffer.alloc(31, 7).toString('base64');
      for (const bad of [short, 'not base64!', k.key.replace(/=$/, ''), Buffer.alloc(33).toString('base64')]) {
        expect(() => decodeActionsPublicKey(bad, 'repositories[0].actionsPublicKey.key')).toThrow(/32-byte X25519/);
        expect(() => sealForGitHub('x', bad)).toThrow(expect.objectContaining({ code: 'SEALED_BOX_BAD_KEY' }));
      }
      expect(decodeActionsPublicKey(k.key)).toEqual(k.publicKey);
    });
  });
});
