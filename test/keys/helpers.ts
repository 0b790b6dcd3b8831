import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SIGSTORE_PEM_LABEL, toPem } from '../../src/keys/encrypted-key';

/** PEM-wrap any JSON value with the SIGSTORE label (to build malformed keys). */
export function pemOfJson(value: unknown, label = SIGSTORE_PEM_LABEL): string {
  return toPem(label, Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8'));
}

/** Decode the JSON blob inside an encrypted key PEM. */
export function blobOf(pem: string): any {
  const body = pem.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
  return JSON.parse(Buffer.from(body, 'base64').toString('utf8'));
}

export function p256Pkcs8(): Buffer {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'der' });
}

export function p256Sec1(): Buffer {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'sec1', format: 'der' });
}

export function tempDir(prefix = 'isb-keys-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const FIXTURES = path.join(__dirname, '..', 'fixtures', 'keys');
