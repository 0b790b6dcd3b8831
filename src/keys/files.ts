import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { BlueprintError } from '../errors';

/**
 * Safe writing of cosign.key / cosign.pub: no overwrite without force, temp file in the same
 * directory then link/rename (a target is always either absent, old or complete), exact modes,
 * temp files removed on failure. Internal: not part of the jsii API.
 */

export const PRIVATE_KEY_MODE = 0o600;
export const PUBLIC_KEY_MODE = 0o644;

/** The file system steps, injectable so tests can simulate failures. */
export interface KeyFileOps {
  /** create `file` (must not exist) with `mode`, write all of `data` and flush it to disk */
  writeNew(file: string, data: string, mode: number): Promise<void>;
  /** hard link; must fail with EEXIST when `to` exists (used for no-overwrite commits) */
  link(from: string, to: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(file: string): Promise<void>;
  /** true when something (even a dangling symlink) exists at `file` */
  exists(file: string): Promise<boolean>;
  mkdirp(dir: string): Promise<void>;
}

export const nodeKeyFileOps: KeyFileOps = {
  async writeNew(file, data, mode) {
    // created with the final mode so the private key is never readable by others, even briefly
    const fh = await fsp.open(file, 'wx', mode);
    try {
      await fh.writeFile(data, 'utf8');
      await fh.chmod(mode); // exact mode, whatever the umask
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
  link: (from, to) => fsp.link(from, to),
  rename: (from, to) => fsp.rename(from, to),
  unlink: (file) => fsp.unlink(file),
  async exists(file) {
    try {
      await fsp.lstat(file);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
  },
  async mkdirp(dir) {
    await fsp.mkdir(dir, { recursive: true });
  },
};

export interface KeyPairFiles {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

export interface WriteKeyPairOptions {
  /** replace existing files */
  readonly force?: boolean;
  /** file name prefix, like cosign's `--output-key-prefix`; default `cosign` */
  readonly prefix?: string;
  /** for tests: replace some file system steps */
  readonly ops?: Partial<KeyFileOps>;
}

export interface WrittenKeyPair {
  readonly privateKeyPath: string;
  readonly publicKeyPath: string;
}

export function keyPairPaths(outDir: string, prefix = 'cosign'): WrittenKeyPair {
  return {
    privateKeyPath: path.join(outDir, `${prefix}.key`),
    publicKeyPath: path.join(outDir, `${prefix}.pub`),
  };
}

function fileExists(file: string): BlueprintError {
  return new BlueprintError('KEY_FILE_EXISTS',
    `${file} already exists; refusing to overwrite it (use --force to replace it)`,
    { fix: 'choose another --out-dir, or pass --force if you really want to replace the key pair' });
}

/** Throws `KEY_FILE_EXISTS` when either target exists (and force is not set). */
export async function assertKeyPairAbsent(outDir: string, opts: WriteKeyPairOptions = {}): Promise<void> {
  if (opts.force) return;
  const ops = { ...nodeKeyFileOps, ...opts.ops };
  const { privateKeyPath, publicKeyPath } = keyPairPaths(outDir, opts.prefix);
  for (const f of [privateKeyPath, publicKeyPath]) {
    if (await ops.exists(f)) throw fileExists(f);
  }
}

async function commit(ops: KeyFileOps, tmp: string, target: string, force: boolean): Promise<void> {
  if (force) {
    await ops.rename(tmp, target);
    return;
  }
  try {
    await ops.link(tmp, target); // atomic "create if absent"
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw fileExists(target);
    // file systems without hard links: check, then rename (small race, documented)
    if (await ops.exists(target)) throw fileExists(target);
    await ops.rename(tmp, target);
    return;
  }
  await ops.unlink(tmp);
}

/**
 * Write `<prefix>.key` (0600) and `<prefix>.pub` (0644) into outDir (created if missing).
 * On failure no temp file is left and no target is left half-written; a key file this call
 * already created is removed again, so a failed run leaves no new files behind.
 */
export async function writeKeyPair(outDir: string, pair: KeyPairFiles, opts: WriteKeyPairOptions = {}): Promise<WrittenKeyPair> {
  const ops: KeyFileOps = { ...nodeKeyFileOps, ...opts.ops };
  const force = opts.force === true;
  const paths = keyPairPaths(outDir, opts.prefix);
  await ops.mkdirp(outDir);
  await assertKeyPairAbsent(outDir, { ...opts, ops });

  const tag = `${process.pid}.${randomBytes(6).toString('hex')}`;
  const jobs = [
    { target: paths.privateKeyPath, data: pair.privateKeyPem, mode: PRIVATE_KEY_MODE },
    { target: paths.publicKeyPath, data: pair.publicKeyPem, mode: PUBLIC_KEY_MODE },
  ].map((j) => ({ ...j, tmp: path.join(outDir, `.${path.basename(j.target)}.${tag}.tmp`) }));

  const temps: string[] = [];
  const created: string[] = [];
  const committed: string[] = [];
  // with force, the old pair is kept (hard links) until both new files are in place, so a failure
  // between the two renames restores it: never a new private key next to the old public key
  const backups: { target: string; backup: string }[] = [];
  try {
    for (const j of jobs) {
      try {
        await ops.writeNew(j.tmp, j.data, j.mode);
      } catch (e) {
        // EEXIST: not our file, leave it alone; anything else may have left a partial temp file
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') temps.push(j.tmp);
        throw e;
      }
      temps.push(j.tmp);
    }
    if (force) {
      for (const j of jobs) {
        if (!(await ops.exists(j.target))) continue;
        const backup = path.join(outDir, `.${path.basename(j.target)}.${tag}.bak`);
        try {
          await ops.link(j.target, backup);
          backups.push({ target: j.target, backup });
        } catch {
          // no hard links here: the old file cannot be kept aside (the rename is still atomic per file)
        }
      }
    }
    for (const j of jobs) {
      const existed = force && await ops.exists(j.target);
      await commit(ops, j.tmp, j.target, force);
      committed.push(j.target);
      if (!existed) created.push(j.target);
    }
    for (const b of backups) await quietly(() => ops.unlink(b.backup));
    return paths;
  } catch (e) {
    for (const b of backups) {
      if (committed.includes(b.target)) await quietly(() => ops.rename(b.backup, b.target));
      else await quietly(() => ops.unlink(b.backup));
    }
    for (const f of [...temps, ...created]) await quietly(() => ops.unlink(f)); // already gone (committed temp) or never created
    throw e;
  }
}

async function quietly(step: () => Promise<void>): Promise<void> {
  try {
    await step();
  } catch {
    // best effort while rolling back: the original error is what the caller sees
  }
}
