import * as fs from 'node:fs';
import { isBlueprintError } from '../errors';
import { publicKeyFromPrivateSync } from '../keys/key-pair';
import { parsePublicKeyPem } from '../keys/public-key';
import { BlueprintModel, KeyModel, PreviousPublicKeyModel } from '../model/model';

/*
 * Key checks for the rule engine: ISB-KEY-001 (the key pair's public key is the policies' key)
 * and ISB-KEY-004 (a previous key kept for rotation is past its end date). Messages name files,
 * config paths, environment variables and public-key fingerprints only: never key material or
 * the password. Internal: not part of the jsii API.
 */

/** Environment variable holding the private key's password (cosign's own name). */
const PASSWORD_ENV = 'COSIGN_PASSWORD';
const MAX_PRIVATE_KEY_BYTES = 64 * 1024;

export type KeyPairStatus = 'match' | 'mismatch' | 'unchecked';

/** Why a pair was not checked (status unchecked). */
export type KeyPairUncheckedReason =
  | 'keyless' | 'no-private-key-file' | 'no-password' | 'unreadable' | 'malformed' | 'decrypt-failed';

export interface KeyPairCheck {
  readonly status: KeyPairStatus;
  readonly message: string;
  /** config path the result is about */
  readonly path: string;
  /** with status unchecked */
  readonly reason?: KeyPairUncheckedReason;
  /** with status mismatch: the previous key (rotation) the private key belongs to, if any */
  readonly matchesPreviousKey?: string;
}

const PATH = 'signing.key.privateKeyFile';

function unchecked(reason: KeyPairUncheckedReason, message: string, path = PATH): KeyPairCheck {
  return { status: 'unchecked', reason, path, message: `the key pair could not be checked: ${message}` };
}

/**
 * ISB-KEY-001: decrypts `signing.key.privateKeyFile` with COSIGN_PASSWORD, derives its public key
 * and compares the SPKI bytes with the blueprint's public key (the one every policy carries).
 * `unchecked` when there is no private key file or no password, or it cannot be read/decrypted.
 */
export async function checkKeyPair(model: BlueprintModel, env: Record<string, string | undefined>): Promise<KeyPairCheck> {
  const key = model.signing.key;
  if (!key) return { status: 'unchecked', reason: 'keyless', path: 'signing.mode', message: 'keyless signing: there is no key pair to check' };
  return checkKeyModelPair(key, env);
}

/**
 * The pair check of one signer's key (the top-level key or a repository's own), on the calling
 * thread: the rules run inside the synchronous `synth`/`check`. The result's path is the key
 * block's `privateKeyFile` (`signing.key.privateKeyFile`, `repositories[i].signing.key.privateKeyFile`).
 */
export function checkKeyModelPair(key: KeyModel, env: Readonly<Record<string, string | undefined>>): KeyPairCheck {
  const path = `${key.configPath}.privateKeyFile`;
  const rel = key.privateKeyFileRel ?? 'cosign.key';
  if (key.privateKeyFile === undefined) {
    return unchecked('no-private-key-file', `${path} is not set; name cosign.key there (and set ${PASSWORD_ENV}) to prove it matches the public key`, path);
  }
  const password = env[PASSWORD_ENV];
  if (password === undefined) {
    return unchecked('no-password', `${PASSWORD_ENV} is not set, so ${rel} cannot be decrypted; set it to check that ${rel} matches the public key`, path);
  }
  let pem: string;
  try {
    const st = fs.statSync(key.privateKeyFile);
    if (!st.isFile() || st.size > MAX_PRIVATE_KEY_BYTES) return unchecked('unreadable', `${rel} is not a cosign private key file`, path);
    pem = fs.readFileSync(key.privateKeyFile, 'utf8');
  } catch {
    return unchecked('unreadable', `${rel} cannot be read`, path);
  }
  let derived: Buffer;
  try {
    derived = parsePublicKeyPem(publicKeyFromPrivateSync(pem, password)).spkiDer;
  } catch (e) {
    if (isBlueprintError(e) && e.code === 'KEY_DECRYPT_FAILED') {
      return unchecked('decrypt-failed', `${rel} does not decrypt with ${PASSWORD_ENV} (wrong password?)`, path);
    }
    // BlueprintError messages from src/keys describe the format only, never the key or password
    const detail = isBlueprintError(e) ? ` (${e.code}: ${e.message})` : '';
    return unchecked('malformed', `${rel} is not a readable cosign private key${detail}`, path);
  }
  const fp = (der: Buffer) => parsePublicKeyPem(toPem(der)).fingerprint;
  if (derived.equals(key.publicKey!.spkiDer)) {
    return { status: 'match', path, message: `${rel} matches the public key (SHA256:${key.publicKey!.fingerprint})` };
  }
  const previous = key.previousPublicKeys.find((p) => p.key.spkiDer.equals(derived));
  const where = key.publicKeyFile ?? `${key.configPath}.publicKey`;
  return {
    status: 'mismatch',
    path,
    matchesPreviousKey: previous?.file,
    message: `${rel} belongs to public key SHA256:${fp(derived)}, not to ${where} (SHA256:${key.publicKey!.fingerprint})`
      + (previous ? `: it is the previous key ${previous.file}, so the workflow would still sign with the old key` : '')
      + '; policies would reject every signature made with it',
  };
}

function toPem(spkiDer: Buffer): string {
  const lines = spkiDer.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----\n`;
}

/** A previous key past its end date (ISB-KEY-004). */
export interface ExpiredPreviousKey {
  readonly file: string;
  /** config path of the entry, `signing.key.previousKeys[i]` */
  readonly path: string;
  readonly notAfter: string;
  /** hex SHA-256 of the SPKI DER */
  readonly fingerprint: string;
  readonly message: string;
}

/** First instant after the end date: `notAfter` is the last day (UTC) the key is accepted. */
export function previousKeyExpiresAt(notAfter: string): Date {
  const [y, m, d] = notAfter.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + 1));
}

/** ISB-KEY-004: previous keys (rotation) whose end date has passed at `now`. Pure. */
export function expiredPreviousKeys(model: BlueprintModel, now: Date): ExpiredPreviousKey[] {
  const previous: readonly PreviousPublicKeyModel[] = model.signing.key?.previousPublicKeys ?? [];
  return previous
    .filter((p): p is PreviousPublicKeyModel & { notAfter: string } =>
      p.notAfter !== undefined && now.getTime() >= previousKeyExpiresAt(p.notAfter).getTime())
    .map((p) => ({
      file: p.file,
      path: p.path,
      notAfter: p.notAfter,
      fingerprint: p.key.fingerprint,
      message: `previous key ${p.file} (SHA256:${p.key.fingerprint}) was to be accepted until ${p.notAfter}; the policies still accept it`,
    }));
}
