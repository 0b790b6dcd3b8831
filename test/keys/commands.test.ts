import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { blobOf, FIXTURES, tempDir } from './helpers';
import { keygenCommand } from '../../src/cli/commands/keygen';
import { publicKeyCommand } from '../../src/cli/commands/public-key';
import { memoryIo } from '../../src/cli/io';
import { COSIGN_PEM_LABEL, SIGSTORE_PEM_LABEL } from '../../src/keys/encrypted-key';
import { decryptPrivateKey, signWith, verifyWith } from '../../src/keys/key-pair';
import { parsePublicKeyPem } from '../../src/keys/public-key';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

const env = { COSIGN_PASSWORD: 'cmd-test-password' };

describe('keygenCommand', () => {
  test('writes the pair, prints paths, fingerprint and a version-control reminder', async () => {
    const io = memoryIo({ env, cwd: dir });
    expect(await keygenCommand({ scryptN: '32768' }, io)).toBe(0);
    const keyPath = path.join(dir, 'cosign.key');
    const pubPath = path.join(dir, 'cosign.pub');
    const key = readFileSync(keyPath, 'utf8');
    const pub = readFileSync(pubPath, 'utf8');
    expect(key.startsWith(`-----BEGIN ${SIGSTORE_PEM_LABEL}-----`)).toBe(true);
    expect(statSync(keyPath).mode % 0o1000).toBe(0o600);
    const out = io.stdout();
    expect(out).toContain(keyPath);
    expect(out).toContain(pubPath);
    expect(out).toContain(`SHA256:${parsePublicKeyPem(pub).fingerprint}`);
    expect(out).toMatch(/cosign\.key out of version control/);
    expect(out).not.toContain('cmd-test-password');
    expect(io.stderr()).toBe('');
    const data = Buffer.from('x');
    expect(verifyWith(pub, data, signWith(await decryptPrivateKey(key, env.COSIGN_PASSWORD), data))).toBe(true);
  });

  test('--out-dir (relative to cwd), --label cosign, --scrypt-n as a number', async () => {
    const io = memoryIo({ env, cwd: dir });
    expect(await keygenCommand({ outDir: 'keys', label: 'cosign', scryptN: 32768 }, io)).toBe(0);
    const key = readFileSync(path.join(dir, 'keys', 'cosign.key'), 'utf8');
    expect(key.startsWith(`-----BEGIN ${COSIGN_PEM_LABEL}-----`)).toBe(true);
    expect(blobOf(key).kdf.params.N).toBe(32768);
  });

  test('default scrypt N is 65536', async () => {
    expect(await keygenCommand({}, memoryIo({ env, cwd: dir }))).toBe(0);
    expect(blobOf(readFileSync(path.join(dir, 'cosign.key'), 'utf8')).kdf.params.N).toBe(65536);
  });

  test.each([
    [{ label: 'foo' }, '--label'],
    [{ label: '' }, '--label'],
    [{ scryptN: '1234' }, '--scrypt-n'],
    [{ scryptN: 16384 }, '--scrypt-n'],
    [{ scryptN: '65536abc' }, '--scrypt-n'],
    [{ scryptN: '6.5e4' }, '--scrypt-n'],
  ])('bad option %o: exit 2, nothing written', async (opts, flag) => {
    const io = memoryIo({ env, cwd: dir });
    expect(await keygenCommand(opts, io)).toBe(2);
    expect(io.stderr()).toContain(flag);
    expect(io.stderr().trimEnd().split('\n')).toHaveLength(1);
    expect(readdirSync(dir)).toEqual([]);
  });

  test('existing cosign.key: exit 1, one-line error naming the file and --force, before asking a password', async () => {
    writeFileSync(path.join(dir, 'cosign.key'), 'old');
    const io = memoryIo({ cwd: dir }); // no password source configured: readStdin would give ''
    const readStdin = jest.spyOn(io, 'readStdin');
    expect(await keygenCommand({}, io)).toBe(1);
    expect(readStdin).not.toHaveBeenCalled();
    const err = io.stderr();
    expect(err.trimEnd().split('\n')).toHaveLength(1);
    expect(err).toContain(path.join(dir, 'cosign.key'));
    expect(err).toContain('--force');
    expect(readFileSync(path.join(dir, 'cosign.key'), 'utf8')).toBe('old');
  });

  test('--force replaces an existing pair', async () => {
    writeFileSync(path.join(dir, 'cosign.key'), 'old');
    writeFileSync(path.join(dir, 'cosign.pub'), 'old');
    expect(await keygenCommand({ force: true, scryptN: 32768 }, memoryIo({ env, cwd: dir }))).toBe(0);
    expect(readFileSync(path.join(dir, 'cosign.key'), 'utf8')).toContain(SIGSTORE_PEM_LABEL);
  });

  test('password mismatch on a TTY: exit 1, nothing written', async () => {
    const answers = ['one', 'two'];
    const io = { ...memoryIo({ cwd: dir }), stdinIsTty: true, promptHidden: async () => answers.shift() ?? '' };
    expect(await keygenCommand({ scryptN: 32768 }, io)).toBe(1);
    expect(io.stderr()).toContain('passwords do not match');
    expect(readdirSync(dir)).toEqual([]);
  });

  test('password from stdin when COSIGN_PASSWORD is unset', async () => {
    const io = memoryIo({ cwd: dir, stdin: 'piped-pw' });
    expect(await keygenCommand({ scryptN: 32768 }, io)).toBe(0);
    await expect(decryptPrivateKey(readFileSync(path.join(dir, 'cosign.key'), 'utf8'), 'piped-pw')).resolves.toBeDefined();
  });
});

