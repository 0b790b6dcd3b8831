import { createHash, createPublicKey, KeyObject } from 'node:crypto';
import { BlueprintError } from '../errors';

/** A parsed cosign public key (SPKI `PUBLIC KEY` PEM). */
export interface ParsedPublicKey {
  /** the PEM, normalized (one trailing newline) */
  readonly pem: string;
  /** DER SubjectPublicKeyInfo bytes: what ISB-KEY-001 compares */
  readonly spkiDer: Buffer;
  /** hex SHA-256 of the SPKI DER */
  readonly fingerprint: string;
  /** e.g. `ec P-256`, `rsa 2048`, `ed25519` */
  readonly algorithm: string;
  readonly keyObject: KeyObject;
}

const PEM_RE = /-----BEGIN PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PUBLIC KEY-----/;

/**
 * Parse a PEM `PUBLIC KEY` (SPKI). Throws BlueprintError code `KEY_PUBLIC_INVALID`.
 */
export function parsePublicKeyPem(text: string, where = 'public key'): ParsedPublicKey {
  const m = PEM_RE.exec(text);
  if (!m) {
    const hint = /PRIVATE KEY/.test(text)
      ? ' It looks like a PRIVATE key: never put private key material in the config or a public key file.'
      : '';
    throw new BlueprintError('KEY_PUBLIC_INVALID',
      `${where} is not a PEM "PUBLIC KEY" (SubjectPublicKeyInfo).${hint}`,
      { fix: 'use the cosign.pub written by `cosign generate-key-pair` or `image-signing-blueprint keygen`' });
  }
  let keyObject: KeyObject;
  try {
    keyObject = createPublicKey({ key: m[0], format: 'pem' });
  } catch (e) {
    throw new BlueprintError('KEY_PUBLIC_INVALID', `${where}: the PEM does not hold a valid public key (${(e as Error).message})`,
      { fix: 'regenerate cosign.pub with `cosign public-key --key cosign.key`' });
  }
  const spkiDer = keyObject.export({ type: 'spki', format: 'der' });
  const type = keyObject.asymmetricKeyType;
  const details = keyObject.asymmetricKeyDetails ?? {};
  let algorithm = String(type);
  if (type === 'ec') algorithm = `ec ${details.namedCurve === 'prime256v1' ? 'P-256' : details.namedCurve === 'secp384r1' ? 'P-384' : details.namedCurve === 'secp521r1' ? 'P-521' : details.namedCurve}`;
  else if (type === 'rsa') algorithm = `rsa ${details.modulusLength}`;
  const pem = keyObject.export({ type: 'spki', format: 'pem' }).toString();
  return {
    pem: pem.endsWith('\n') ? pem : pem + '\n',
    spkiDer,
    fingerprint: createHash('sha256').update(spkiDer).digest('hex'),
    algorithm,
    keyObject,
  };
}

/** True when both PEMs hold the same key (compares SPKI bytes, not text). */
export function samePublicKey(a: string, b: string): boolean {
  return parsePublicKeyPem(a).spkiDer.equals(parsePublicKeyPem(b).spkiDer);
}
