import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { memoryIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { generateKeyPair } from '../../src/keys/key-pair';
import { parsePublicKeyPem } from '../../src/keys/public-key';
import { keyConfig, tempDir } from '../support/fixtures';

/*
 * Issue 14: the key pair check is live in `check` and `synth` (ISB-KEY-001): a cosign.key whose
 * public half is not the cosign.pub the policies carry fails, for the top-level key and for a
 * repository's own key; no key material or password reaches any output.
 */

const PASSWORD = 'pair-check-password';

jest.setTimeout(60_000);

describe('ISB-KEY-001: secret key pair vs policy public key', () => {
  let dir: string;
  let a: Awaited<ReturnType<typeof generateKeyPair>>;
  let b: Awaited<ReturnType<typeof generateKeyPair>>;

  beforeAll(async () => {
    a = await generateKeyPair({ password: PASSWORD, scryptN: 32768 });
    b = await generateKeyPair({ password: PASSWORD, scryptN: 32768 });
    dir = tempDir('isb-pair-');
    fs.writeFileSync(path.join(dir, 'a.key'), a.privateKeyPem);
    fs.writeFileSync(path.join(dir, 'a.pub'), a.publicKeyPem);
    fs.writeFileSync(path.join(dir, 'b.pub'), b.publicKeyPem);
  });

  const write = (name: string, cfg: unknown) => {
    fs.writeFileSync(path.join(dir, name), stringify(cfg));
    return name;
  };
  const run = async (args: string[], env: Record<string, string> = { COSIGN_PASSWORD: PASSWORD }) => {
    const io = memoryIo({ cwd: dir, env });
    const code = await main(args, io);
    return { code, out: io.stdout(), err: io.stderr() };
  };
  const noSecrets = (text: string) => {
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).not.toContain(a.privateKeyPem.split('\n')[1]);
  };

  test('a mismatched pair is an error in check --format json, with both fingerprints and the config path', async () => {
    const file = write('mismatch.yaml', keyConfig({ signing: { mode: 'key', key: { publicKeyFile: 'b.pub', privateKeyFile: 'a.key' } } }));
    const r = await run(['check', '--config', file, '--format', 'json']);
    expect(r.code).toBe(1);
    const f = JSON.parse(r.out).findings.filter((x: any) => x.id === 'ISB-KEY-001');
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ level: 'error', path: 'signing.key.privateKeyFile' });
    const fpA = parsePublicKeyPem(a.publicKeyPem).fingerprint;
    const fpB = parsePublicKeyPem(b.publicKeyPem).fingerprint;
    expect(f[0].message).toContain(`a.key belongs to public key SHA256:${fpA}, not to b.pub (SHA256:${fpB})`);
    noSecrets(r.out + r.err);
  });

  test('synth refuses the mismatched pair and writes nothing', async () => {
    const file = write('mismatch-synth.yaml', keyConfig({ signing: { mode: 'key', key: { publicKeyFile: 'b.pub', privateKeyFile: 'a.key' } } }));
    const out = path.join(dir, 'dist-mismatch');
    const r = await run(['synth', '--config', file, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/ISB-KEY-001/);
    expect(fs.existsSync(out)).toBe(false);
    noSecrets(r.out + r.err);
  });

  test('a repository\'s own key pair is checked too', async () => {
    const file = write('repo-key.yaml', keyConfig({
      repositories: [
        { name: 'web', images: ['ghcr.io/acme/web'] },
        { name: 'api', images: ['ghcr.io/acme/api'], signing: { key: { publicKeyFile: 'b.pub', privateKeyFile: 'a.key' } } },
      ],
      signing: { mode: 'key', key: { publicKeyFile: 'a.pub', privateKeyFile: 'a.key' } },
    }));
    const r = await run(['check', '--config', file, '--format', 'json']);
    const paths = JSON.parse(r.out).findings.filter((x: any) => x.id === 'ISB-KEY-001').map((x: any) => x.path);
    expect(paths).toEqual(['repositories[1].signing.key.privateKeyFile']);
    expect(r.code).toBe(1);
  });

  test('the matching pair passes; without COSIGN_PASSWORD it is a warning that says so', async () => {
    const file = write('match.yaml', keyConfig({ signing: { mode: 'key', key: { publicKeyFile: 'a.pub', privateKeyFile: 'a.key' } } }));
    const ok = await run(['check', '--config', file, '--format', 'json']);
    expect(JSON.parse(ok.out).findings.filter((x: any) => x.id === 'ISB-KEY-001')).toEqual([]);
    expect(ok.code).toBe(0);
    const nopw = await run(['check', '--config', file, '--format', 'json'], {});
    const f = JSON.parse(nopw.out).findings.filter((x: any) => x.id === 'ISB-KEY-001');
    expect(f).toEqual([expect.objectContaining({ level: 'warning', path: 'signing.key.privateKeyFile' })]);
    expect(f[0].message).toContain('COSIGN_PASSWORD is not set');
    expect(nopw.code).toBe(0);
  });

  test('a wrong password is reported as unchecked, not as a mismatch', async () => {
    const file = write('wrong-pw.yaml', keyConfig({ signing: { mode: 'key', key: { publicKeyFile: 'a.pub', privateKeyFile: 'a.key' } } }));
    const r = await run(['check', '--config', file, '--format', 'json'], { COSIGN_PASSWORD: 'not-it' });
    const f = JSON.parse(r.out).findings.filter((x: any) => x.id === 'ISB-KEY-001');
    expect(f).toEqual([expect.objectContaining({ level: 'warning' })]);
    expect(f[0].message).toMatch(/does not decrypt with COSIGN_PASSWORD/);
    noSecrets(r.out + r.err);
  });
});
