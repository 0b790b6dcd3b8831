import * as fs from 'node:fs';
import * as path from 'node:path';
import { memoryIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { KeyFileOps, nodeKeyFileOps, writeKeyPair } from '../../src/keys/files';
import { tempDir } from '../support/fixtures';

/*
 * Key files under disk faults: a failure at any step of writing a key pair leaves the files that
 * were there byte-for-byte intact (and the pair consistent), leaves no temp or backup files,
 * and never leaves a readable private key behind. Faults are injected through the KeyFileOps seam.
 */

const OLD = { privateKeyPem: '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nb2xk\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n', publicKeyPem: 'old public\n' };
const NEW = { privateKeyPem: '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nbmV3\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n', publicKeyPem: 'new public\n' };
const mode = (f: string) => fs.statSync(f).mode % 0o1000;
const err = (code: string) => Object.assign(new Error(`${code}: simulated`), { code });

type Step = 'writeNew' | 'link' | 'rename';
/** fails the n-th call of `step` (0-based) whose target matches `which`, after doing half of a write */
function faulty(steps: Step | Step[], which: RegExp, nth = 0, code = 'ENOSPC'): Partial<KeyFileOps> {
  const seen = new Map<Step, number>();
  const on = (s: Step) => (Array.isArray(steps) ? steps : [steps]).includes(s);
  const hit = (s: Step, file: string) => {
    if (!on(s) || !which.test(path.basename(file))) return false;
    const n = seen.get(s) ?? 0;
    seen.set(s, n + 1);
    return n === nth;
  };
  return {
    async writeNew(file, data, m) {
      if (hit('writeNew', file)) {
        fs.writeFileSync(file, data.slice(0, Math.floor(data.length / 2)), { mode: m, flag: 'wx' }); // half reached the disk
        throw err(code);
      }
      return nodeKeyFileOps.writeNew(file, data, m);
    },
    async link(from, to) {
      if (hit('link', to)) throw err(code);
      return nodeKeyFileOps.link(from, to);
    },
    async rename(from, to) {
      if (hit('rename', to)) throw err(code);
      return nodeKeyFileOps.rename(from, to);
    },
  };
}

describe('key pair writes under disk faults', () => {
  const forced: [Step, RegExp][] = [
    ['writeNew', /^\.cosign\.key\./], ['writeNew', /^\.cosign\.pub\./],
    ['rename', /^cosign\.key$/], ['rename', /^cosign\.pub$/],
  ];

  test.each(forced)('--force, %s of %s fails: the old pair stays, byte for byte, mode 0600 kept, no stray files', async (step, which) => {
    const dir = tempDir();
    await writeKeyPair(dir, OLD);
    await expect(writeKeyPair(dir, NEW, { force: true, ops: faulty(step, which) })).rejects.toThrow(/ENOSPC/);
    const key = path.join(dir, 'cosign.key');
    const pub = path.join(dir, 'cosign.pub');
    // in particular never a new private key next to the old public key
    expect({ privateKeyPem: fs.readFileSync(key, 'utf8'), publicKeyPem: fs.readFileSync(pub, 'utf8') }).toEqual(OLD);
    expect(mode(key)).toBe(0o600);
    expect(fs.readdirSync(dir).sort()).toEqual(['cosign.key', 'cosign.pub']);
  });

  test('--force where the old files cannot be kept aside (no hard links): the new pair is written, no stray files', async () => {
    const dir = tempDir();
    await writeKeyPair(dir, OLD);
    await writeKeyPair(dir, NEW, { force: true, ops: faulty('link', /\.bak$/, 0, 'EPERM') });
    expect(fs.readFileSync(path.join(dir, 'cosign.key'), 'utf8')).toBe(NEW.privateKeyPem);
    expect(fs.readdirSync(dir).sort()).toEqual(['cosign.key', 'cosign.pub']);
  });

  const fresh: [Step | Step[], RegExp][] = [
    ['writeNew', /^\.cosign\.key\./], ['writeNew', /^\.cosign\.pub\./], [['link', 'rename'], /^cosign\.key$/], [['link', 'rename'], /^cosign\.pub$/],
  ];
  test.each(fresh)('new pair, %s of %s fails: nothing is left behind', async (step, which) => {
    const dir = tempDir();
    await expect(writeKeyPair(dir, NEW, { ops: faulty(step, which, 0, 'EIO') })).rejects.toThrow(/EIO/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('an output folder that cannot be created (below a regular file): exit 1 from keygen, one line, nothing written', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'ro'), 'a file, not a folder');
    const io = memoryIo({ cwd: dir, env: { COSIGN_PASSWORD: 'pw-for-the-test' } });
    expect(await main(['keygen', '--scrypt-n', '32768', '--out-dir', 'ro/keys'], io)).toBe(1);
    expect(io.stderr().trim().split('\n')).toHaveLength(1);
    expect(io.stderr()).not.toContain('pw-for-the-test');
    expect(fs.readdirSync(dir)).toEqual(['ro']);
  });
});
