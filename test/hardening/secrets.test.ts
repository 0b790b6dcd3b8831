import * as fs from 'node:fs';
import * as path from 'node:path';
import { listen, REPO, signedRegistry } from './fake-registry';
import { ImageSigningBlueprint } from '../../src';
import { memoryIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { decryptPrivateKey, publicKeyFromPrivate } from '../../src/keys/key-pair';
import { tempDir } from '../support/fixtures';
import { listFilesRecursive } from '../support/secrets-scan';

/*
 * Every CLI command run with a known private key and password: neither (nor the decrypted
 * PKCS#8 key) appears on stdout, stderr, in any written file, or in a thrown error, with or
 * without --debug, on success and on failure.
 */

const PASSWORD = 'Tr0ub4dor&3-correct-horse-battery';
const WRONG_PASSWORD = 'Tr0ub4dor&3-correct-horse-batterx';
const REGISTRY_PASSWORD = 'ghp_registryTokenNeverPrinted0123';

interface Run { readonly argv: string[]; readonly code: number; readonly stdout: string; readonly stderr: string }

describe('no secret reaches any output', () => {
  let dir: string;
  const runs: Run[] = [];
  const thrown: string[] = [];
  let needles: { what: string; value: string }[] = [];
  let registry: Awaited<ReturnType<typeof signedRegistry>>;
  let refusedPort: number;
  const savedPassword = process.env.COSIGN_PASSWORD;

  async function run(argv: string[], expected: number | number[], env: Record<string, string> = { COSIGN_PASSWORD: PASSWORD }): Promise<Run> {
    const io = memoryIo({ cwd: dir, env: { HOME: dir, DOCKER_CONFIG: dir, ...env } });
    const code = await main(argv, io);
    const r = { argv, code, stdout: io.stdout(), stderr: io.stderr() };
    runs.push(r);
    const allowed = Array.isArray(expected) ? expected : [expected];
    expect([argv.join(' '), allowed.includes(code) ? 'expected exit code' : `exit ${code}: ${io.stderr().slice(0, 500)}`]).toEqual([argv.join(' '), 'expected exit code']);
    return r;
  }

  beforeAll(async () => {
    dir = tempDir('isb-secrets-');
    process.env.COSIGN_PASSWORD = PASSWORD; // synth and check read the password from the process environment
    await run(['init', '--owner', 'acme', '--repository', 'web'], 0);
    await run(['keygen', '--scrypt-n', '32768'], 0);
    const pem = fs.readFileSync(path.join(dir, 'cosign.key'), 'utf8');
    const key = await decryptPrivateKey(pem, PASSWORD);
    const pkcs8 = key.export({ type: 'pkcs8', format: 'der' }).toString('base64');
    const pkcs8Pem = key.export({ type: 'pkcs8', format: 'pem' }).toString();
    const jwk = key.export({ format: 'jwk' }) as { d: string };
    needles = [
      { what: 'the password', value: PASSWORD },
      { what: 'the wrong password', value: WRONG_PASSWORD },
      { what: 'the registry password', value: REGISTRY_PASSWORD },
      { what: 'the registry Basic header', value: Buffer.from(`alice:${REGISTRY_PASSWORD}`).toString('base64') },
      { what: 'the decrypted PKCS#8 (base64)', value: pkcs8 },
      ...pkcs8Pem.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----')).map((l) => ({ what: 'a PKCS#8 PEM line', value: l })),
      { what: 'the private scalar (JWK d)', value: jwk.d },
      { what: 'the private scalar (hex)', value: Buffer.from(jwk.d, 'base64url').toString('hex') },
      ...pem.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----')).map((l) => ({ what: 'a line of the encrypted cosign.key', value: l })),
    ];
    registry = await signedRegistry({ privateKey: key, publicKeyPem: fs.readFileSync(path.join(dir, 'cosign.pub'), 'utf8') });
    const srv = await listen(() => undefined);
    refusedPort = srv.port;
    await srv.close();
  });
  afterAll(async () => {
    if (savedPassword === undefined) delete process.env.COSIGN_PASSWORD;
    else process.env.COSIGN_PASSWORD = savedPassword;
    await registry?.close();
  });

  test('every command, successful and failing, with and without --debug', async () => {
    const image = `${registry.host}/${REPO}:v1`;
    const nowhere = `127.0.0.1:${refusedPort}/${REPO}:v1`;
    await run(['keygen', '--scrypt-n', '32768'], 1); // exists
    await run(['keygen', '--debug', '--scrypt-n', '32768'], 1);
    const cfg = fs.readFileSync(path.join(dir, 'blueprint.yaml'), 'utf8')
      .replace('publicKeyFile: cosign.pub', 'publicKeyFile: cosign.pub\n    privateKeyFile: cosign.key');
    expect(cfg).toContain('privateKeyFile: cosign.key');
    fs.writeFileSync(path.join(dir, 'blueprint.yaml'), cfg);
    await run(['synth', '--out', 'dist'], 0);
    await run(['synth', '--out', 'dist', '--debug'], 0);
    for (const format of ['text', 'json', 'sarif']) await run(['check', '--format', format], [0, 1]);
    await run(['public-key', '--key', 'cosign.key'], 0);
    await run(['public-key', '--key', 'env://ISB_TEST_KEY'], 0, { COSIGN_PASSWORD: PASSWORD, ISB_TEST_KEY: fs.readFileSync(path.join(dir, 'cosign.key'), 'utf8') });
    await run(['public-key', '--key', 'cosign.key'], 1, { COSIGN_PASSWORD: WRONG_PASSWORD });
    await run(['public-key', '--debug', '--key', 'cosign.key'], 1, { COSIGN_PASSWORD: WRONG_PASSWORD });
    await run(['match', '--engine', 'kyverno', 'ghcr.io/acme/*', 'ghcr.io/acme/web'], 0);
    await run(['verify', '--key', 'cosign.pub', '--insecure-ignore-tlog', image], 0);
    await run(['verify', '--key', 'cosign.pub', '--insecure-ignore-tlog', '--output', 'json', image], 0);
    await run(['verify', '--key', 'cosign.key', '--insecure-ignore-tlog', image], 1); // the private key given as a public key
    await run(['verify', '--debug', '--key', 'cosign.key', image], 1);
    await run(['verify', '--key', 'cosign.pub', nowhere], 1);
    await run(['verify', '--debug', '--key', 'cosign.pub', nowhere], 1);
    await run(['verify', '--config', 'blueprint.yaml', nowhere], 1);
    await run(['verify', '--config', 'blueprint.yaml', image], [0, 1]);
    const withCreds = { COSIGN_PASSWORD: PASSWORD, ISB_REGISTRY_USERNAME: 'alice', ISB_REGISTRY_PASSWORD: REGISTRY_PASSWORD };
    registry.fault = (req, res) => { // this registry wants Basic credentials: they are used, and never printed
      if (req.headers.authorization === `Basic ${Buffer.from(`alice:${REGISTRY_PASSWORD}`).toString('base64')}`) return false;
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="fake"' });
      res.end();
      return true;
    };
    await run(['verify', '--key', 'cosign.pub', '--insecure-ignore-tlog', image], 0, withCreds);
    await run(['verify', '--key', 'cosign.pub', '--insecure-ignore-tlog', image], 1);
    await run(['triangulate', '--debug', image], 1);
    registry.fault = undefined;
    await run(['verify', '--debug', '--key', 'cosign.pub', nowhere], 1, withCreds);
    await run(['triangulate', '--debug', nowhere], 1, withCreds);
    await run(['triangulate', image], 0);
    await run(['triangulate', '--debug', nowhere], 1);
    // the key given where a public key belongs in the config
    fs.writeFileSync(path.join(dir, 'bad.yaml'), cfg.replace('publicKeyFile: cosign.pub', 'publicKeyFile: cosign.key'));
    await run(['synth', '--config', 'bad.yaml', '--out', 'dist-bad'], 1);
    await run(['check', '--debug', '--config', 'bad.yaml'], 1);

    // the library API: errors thrown with the wrong password, or a private key as public key
    for (const f of [
      () => publicKeyFromPrivate(fs.readFileSync(path.join(dir, 'cosign.key'), 'utf8'), WRONG_PASSWORD),
      async () => ImageSigningBlueprint.fromFile(path.join(dir, 'bad.yaml')),
    ]) {
      try {
        await f();
        thrown.push('(no error)');
      } catch (e) {
        thrown.push(`${(e as Error).message}\n${(e as Error).stack}`);
      }
    }
    expect(thrown.some((t) => t === '(no error)')).toBe(false);

    const outputs = [
      ...runs.flatMap((r) => [{ where: `stdout of ${r.argv.join(' ')}`, text: r.stdout }, { where: `stderr of ${r.argv.join(' ')}`, text: r.stderr }]),
      ...thrown.map((t, i) => ({ where: `thrown error ${i}`, text: t })),
      ...listFilesRecursive(dir).filter((f) => path.basename(f) !== 'cosign.key')
        .map((f) => ({ where: path.relative(dir, f), text: fs.readFileSync(f, 'latin1') })),
    ];
    expect(outputs.length).toBeGreaterThan(runs.length * 2 + 10); // dist/ was written and scanned
    const leaks = outputs.flatMap((o) => needles.filter((n) => o.text.includes(n.value)).map((n) => `${n.what} in ${o.where}`));
    expect(leaks).toEqual([]);
    // the successful verify really verified, and the failures said why (the scan is not of empty output)
    expect(runs.find((r) => r.argv[0] === 'verify' && r.code === 0)!.stdout).toMatch(/^verified /);
    expect(runs.find((r) => r.argv.includes('cosign.key') && r.argv[0] === 'verify')!.stderr).toMatch(/PRIVATE key|not a public key|public key/i);
  });

  test('cosign.key is written 0600 (whatever the umask), cosign.pub 0644', () => {
    expect(fs.statSync(path.join(dir, 'cosign.key')).mode % 0o1000).toBe(0o600);
    expect(fs.statSync(path.join(dir, 'cosign.pub')).mode % 0o1000).toBe(0o644);
  });
});
