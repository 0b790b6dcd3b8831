import { createPrivateKey, randomBytes, scrypt as scryptCb, scryptSync } from 'node:crypto';
import * as nacl from 'tweetnacl';
import { BlueprintError } from '../errors';

/**
 * cosign's encrypted private key (go-securesystemslib `encrypted` package, cosign >= 2.2;
 * go-tuf `encrypted` before): PKCS#8 DER -> scrypt key -> NaCl secretbox -> compact JSON -> PEM.
 * Sources: cosign `pkg/cosign/keys.go` and go-securesystemslib `encrypted/encrypted.go`. Internal: not part of the jsii API.
 */

/** PEM label written by cosign >= v2.0.1 (our default). */
export const SIGSTORE_PEM_LABEL = 'ENCRYPTED SIGSTORE PRIVATE KEY';
/** PEM label written by cosign <= v2.0.0; the only one containers/image < v5.25 reads. */
export const COSIGN_PEM_LABEL = 'ENCRYPTED COSIGN PRIVATE KEY';

/** Short names for the two labels, as used by `keygen --label`. */
export type KeyLabel = 'sigstore' | 'cosign';
export const KEY_LABELS: Readonly<Record<KeyLabel, string>> = {
  sigstore: SIGSTORE_PEM_LABEL,
  cosign: COSIGN_PEM_LABEL,
};

/** The only scrypt N values readers accept (r=8, p=1 always): legacy, standard, OWASP. */
export const SUPPORTED_SCRYPT_N: readonly number[] = [32768, 65536, 131072];
/** go-securesystemslib's default (`Standard`), what cosign >= 2.2 writes. */
export const DEFAULT_SCRYPT_N = 65536;
const SCRYPT_R = 8;
const SCRYPT_P = 1;
const SALT_SIZE = 32;
const KEY_SIZE = 32;
const NONCE_SIZE = 24;
/** scrypt needs 128*N*r bytes: 128 MiB at N=131072; leave headroom above it. */
const SCRYPT_MAXMEM = 256 * 1024 * 1024;

export type Password = string | Uint8Array;

export interface EncryptOptions {
  /** scrypt N: 32768, 65536 (default) or 131072 */
  readonly scryptN?: number;
  /** for tests only: fixed 32-byte salt */
  readonly salt?: Uint8Array;
  /** for tests only: fixed 24-byte nonce */
  readonly nonce?: Uint8Array;
}

export interface EncryptPemOptions extends EncryptOptions {
  /** PEM label; default `sigstore` */
  readonly label?: KeyLabel;
}

export interface DecryptedPrivateKey {
  /** PKCS#8 DER of the private key; callers should not keep it longer than needed */
  readonly pkcs8Der: Buffer;
  /** the PEM label found */
  readonly pemLabel: string;
  /** scrypt N found in the blob */
  readonly scryptN: number;
}

function passwordBytes(password: Password): Buffer {
  return typeof password === 'string' ? Buffer.from(password, 'utf8') : Buffer.from(password);
}

