import * as path from 'node:path';
import { isBlueprintError } from '../../errors';
import { DEFAULT_SCRYPT_N, KeyLabel, KEY_LABELS, SUPPORTED_SCRYPT_N } from '../../keys/encrypted-key';
import { assertKeyPairAbsent, writeKeyPair } from '../../keys/files';
import { generateKeyPair } from '../../keys/key-pair';
import { readPassword } from '../../keys/password';
import { CliIo } from '../io';

export interface KeygenOptions {
  /** directory for cosign.key / cosign.pub; default: the working directory */
  readonly outDir?: string;
  /** replace existing files */
  readonly force?: boolean;
  /** private key PEM label: `sigstore` (default, cosign >= 2.0.1) or `cosign` (older readers) */
  readonly label?: string;
  /** scrypt N: 32768 (widest compatibility), 65536 (default) or 131072 */
  readonly scryptN?: string | number;
}

/** Exit codes: 0 ok, 1 failure, 2 bad option value. */
export async function keygenCommand(opts: KeygenOptions, io: CliIo): Promise<number> {
  const label = parseLabel(opts.label);
  if (label === undefined) {
    io.err(`error: invalid --label ${JSON.stringify(opts.label)}: expected one of ${Object.keys(KEY_LABELS).join(', ')}\n`);
    return 2;
  }
  const scryptN = parseScryptN(opts.scryptN);
  if (scryptN === undefined) {
    io.err(`error: invalid --scrypt-n ${JSON.stringify(String(opts.scryptN))}: expected one of ${SUPPORTED_SCRYPT_N.join(', ')}\n`);
    return 2;
  }
  const outDir = path.resolve(io.cwd, opts.outDir ?? '.');
  try {
    // fail before asking for a password
    await assertKeyPairAbsent(outDir, { force: opts.force });
    const { password } = await readPassword(io, { confirm: true });
    const pair = await generateKeyPair({ password, label, scryptN });
    const written = await writeKeyPair(outDir, pair, { force: opts.force });
    io.out(`Private key written to ${written.privateKeyPath}\n`);
    io.out(`Public key written to ${written.publicKeyPath}\n`);
    io.out(`Public key fingerprint: SHA256:${pair.fingerprint}\n`);
    io.out(`Private key format: ${KEY_LABELS[label]}, scrypt N=${scryptN}\n`);
    io.out(`Keep ${path.basename(written.privateKeyPath)} out of version control (add it to .gitignore) `
      + 'and store it and its password as secrets.\n');
    return 0;
  } catch (e) {
    io.err(formatError(e));
    return 1;
  }
}

function parseLabel(v: string | undefined): KeyLabel | undefined {
  if (v === undefined) return 'sigstore';
  const k = v.trim().toLowerCase();
  return k === 'sigstore' || k === 'cosign' ? k : undefined;
}

function parseScryptN(v: string | number | undefined): number | undefined {
  if (v === undefined) return DEFAULT_SCRYPT_N;
  const s = String(v).trim();
  if (!/^[0-9]+$/.test(s)) return undefined;
  const n = Number(s);
  return SUPPORTED_SCRYPT_N.includes(n) ? n : undefined;
}

/** One line, no secrets: BlueprintError messages never contain password or key bytes. */
export function formatError(e: unknown): string {
  if (isBlueprintError(e)) return `error: ${e.message}${e.fix ? ` (fix: ${e.fix})` : ''}\n`;
  const err = e as NodeJS.ErrnoException;
  return `error: ${String(err?.message ?? e).split('\n')[0]}\n`;
}
