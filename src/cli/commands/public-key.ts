import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { BlueprintError } from '../../errors';
import { publicKeyFromPrivate } from '../../keys/key-pair';
import { readPassword } from '../../keys/password';
import { CliIo } from '../io';
import { formatError } from './keygen';

export interface PublicKeyOptions {
  /** the encrypted private key: a path, or `env://VAR` (PEM text in env var VAR), as in cosign */
  readonly key?: string;
}

/**
 * Like `cosign public-key --key cosign.key`: prints the SPKI `PUBLIC KEY` PEM on stdout.
 * Exit codes: 0 ok, 1 failure, 2 bad option value.
 */
export async function publicKeyCommand(opts: PublicKeyOptions, io: CliIo): Promise<number> {
  const ref = opts.key?.trim();
  if (!ref) {
    io.err('error: --key is required (path to cosign.key or env://VAR)\n');
    return 2;
  }
  const scheme = /^([a-z0-9]+):\/\//i.exec(ref);
  if (scheme && scheme[1].toLowerCase() !== 'env') {
    io.err(`error: unsupported key reference ${JSON.stringify(scheme[0])}: use a file path or env://VAR\n`);
    return 2;
  }
  try {
    const pem = await loadKeyRef(ref, io);
    const { password } = await readPassword(io, { confirm: false });
    io.out(await publicKeyFromPrivate(pem, password));
    return 0;
  } catch (e) {
    io.err(formatError(e));
    return 1;
  }
}

async function loadKeyRef(ref: string, io: CliIo): Promise<string> {
  if (ref.toLowerCase().startsWith('env://')) {
    const name = ref.slice('env://'.length);
    const v = io.env[name];
    if (v === undefined) throw new BlueprintError('KEY_NOT_FOUND', `env var $${name} not found`);
    return v;
  }
  const file = path.resolve(io.cwd, ref);
  try {
    return await fsp.readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new BlueprintError('KEY_NOT_FOUND', `cannot read private key ${file}${code ? ` (${code})` : ''}`);
  }
}