function deriveKey(password: Password, salt: Uint8Array, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(passwordBytes(password), salt, KEY_SIZE, { N: n, r: SCRYPT_R, p: SCRYPT_P, maxmem: SCRYPT_MAXMEM },
      (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function checkScryptN(n: unknown): number {
  if (typeof n !== 'number' || !SUPPORTED_SCRYPT_N.includes(n)) {
    throw new BlueprintError('KEY_UNSUPPORTED_KDF',
      `unsupported scrypt parameters: N must be one of ${SUPPORTED_SCRYPT_N.join(', ')} (got ${String(n)})`,
      { fix: 'use --scrypt-n 32768 (widest compatibility), 65536 (cosign default) or 131072' });
  }
  return n;
}

/**
 * Encrypt bytes into the go-securesystemslib JSON blob (compact, Go field order).
 * Returns the JSON as a UTF-8 buffer.
 */
export async function encryptBlob(plaintext: Uint8Array, password: Password, opts: EncryptOptions = {}): Promise<Buffer> {
  const n = checkScryptN(opts.scryptN ?? DEFAULT_SCRYPT_N);
  const salt = opts.salt ?? randomBytes(SALT_SIZE);
  const nonce = opts.nonce ?? randomBytes(NONCE_SIZE);
  if (salt.length !== SALT_SIZE) throw new BlueprintError('KEY_MALFORMED', `salt must be ${SALT_SIZE} bytes`);
  if (nonce.length !== NONCE_SIZE) throw new BlueprintError('KEY_MALFORMED', `nonce must be ${NONCE_SIZE} bytes`);
  const key = await deriveKey(password, salt, n);
  try {
    const box = nacl.secretbox(new Uint8Array(plaintext), new Uint8Array(nonce), new Uint8Array(key));
    const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
    // Built as a string so the field order is exactly Go's struct order, whatever JSON.stringify does.
    const json = '{"kdf":{"name":"scrypt","params":{"N":' + n + ',"r":' + SCRYPT_R + ',"p":' + SCRYPT_P + '},'
      + '"salt":"' + b64(salt) + '"},"cipher":{"name":"nacl/secretbox","nonce":"' + b64(nonce) + '"},'
      + '"ciphertext":"' + b64(box) + '"}';
    return Buffer.from(json, 'utf8');
  } finally {
    key.fill(0);
  }
}

const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function malformed(detail: string): BlueprintError {
  return new BlueprintError('KEY_MALFORMED', `encrypted private key is malformed: ${detail}`,
    { fix: 'use the cosign.key written by `cosign generate-key-pair` or `image-signing-blueprint keygen`' });
}

function b64Field(v: unknown, name: string): Buffer {
  if (typeof v !== 'string' || !B64_RE.test(v)) throw malformed(`${name} is not standard base64`);
  return Buffer.from(v, 'base64');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

interface ParsedBlob { n: number; salt: Buffer; nonce: Buffer; ciphertext: Buffer }

function parseBlob(json: Uint8Array | string): ParsedBlob {
  let data: unknown;
  try {
    data = JSON.parse(typeof json === 'string' ? json : Buffer.from(json).toString('utf8'));
  } catch {
    throw malformed('the PEM body is not JSON');
  }
  if (!isObject(data) || !isObject(data.kdf) || !isObject(data.cipher)) throw malformed('missing "kdf" or "cipher"');
  const { kdf, cipher } = data;
  if (kdf.name !== 'scrypt') {
    throw new BlueprintError('KEY_UNSUPPORTED_KDF', `unsupported key derivation function ${JSON.stringify(kdf.name)}: only "scrypt" is supported`);
  }
  if (cipher.name !== 'nacl/secretbox') {
    throw new BlueprintError('KEY_UNSUPPORTED_CIPHER', `unsupported cipher ${JSON.stringify(cipher.name)}: only "nacl/secretbox" is supported`);
  }
  const params = isObject(kdf.params) ? kdf.params : {};
  if (params.r !== SCRYPT_R || params.p !== SCRYPT_P || !SUPPORTED_SCRYPT_N.includes(params.N as number)) {
    throw new BlueprintError('KEY_UNSUPPORTED_KDF',
      `unsupported scrypt parameters N=${String(params.N)} r=${String(params.r)} p=${String(params.p)}: `
      + `cosign reads only N in {${SUPPORTED_SCRYPT_N.join(', ')}} with r=8, p=1`);
  }
  const salt = b64Field(kdf.salt, 'kdf.salt');
  const nonce = b64Field(cipher.nonce, 'cipher.nonce');
  const ciphertext = b64Field(data.ciphertext, 'ciphertext');
  if (salt.length === 0) throw malformed('kdf.salt is empty');
  if (nonce.length !== NONCE_SIZE) throw malformed(`cipher.nonce must be ${NONCE_SIZE} bytes`);
  if (ciphertext.length < nacl.secretbox.overheadLength) throw malformed('ciphertext is too short');
  return { n: params.N as number, salt, nonce, ciphertext };
}

/** Decrypt a go-securesystemslib JSON blob. Wrong password: `KEY_DECRYPT_FAILED`. */
export async function decryptBlob(json: Uint8Array | string, password: Password): Promise<Buffer> {
  return decryptParsed(parseBlob(json), password);
}

async function decryptParsed(blob: ParsedBlob, password: Password): Promise<Buffer> {
  return openBlob(blob, await deriveKey(password, blob.salt, blob.n));
}

/** Opens the secretbox with the derived key (and wipes the key). */
function openBlob(blob: ParsedBlob, key: Buffer): Buffer {
  try {
    const out = nacl.secretbox.open(new Uint8Array(blob.ciphertext), new Uint8Array(blob.nonce), new Uint8Array(key));
    if (!out) {
      throw new BlueprintError('KEY_DECRYPT_FAILED', 'encrypted private key: decryption failed: wrong password?',
        { fix: 'check COSIGN_PASSWORD (it is used as-is: a trailing newline or space is part of the password)' });
    }
    return Buffer.from(out);
  } finally {
    key.fill(0);
  }
}

const PEM_RE = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n\t ]*?)-----END \1-----/;

/** Wrap base64 at 64 characters, like Go's encoding/pem. */
export function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}${lines.length ? '\n' : ''}-----END ${label}-----\n`;
}

/** Split a PEM into label and body bytes. `KEY_MALFORMED` when there is no PEM block. */
export function parsePem(text: string): { label: string; body: Buffer } {
  const m = PEM_RE.exec(text);
  if (!m) {
    const begin = /-----BEGIN ([^-]+)-----/.exec(text);
    if (begin && !Object.values(KEY_LABELS).includes(begin[1])) throw unsupportedLabel(begin[1]);
    throw malformed('no complete PEM block found');
  }
  const body = m[2].replace(/\s+/g, '');
  if (!B64_RE.test(body)) throw malformed('the PEM body is not base64');
  return { label: m[1], body: Buffer.from(body, 'base64') };
}

function unsupportedLabel(label: string): BlueprintError {
  const hint = /PRIVATE KEY/.test(label) && !/ENCRYPTED (COSIGN|SIGSTORE)/.test(label)
    ? ' Import a plain private key with `cosign import-key-pair --key <file>` first.'
    : '';
  return new BlueprintError('KEY_UNSUPPORTED_PEM_TYPE',
    `unsupported pem type "${label}": expected "${SIGSTORE_PEM_LABEL}" or "${COSIGN_PEM_LABEL}".${hint}`);
}

/** Encrypt a PKCS#8 DER private key into cosign's PEM format. */
export async function encryptPrivateKeyPem(pkcs8Der: Uint8Array, password: Password, opts: EncryptPemOptions = {}): Promise<string> {
  const label = KEY_LABELS[opts.label ?? 'sigstore'];
  if (!label) throw new BlueprintError('KEY_UNSUPPORTED_PEM_TYPE', `unknown label ${JSON.stringify(opts.label)}: use sigstore or cosign`);
  return toPem(label, await encryptBlob(pkcs8Der, password, opts));
}

/**
 * Decrypt cosign's encrypted private key PEM (either label) and check the inner key is PKCS#8,
 * as cosign's `LoadPrivateKey` does (`KEY_NOT_PKCS8` otherwise, e.g. for a SEC1 `EC PRIVATE KEY`).
 */
export async function decryptPrivateKeyPem(pem: string, password: Password): Promise<DecryptedPrivateKey> {
  const { label, blob } = parseEncryptedPem(pem);
  return checkedKey(await decryptParsed(blob, password), label, blob.n);
}

/** The label and the parsed JSON blob of an encrypted key PEM (either label). */
function parseEncryptedPem(pem: string): { label: string; blob: ReturnType<typeof parseBlob> } {
  const { label, body } = parsePem(pem);
  if (label !== SIGSTORE_PEM_LABEL && label !== COSIGN_PEM_LABEL) throw unsupportedLabel(label);
  return { label, blob: parseBlob(body) };
}

/** The decrypted key, when it is PKCS#8 (wiped and refused otherwise). */
function checkedKey(pkcs8Der: Buffer, pemLabel: string, scryptN: number): DecryptedPrivateKey {
  try {
    assertPkcs8(pkcs8Der);
  } catch (e) {
    pkcs8Der.fill(0);
    throw e;
  }
  return { pkcs8Der, pemLabel, scryptN };
}

/**
 * {@link decryptPrivateKeyPem} on the calling thread (scryptSync): for the synth-time key pair
 * check, which runs inside the synchronous `synth`/`check`. One scrypt at N=65536 takes ~0.1 s.
 */
export function decryptPrivateKeyPemSync(pem: string, password: Password): DecryptedPrivateKey {
  const { label, blob } = parseEncryptedPem(pem);
  const key = scryptSync(passwordBytes(password), blob.salt, KEY_SIZE, { N: blob.n, r: SCRYPT_R, p: SCRYPT_P, maxmem: SCRYPT_MAXMEM });
  return checkedKey(openBlob(blob, key), label, blob.n);
}

function assertPkcs8(der: Buffer): void {
  try {
    createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    return;
  } catch {
    // fall through: say what it is instead, when we can tell
  }
  let what = 'not a PKCS#8 private key';
  try {
    createPrivateKey({ key: der, format: 'der', type: 'sec1' });
    what = 'a SEC1 "EC PRIVATE KEY", not PKCS#8';
  } catch {
    try {
      createPrivateKey({ key: der, format: 'der', type: 'pkcs1' });
      what = 'a PKCS#1 "RSA PRIVATE KEY", not PKCS#8';
    } catch {
      // unknown encoding
    }
  }
  throw new BlueprintError('KEY_NOT_PKCS8', `the decrypted private key is ${what}; cosign requires PKCS#8`,
    { fix: 're-import the key with `cosign import-key-pair` or generate a new one with `image-signing-blueprint keygen`' });
}
