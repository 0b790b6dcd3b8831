import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, sign, verify } from 'node:crypto';
import { BlueprintError } from '../errors';
import { decryptPrivateKeyPem, decryptPrivateKeyPemSync, encryptPrivateKeyPem, KeyLabel, Password } from './encrypted-key';
import { parsePublicKeyPem } from './public-key';

/**
 * cosign-compatible key pairs: ECDSA P-256 (cosign's only `generate-key-pair` algorithm),
 * private half encrypted as cosign does, public half as SPKI `PUBLIC KEY` PEM.
 * Internal: not part of the jsii API.
 */

export interface GenerateKeyPairOptions {
  readonly password: Password;
  /** PEM label of the private key; default `sigstore` (cosign >= 2.0.1) */
  readonly label?: KeyLabel;
  /** scrypt N: 32768, 65536 (default, cosign >= 2.2) or 131072 */
  readonly scryptN?: number;
}

export interface GeneratedKeyPair {
  /** the encrypted private key, content of cosign.key */
  readonly privateKeyPem: string;
  /** SPKI `PUBLIC KEY` PEM, content of cosign.pub */
  readonly publicKeyPem: string;
  /** hex SHA-256 of the SPKI DER */
  readonly fingerprint: string;
}

export async function generateKeyPair(opts: GenerateKeyPairOptions): Promise<GeneratedKeyPair> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
  try {
    const privateKeyPem = await encryptPrivateKeyPem(pkcs8, opts.password, { label: opts.label, scryptN: opts.scryptN });
    const parsed = parsePublicKeyPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
    return { privateKeyPem, publicKeyPem: parsed.pem, fingerprint: parsed.fingerprint };
  } finally {
    pkcs8.fill(0);
  }
}

/** Decrypt a cosign.key into a node KeyObject (any PKCS#8 key type node can parse). */
export async function decryptPrivateKey(pem: string, password: Password): Promise<KeyObject> {
  const { pkcs8Der } = await decryptPrivateKeyPem(pem, password);
  try {
    return createPrivateKey({ key: pkcs8Der, format: 'der', type: 'pkcs8' });
  } finally {
    pkcs8Der.fill(0);
  }
}

/** Like `cosign public-key --key cosign.key`: the SPKI PEM of the key's public half. */
export async function publicKeyFromPrivate(pem: string, password: Password): Promise<string> {
  const key = await decryptPrivateKey(pem, password);
  // createPublicKey derives the public half of a private KeyObject
  return parsePublicKeyPem(createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString()).pem;
}

/** {@link publicKeyFromPrivate} on the calling thread (for the synchronous synth-time checks). */
export function publicKeyFromPrivateSync(pem: string, password: Password): string {
  const { pkcs8Der } = decryptPrivateKeyPemSync(pem, password);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pkcs8Der, format: 'der', type: 'pkcs8' });
  } finally {
    pkcs8Der.fill(0);
  }
  return parsePublicKeyPem(createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString()).pem;
}

function assertP256(key: KeyObject): void {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new BlueprintError('KEY_UNSUPPORTED_ALGORITHM',
      `only ECDSA P-256 keys are supported here (got ${key.asymmetricKeyType} ${key.asymmetricKeyDetails?.namedCurve ?? ''})`.trim());
  }
}

/** ECDSA P-256 / SHA-256 signature, ASN.1 DER encoded (what cosign stores). */
export function signWith(privateKey: KeyObject, data: Uint8Array): Buffer {
  assertP256(privateKey);
  return sign('sha256', data, { key: privateKey, dsaEncoding: 'der' });
}

/** Verify an ECDSA P-256 / SHA-256 DER signature against a `PUBLIC KEY` PEM. */
export function verifyWith(publicPem: string, data: Uint8Array, signature: Uint8Array): boolean {
  const { keyObject } = parsePublicKeyPem(publicPem);
  assertP256(keyObject);
  return verify('sha256', data, { key: keyObject, dsaEncoding: 'der' }, signature);
}
