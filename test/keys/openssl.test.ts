import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, tempDir } from './helpers';
import { describeWithTool } from './require-tool';
import { decryptPrivateKeyPem } from '../../src/keys/encrypted-key';
import { writeKeyPair } from '../../src/keys/files';
import { decryptPrivateKey, generateKeyPair, signWith, verifyWith } from '../../src/keys/key-pair';

const PASSWORD = 'openssl-interop';

function openssl(args: string[], input?: Buffer) {
  const r = spawnSync('openssl', args, { input });
  return { status: r.status, stdout: r.stdout?.toString('utf8') ?? '', stderr: r.stderr?.toString('utf8') ?? '' };
}

describeWithTool('openssl', 'openssl cross-checks', () => {
  let dir: string;
  let cleanup: () => void;
  let keyPem: string;
  let pubPath: string;
  beforeAll(async () => {
    ({ dir, cleanup } = tempDir('isb-openssl-'));
    const pair = await generateKeyPair({ password: PASSWORD, scryptN: 32768 });
    const w = await writeKeyPair(dir, pair);
    keyPem = pair.privateKeyPem;
    pubPath = w.publicKeyPath;
  });
  afterAll(() => cleanup());

  test('openssl pkey -inform DER parses the decrypted PKCS#8 as a P-256 key with the same public key', async () => {
    const { pkcs8Der } = await decryptPrivateKeyPem(keyPem, PASSWORD);
    const derPath = path.join(dir, 'key.der');
    writeFileSync(derPath, pkcs8Der, { mode: 0o600 });
    const text = openssl(['pkey', '-inform', 'DER', '-in', derPath, '-noout', '-text']);
    expect(text.stderr).toBe('');
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/Private-Key: \(256 bit/);
    expect(text.stdout).toMatch(/prime256v1|P-256/);
    const pub = openssl(['pkey', '-inform', 'DER', '-in', derPath, '-pubout']);
    expect(pub.status).toBe(0);
    expect(pub.stdout).toBe(readFileSync(pubPath, 'utf8'));
  });

  test('openssl dgst -sha256 -verify cosign.pub accepts our signature (and rejects a tampered one)', async () => {
    const data = Buffer.from('payload signed by image-signing-blueprint');
    const dataPath = path.join(dir, 'data.bin');
    const sigPath = path.join(dir, 'ours.sig');
    writeFileSync(dataPath, data);
    writeFileSync(sigPath, signWith(await decryptPrivateKey(keyPem, PASSWORD), data));
    const ok = openssl(['dgst', '-sha256', '-verify', pubPath, '-signature', sigPath, dataPath]);
    expect(ok.stdout).toContain('Verified OK');
    expect(ok.status).toBe(0);
    writeFileSync(dataPath, Buffer.concat([data, Buffer.from('!')]));
    const bad = openssl(['dgst', '-sha256', '-verify', pubPath, '-signature', sigPath, dataPath]);
    expect(bad.status).not.toBe(0);
  });

  test('our verify accepts a signature made by openssl dgst -sha256 -sign with the decrypted key', async () => {
    const key = await decryptPrivateKey(keyPem, PASSWORD);
    const keyPath = path.join(dir, 'plain.pem');
    writeFileSync(keyPath, key.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const data = Buffer.from('payload signed by openssl');
    const dataPath = path.join(dir, 'data2.bin');
    const sigPath = path.join(dir, 'openssl.sig');
    writeFileSync(dataPath, data);
    const r = openssl(['dgst', '-sha256', '-sign', keyPath, '-out', sigPath, dataPath]);
    expect(r.status).toBe(0);
    const sig = readFileSync(sigPath);
    const pub = readFileSync(pubPath, 'utf8');
    expect(verifyWith(pub, data, sig)).toBe(true);
    expect(verifyWith(pub, Buffer.from('other'), sig)).toBe(false);
  });

  test('a key from the cosign test vectors decrypts to PKCS#8 that openssl parses', async () => {
    const pem = readFileSync(path.join(FIXTURES, 'cosign-keys-test-pemsigstorekey.n32768.key'), 'utf8');
    const { pkcs8Der } = await decryptPrivateKeyPem(pem, 'hello');
    const derPath = path.join(dir, 'vector.der');
    writeFileSync(derPath, pkcs8Der, { mode: 0o600 });
    const r = openssl(['pkey', '-inform', 'DER', '-in', derPath, '-noout', '-text']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Private-Key: \(256 bit/);
  });
});
