import * as fs from 'node:fs';
import * as path from 'node:path';
import * as nacl from 'tweetnacl';
import { generateKeyPair } from '../../src/keys/key-pair';
import { tempDir } from '../support/fixtures';

/** The independent opener: tweetnacl + blakejs, not libsodium. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sealedbox: { open(ct: Uint8Array, pk: Uint8Array, sk: Uint8Array): Uint8Array | null } = require('tweetnacl-sealedbox-js');

/** A test stand-in for GitHub's Actions secrets key pair (X25519), with the API's answer shape. */
export interface TestActionsKey {
  readonly keyId: string;
  readonly key: string;
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

export function newActionsKey(keyId: string): TestActionsKey {
  const kp = nacl.box.keyPair();
  return { keyId, key: Buffer.from(kp.publicKey).toString('base64'), secretKey: kp.secretKey, publicKey: kp.publicKey };
}

/** Opens a base64 sealed box with the test key; undefined when it does not open. */
export function openSealedBytes(b64: string, k: TestActionsKey): Buffer | undefined {
  const opened = sealedbox.open(new Uint8Array(Buffer.from(b64, 'base64')), k.publicKey, k.secretKey);
  return opened ? Buffer.from(opened) : undefined;
}

/** Opens a base64 sealed box with the test key as UTF-8 text; undefined when it does not open. */
export function openSealed(b64: string, k: TestActionsKey): string | undefined {
  return openSealedBytes(b64, k)?.toString('utf8');
}

export const PASSWORD = 'pa55 w0rd: with spaces & "quotes" 9c1e';

export interface KeyProject {
  readonly dir: string;
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

/** A folder with a real cosign key pair (cosign.key encrypted with PASSWORD, scrypt N=32768 for speed). */
export async function keyProject(): Promise<KeyProject> {
  const dir = tempDir('isb-secrets-');
  const pair = await generateKeyPair({ password: PASSWORD, scryptN: 32768 });
  fs.writeFileSync(path.join(dir, 'cosign.key'), pair.privateKeyPem, { mode: 0o600 });
  fs.writeFileSync(path.join(dir, 'cosign.pub'), pair.publicKeyPem);
  return { dir, privateKeyPem: pair.privateKeyPem, publicKeyPem: pair.publicKeyPem };
}

/**
 * Everything that would betray the private key or the password in an output file: the PEM,
 * each line of its body, the encrypted JSON blob and its ciphertext field, the password, and the
 * base64 of the PEM and of the password.
 */
export function secretNeedles(privateKeyPem: string, password: string): string[] {
  const bodyLines = privateKeyPem.split('\n').filter((l) => l.length > 0 && !l.startsWith('-----'));
  const blob = Buffer.from(bodyLines.join(''), 'base64').toString('utf8');
  const ciphertext = (JSON.parse(blob) as { ciphertext: string }).ciphertext;
  return [
    privateKeyPem,
    ...bodyLines,
    blob,
    ciphertext,
    'PRIVATE KEY-----',
    password,
    Buffer.from(password).toString('base64'),
    Buffer.from(privateKeyPem).toString('base64').slice(0, 64),
    JSON.stringify(password).slice(1, -1),
  ];
}

/** Temporarily sets (or unsets, with undefined) environment variables around fn. */
export function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(vars)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