describe('publicKeyCommand', () => {
  test('prints the public key PEM of a cosign key (cosign test vector, password "hello")', async () => {
    const io = memoryIo({ env: { COSIGN_PASSWORD: 'hello' }, cwd: FIXTURES });
    expect(await publicKeyCommand({ key: 'cosign-keys-test-pemsigstorekey.n32768.key' }, io)).toBe(0);
    expect(io.stdout()).toMatch(/^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----\n$/);
    expect(parsePublicKeyPem(io.stdout()).algorithm).toBe('ec P-256');
  });

  test('matches cosign.pub written by keygen', async () => {
    const io = memoryIo({ env, cwd: dir });
    expect(await keygenCommand({ scryptN: 32768 }, io)).toBe(0);
    const io2 = memoryIo({ env, cwd: dir });
    expect(await publicKeyCommand({ key: 'cosign.key' }, io2)).toBe(0);
    expect(io2.stdout()).toBe(readFileSync(path.join(dir, 'cosign.pub'), 'utf8'));
  });

  test('env://VAR key reference', async () => {
    const pem = readFileSync(path.join(FIXTURES, 'cosign-keys-test-pemcosignkey.n32768.key'), 'utf8');
    const io = memoryIo({ env: { COSIGN_PASSWORD: 'hello', MY_KEY: pem } });
    expect(await publicKeyCommand({ key: 'env://MY_KEY' }, io)).toBe(0);
    expect(io.stdout()).toContain('BEGIN PUBLIC KEY');
  });

  test('wrong password: exit 1 with the decryption message, no secrets', async () => {
    const io = memoryIo({ env: { COSIGN_PASSWORD: 'wrong-one' }, cwd: FIXTURES });
    expect(await publicKeyCommand({ key: 'cosign-keys-test-pemsigstorekey.n32768.key' }, io)).toBe(1);
    expect(io.stderr()).toContain('decryption failed: wrong password?');
    expect(io.stderr()).not.toContain('wrong-one');
    expect(io.stdout()).toBe('');
  });

  test('missing file: exit 1; missing env var: exit 1', async () => {
    const io = memoryIo({ env, cwd: dir });
    expect(await publicKeyCommand({ key: 'nope.key' }, io)).toBe(1);
    expect(io.stderr()).toContain('nope.key');
    const io2 = memoryIo({ env });
    expect(await publicKeyCommand({ key: 'env://NOT_SET' }, io2)).toBe(1);
    expect(io2.stderr()).toContain('NOT_SET');
  });

  test('no --key or an unsupported scheme: exit 2', async () => {
    expect(await publicKeyCommand({}, memoryIo({ env }))).toBe(2);
    expect(await publicKeyCommand({ key: 'awskms://alias/x' }, memoryIo({ env }))).toBe(2);
  });
});
