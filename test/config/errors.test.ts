import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { ImageSigningBlueprint } from '../../src';
import { memoryIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { loadConfigFile, validateConfig } from '../../src/config/load';
import { ConfigError } from '../../src/config/problems';
import { keyConfig, projectDir } from '../support/fixtures';

function problemsOf(cfg: unknown): { path: string; message: string; fix?: string }[] {
  try {
    validateConfig(cfg);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  return [];
}

const base = keyConfig();
const cases: [string, any, string, RegExp][] = [
  ['missing owner', { ...base, github: {} }, 'github.owner', /is required/],
  ['uppercase image', { ...base, repositories: [{ name: 'web', images: ['ghcr.io/Acme/Web'] }] }, 'repositories[0].images[0]', /lowercase/],
  ['image with a tag', { ...base, repositories: [{ name: 'web', images: ['ghcr.io/acme/web:1.0'] }] }, 'repositories[0].images[0]', /has a tag/],
  ['image with a digest', { ...base, repositories: [{ name: 'web', images: [`ghcr.io/acme/web@sha256:${'a'.repeat(64)}`] }] }, 'repositories[0].images[0]', /has a digest/],
  ['image not fully qualified', { ...base, repositories: [{ name: 'web', images: ['acme/web'] }] }, 'repositories[0].images[0]', /not fully qualified/],
  ['image from the run context', { ...base, repositories: [{ name: 'web', images: ['ghcr.io/${{ github.repository }}'] }] }, 'repositories[0].images[0]', /expression/],
  ['unknown key', { ...base, signin: {} }, 'signin', /not a known key/],
  ['wrong type', { ...base, repositories: [{ name: 'web', images: 'ghcr.io/acme/web' }] }, 'repositories[0].images', /must be a list/],
  ['empty repositories', { ...base, repositories: [] }, 'repositories', /at least 1/],
  ['bad enum', { ...base, signing: { mode: 'keyles' } }, 'signing.mode', /must be one of/],
  ['environment scope without environment', { ...base, signing: { mode: 'key', key: { secretScope: 'environment' } } }, 'signing.key.environment', /required with secretScope: environment/],
  ['name not DNS-1123', { ...base, name: 'Acme_Images' }, 'name', /DNS-1123/],
  ['workflow file with a directory', { ...base, repositories: [{ name: 'web', images: ['ghcr.io/acme/web'], workflow: { file: '.github/workflows/x.yml' } }] }, 'repositories[0].workflow.file', /without directories/],
  ['branch given as a ref', { ...base, repositories: [{ name: 'web', images: ['ghcr.io/acme/web'], workflow: { branches: ['refs/heads/main'] } }] }, 'repositories[0].workflow.branches[0]', /branch or tag name/],
  ['same image in two repositories', { ...base, repositories: [{ name: 'web', images: ['ghcr.io/acme/web'] }, { name: 'web2', images: ['ghcr.io/acme/web'] }] }, 'repositories[1].images[0]', /also built by repositories\[0\]/],
  ['suppression without a reason', { ...base, checks: { suppress: [{ id: 'ISB-IMG-003' }] } }, 'checks.suppress[0].reason', /is required/],
];

describe('config errors name their path, the value and the fix', () => {
  test.each(cases)('%s', (_name, cfg, wantPath, wantMessage) => {
    const problems = problemsOf(cfg);
    const p = problems.find((x) => x.path === wantPath);
    expect(p).toBeDefined();
    expect(p!.message).toMatch(wantMessage);
    expect(p!.fix).toBeTruthy();
  });

  test('unknown keys get a did-you-mean hint', () => {
    const p = problemsOf({ ...base, repositories: [{ name: 'web', imags: ['ghcr.io/acme/web'] }] });
    expect(p.find((x) => x.path === 'repositories[0].imags')!.fix).toBe('did you mean "images"?');
  });

  test('every problem is reported at once, not just the first', () => {
    const p = problemsOf({ name: 'Bad Name', github: {}, repositories: [{ name: 'web', images: ['ghcr.io/Acme/web', 'acme/web:1'] }], extra: 1 });
    expect(p.map((x) => x.path).sort()).toEqual(['extra', 'github.owner', 'name', 'repositories[0].images[0]', 'repositories[0].images[1]']);
  });

  test('the uppercase fix suggests the lowercase name', () => {
    const p = problemsOf({ ...base, repositories: [{ name: 'web', images: ['ghcr.io/Acme/Web'] }] });
    expect(p[0].fix).toBe('use "ghcr.io/acme/web"');
  });

  test('key files outside the config folder are refused', () => {
    const dir = projectDir();
    expect(() => new ImageSigningBlueprint({ config: keyConfig({ signing: { mode: 'key', key: { publicKeyFile: '../../etc/passwd' } } }), baseDir: dir }))
      .toThrow(/signing.key.publicKeyFile: points outside the config's folder/);
    expect(() => new ImageSigningBlueprint({ config: keyConfig({ signing: { mode: 'key', key: { publicKeyFile: '/etc/passwd' } } }), baseDir: dir }))
      .toThrow(/must be relative/);
  });

  test('a private key given as the public key file is refused without echoing it', () => {
    const secret = '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nc2VjcmV0\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n';
    const dir = projectDir({ 'cosign.key': secret });
    let message = '';
    try {
      new ImageSigningBlueprint({ config: keyConfig({ signing: { mode: 'key', key: { publicKeyFile: 'cosign.key' } } }), baseDir: dir });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/looks like a PRIVATE key/);
    expect(message).not.toContain('c2VjcmV0');
  });

  test('YAML duplicate keys and syntax errors carry line numbers', () => {
    const dir = projectDir({ 'dup.yaml': 'name: a\nname: b\n', 'bad.yaml': 'name: [a\n' });
    expect(() => loadConfigFile(path.join(dir, 'dup.yaml'))).toThrow(/line 2/);
    expect(() => loadConfigFile(path.join(dir, 'bad.yaml'))).toThrow(/YAML syntax/);
  });

  test('an alias bomb is refused', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++) lines.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill('*' + String.fromCharCode(97 + i)).join(', ')}]`);
    const dir = projectDir({ 'bomb.yaml': lines.join('\n') + '\n' });
    expect(() => loadConfigFile(path.join(dir, 'bomb.yaml'))).toThrow(ConfigError);
  });
});

describe('CLI synth on a bad config', () => {
  test.each(cases.slice(0, 9))('%s: exit 1, the path on stderr, nothing written', async (_name, cfg, wantPath) => {
    const dir = projectDir({ 'blueprint.yaml': stringify(cfg) });
    const io = memoryIo({ cwd: dir });
    const code = await main(['synth', '--config', 'blueprint.yaml', '--out', 'dist'], io);
    expect(code).toBe(1);
    expect(io.stderr()).toContain(wantPath);
    expect(io.stderr()).not.toMatch(/\n\s+at /); // no stack trace without --debug
    expect(fs.existsSync(path.join(dir, 'dist'))).toBe(false);
  });
});
