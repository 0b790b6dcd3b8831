import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './helpers';
import { BlueprintError } from '../../src/errors';
import { nodeKeyFileOps, writeKeyPair } from '../../src/keys/files';

const PAIR = {
  privateKeyPem: '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n',
  publicKeyPem: '-----BEGIN PUBLIC KEY-----\nBBBB\n-----END PUBLIC KEY-----\n',
};
const PAIR2 = {
  privateKeyPem: PAIR.privateKeyPem.replace('AAAA', 'CCCC'),
  publicKeyPem: PAIR.publicKeyPem.replace('BBBB', 'DDDD'),
};

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

const mode = (f: string) => statSync(f).mode % 0o1000;

describe('writeKeyPair', () => {
  test('writes cosign.key 0600 and cosign.pub 0644 with exact contents, no temp files left', async () => {
    const old = process.umask(0o077); // a strict umask must not change the public key mode
    try {
      const w = await writeKeyPair(dir, PAIR);
      expect(w.privateKeyPath).toBe(path.join(dir, 'cosign.key'));
      expect(w.publicKeyPath).toBe(path.join(dir, 'cosign.pub'));
      expect(readFileSync(w.privateKeyPath, 'utf8')).toBe(PAIR.privateKeyPem);
      expect(readFileSync(w.publicKeyPath, 'utf8')).toBe(PAIR.publicKeyPem);
      expect(mode(w.privateKeyPath)).toBe(0o600);
      expect(mode(w.publicKeyPath)).toBe(0o644);
      expect(readdirSync(dir).sort()).toEqual(['cosign.key', 'cosign.pub']);
    } finally {
      process.umask(old);
    }
  });

  test('private key is 0600 even with a permissive umask', async () => {
    const old = process.umask(0);
    try {
      await writeKeyPair(dir, PAIR);
      expect(mode(path.join(dir, 'cosign.key'))).toBe(0o600);
    } finally {
      process.umask(old);
    }
  });

  test('creates a missing output directory; honours prefix', async () => {
    const out = path.join(dir, 'a', 'b');
    const w = await writeKeyPair(out, PAIR, { prefix: 'release' });
    expect(w.privateKeyPath).toBe(path.join(out, 'release.key'));
    expect(existsSync(path.join(out, 'release.pub'))).toBe(true);
  });

  test.each(['cosign.key', 'cosign.pub'])('refuses to overwrite an existing %s without force', async (name) => {
    writeFileSync(path.join(dir, name), 'precious');
    let err: unknown;
    try {
      await writeKeyPair(dir, PAIR);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BlueprintError);
    expect((err as BlueprintError).code).toBe('KEY_FILE_EXISTS');
    expect((err as BlueprintError).message).toContain(path.join(dir, name));
    expect((err as BlueprintError).message).toContain('--force');
    expect(readFileSync(path.join(dir, name), 'utf8')).toBe('precious');
    expect(readdirSync(dir)).toEqual([name]); // the other file was not written either
  });

  test('an existing file appearing after the check is still not overwritten (atomic link commit)', async () => {
    let planted = false;
    await expect(writeKeyPair(dir, PAIR, {
      ops: {
        async link(from, to) {
          if (!planted && to.endsWith('cosign.pub')) {
            planted = true;
            writeFileSync(to, 'raced');
          }
          return nodeKeyFileOps.link(from, to);
        },
      },
    })).rejects.toMatchObject({ code: 'KEY_FILE_EXISTS' });
    expect(readFileSync(path.join(dir, 'cosign.pub'), 'utf8')).toBe('raced');
    // the key this call had already created is rolled back; no temp files
    expect(readdirSync(dir)).toEqual(['cosign.pub']);
  });

  test('force replaces both files', async () => {
    await writeKeyPair(dir, PAIR);
    await writeKeyPair(dir, PAIR2, { force: true });
    expect(readFileSync(path.join(dir, 'cosign.key'), 'utf8')).toBe(PAIR2.privateKeyPem);
    expect(readFileSync(path.join(dir, 'cosign.pub'), 'utf8')).toBe(PAIR2.publicKeyPem);
    expect(mode(path.join(dir, 'cosign.key'))).toBe(0o600);
    expect(readdirSync(dir).sort()).toEqual(['cosign.key', 'cosign.pub']);
  });

  test.each(['private', 'public'])('failure in the middle of writing the %s temp file leaves no files', async (which) => {
    const target = which === 'private' ? '.cosign.key.' : '.cosign.pub.';
    await expect(writeKeyPair(dir, PAIR, {
      ops: {
        async writeNew(file, data, m) {
          if (path.basename(file).startsWith(target)) {
            // simulate a crash after half of the bytes reached the disk (e.g. ENOSPC)
            writeFileSync(file, data.slice(0, Math.floor(data.length / 2)), { mode: m, flag: 'wx' });
            throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
          }
          return nodeKeyFileOps.writeNew(file, data, m);
        },
      },
    })).rejects.toThrow('ENOSPC');
    expect(readdirSync(dir)).toEqual([]);
  });

  test('failure while committing the public key rolls back the new private key', async () => {
    await expect(writeKeyPair(dir, PAIR, {
      ops: {
        async link(from, to) {
          if (to.endsWith('cosign.pub')) throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
          return nodeKeyFileOps.link(from, to);
        },
        async rename(from, to) {
          if (to.endsWith('cosign.pub')) throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
          return nodeKeyFileOps.rename(from, to);
        },
      },
    })).rejects.toThrow('EIO');
    expect(readdirSync(dir)).toEqual([]);
  });

  test('failure with force keeps existing files intact (no partial content)', async () => {
    await writeKeyPair(dir, PAIR);
    await expect(writeKeyPair(dir, PAIR2, {
      force: true,
      ops: {
        async writeNew(file) {
          writeFileSync(file, 'partial', { flag: 'wx' });
          throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
        },
      },
    })).rejects.toThrow('EIO');
    expect(readFileSync(path.join(dir, 'cosign.key'), 'utf8')).toBe(PAIR.privateKeyPem);
    expect(readFileSync(path.join(dir, 'cosign.pub'), 'utf8')).toBe(PAIR.publicKeyPem);
    expect(readdirSync(dir).sort()).toEqual(['cosign.key', 'cosign.pub']);
  });

  test('falls back to check+rename where hard links are not supported', async () => {
    const w = await writeKeyPair(dir, PAIR, {
      ops: { link: async () => { throw Object.assign(new Error('EPERM'), { code: 'EPERM' }); } },
    });
    expect(readFileSync(w.privateKeyPath, 'utf8')).toBe(PAIR.privateKeyPem);
    expect(mode(w.privateKeyPath)).toBe(0o600);
    expect(readdirSync(dir).sort()).toEqual(['cosign.key', 'cosign.pub']);
  });
});
