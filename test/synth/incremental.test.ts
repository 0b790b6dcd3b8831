import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TerraformAsset, AssetType } from 'cdktf';
import { stringify } from 'yaml';
import { ImageSigningBlueprint } from '../../src/blueprint';
import { memoryIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { renderArtifacts } from '../../src/synth/artifacts';
import { MANIFEST_FILE, writeArtifactsDetailed, WriteArtifactsResult } from '../../src/synth/write';
import { keyConfig, projectDir, tempDir } from '../support/fixtures';

/*
 * Incremental re-synth: only files whose bytes changed are written; files an earlier synth wrote
 * and this one no longer produces are removed, but only files the manifest lists, with the bytes
 * it lists, inside the output folder, never through a symbolic link; the CLI says
 * "N written, M unchanged, K removed".
 */

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** relative path → identity of every file under dir: inode, mtime and content hash */
function stamp(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {walk(p);} else {
        const st = fs.statSync(p);
        out[path.relative(dir, p)] = `${st.ino}:${st.mtimeMs}:${sha(fs.readFileSync(p))}`;
      }
    }
  };
  walk(dir);
  return out;
}

/** the three lists of a write (not the hashes) */
const lists = ({ written, unchanged, removed }: WriteArtifactsResult) => ({ written, unchanged, removed });

const manifestOf = (out: string) => JSON.parse(fs.readFileSync(path.join(out, MANIFEST_FILE), 'utf8'));

describe('writeArtifactsDetailed writes only what changed', () => {
  const v1 = new Map([['a.txt', 'a1'], ['sub/b.txt', 'b1'], ['sub/deep/c.txt', 'c1']]);

  test('the same files again: nothing is written, not even the manifest (inode and mtime unchanged)', () => {
    const out = path.join(tempDir(), 'out');
    expect(lists(writeArtifactsDetailed(out, v1))).toEqual({ written: ['a.txt', 'sub/b.txt', 'sub/deep/c.txt'], unchanged: [], removed: [] });
    const before = stamp(out);
    const renames: string[] = [];
    const r = writeArtifactsDetailed(out, v1, { renameSync: (f, t) => { renames.push(t); fs.renameSync(f, t); } });
    expect(lists(r)).toEqual({ written: [], unchanged: ['a.txt', 'sub/b.txt', 'sub/deep/c.txt'], removed: [] });
    expect(renames).toEqual([]);
    expect(stamp(out)).toEqual(before);
    expect(fs.readdirSync(out).filter((f) => f.startsWith('.isb-staging-'))).toEqual([]);
  });

  test('one file changed: only it is replaced; the others keep inode and mtime; the manifest has the new hash', () => {
    const out = path.join(tempDir(), 'out');
    writeArtifactsDetailed(out, v1);
    const before = stamp(out);
    const v2 = new Map(v1).set('sub/b.txt', 'b2');
    const r = writeArtifactsDetailed(out, v2);
    expect(lists(r)).toEqual({ written: ['sub/b.txt'], unchanged: ['a.txt', 'sub/deep/c.txt'], removed: [] });
    const after = stamp(out);
    expect(after['a.txt']).toBe(before['a.txt']);
    expect(after['sub/deep/c.txt']).toBe(before['sub/deep/c.txt']);
    expect(after['sub/b.txt'].endsWith(sha('b2'))).toBe(true);
    expect(manifestOf(out).files).toEqual({ 'a.txt': sha('a1'), 'sub/b.txt': sha('b2'), 'sub/deep/c.txt': sha('c1') });
  });

  test('a file with the new bytes that synth did not record (a lost manifest) is adopted as unchanged, not refused', () => {
    const out = path.join(tempDir(), 'out');
    writeArtifactsDetailed(out, v1);
    fs.rmSync(path.join(out, MANIFEST_FILE));
    const r = writeArtifactsDetailed(out, v1);
    expect(r.unchanged).toEqual([...v1.keys()].sort());
    expect(manifestOf(out).files['a.txt']).toBe(sha('a1'));
  });
});

describe('removal is safe', () => {
  test('a file in the output folder that the manifest does not list is never deleted, also in a folder synth emptied', () => {
    const out = path.join(tempDir(), 'out');
    writeArtifactsDetailed(out, new Map([['a.txt', 'a'], ['sub/b.txt', 'b'], ['gone/c.txt', 'c']]));
    fs.writeFileSync(path.join(out, 'NOTES.md'), 'mine');
    fs.writeFileSync(path.join(out, 'sub', 'mine.txt'), 'mine too');
    for (const force of [false, true]) {
      const r = writeArtifactsDetailed(out, new Map([['a.txt', 'a']]), { force });
      if (!force) expect(r.removed).toEqual(['gone/c.txt', 'sub/b.txt']);
      expect(fs.readFileSync(path.join(out, 'NOTES.md'), 'utf8')).toBe('mine');
      expect(fs.readFileSync(path.join(out, 'sub', 'mine.txt'), 'utf8')).toBe('mine too');
    }
    expect(fs.existsSync(path.join(out, 'gone'))).toBe(false); // emptied folder of synth's: removed
    expect(fs.existsSync(path.join(out, 'sub', 'b.txt'))).toBe(false);
    expect(Object.keys(manifestOf(out).files)).toEqual(['a.txt']);
  });

  test('a listed file the user edited since: refused (OUTPUT_CONFLICT, nothing at all changes); --force removes it', () => {
    const out = path.join(tempDir(), 'out');
    writeArtifactsDetailed(out, new Map([['a.txt', 'a'], ['b.txt', 'b']]));
    fs.writeFileSync(path.join(out, 'b.txt'), 'b, with my edit');
    const before = stamp(out);
    // also a change to a.txt: it must not be written either (all or nothing)
    expect(() => writeArtifactsDetailed(out, new Map([['a.txt', 'a2']]))).toThrow(expect.objectContaining({
      code: 'OUTPUT_CONFLICT', message: expect.stringContaining('b.txt (no longer produced, and modified since the last synth)'),
    }));
    expect(stamp(out)).toEqual(before);
    const r = writeArtifactsDetailed(out, new Map([['a.txt', 'a2']]), { force: true });
    expect(lists(r)).toEqual({ written: ['a.txt'], unchanged: [], removed: ['b.txt'] });
  });

  test('manifest entries pointing outside the output folder are ignored: nothing outside is deleted', () => {
    const root = tempDir();
    const out = path.join(root, 'out');
    fs.writeFileSync(path.join(root, 'outside.txt'), 'x');
    writeArtifactsDetailed(out, new Map([['a.txt', 'a']]));
    const m = manifestOf(out);
    m.files['../outside.txt'] = sha('x');
    m.files[path.join(root, 'outside.txt')] = sha('x');
    fs.writeFileSync(path.join(out, MANIFEST_FILE), JSON.stringify(m));
    for (const force of [false, true]) {
      expect(writeArtifactsDetailed(out, new Map([['a.txt', 'a']]), { force }).removed).toEqual([]);
      expect(fs.readFileSync(path.join(root, 'outside.txt'), 'utf8')).toBe('x');
    }
  });

  test('a listed file replaced by a symbolic link is not followed: the link target survives', () => {
    const root = tempDir();
    const out = path.join(root, 'out');
    fs.writeFileSync(path.join(root, 'target.txt'), 'b');
    writeArtifactsDetailed(out, new Map([['a.txt', 'a'], ['b.txt', 'b']]));
    fs.rmSync(path.join(out, 'b.txt'));
    fs.symlinkSync(path.join(root, 'target.txt'), path.join(out, 'b.txt')); // same bytes as recorded, through a link
    expect(() => writeArtifactsDetailed(out, new Map([['a.txt', 'a']]))).toThrow(/OUTPUT_CONFLICT|modified since/);
    writeArtifactsDetailed(out, new Map([['a.txt', 'a']]), { force: true });
    expect(fs.readFileSync(path.join(root, 'target.txt'), 'utf8')).toBe('b');
  });

  test('interrupted while replacing changed files: the next run converges without --force', () => {
    const out = path.join(tempDir(), 'out');
    const v1 = new Map([['a.txt', 'a1'], ['b.txt', 'b1'], ['c.txt', 'c1'], ['d.txt', 'd1']]);
    const v2 = new Map([['a.txt', 'a2'], ['b.txt', 'b1'], ['c.txt', 'c2']]);
    writeArtifactsDetailed(out, v1);
    let n = 0;
    const crashing = (from: string, to: string) => {
      if (!to.endsWith(MANIFEST_FILE) && ++n === 2) throw Object.assign(new Error('EIO: simulated crash'), { code: 'EIO' });
      fs.renameSync(from, to);
    };
    expect(() => writeArtifactsDetailed(out, v2, { renameSync: crashing })).toThrow(/EIO/);
    const r = writeArtifactsDetailed(out, v2);
    expect(lists(r)).toEqual({ written: ['c.txt'], unchanged: ['a.txt', 'b.txt'], removed: ['d.txt'] });
    expect(manifestOf(out)).toEqual({ version: 1, files: { 'a.txt': sha('a2'), 'b.txt': sha('b1'), 'c.txt': sha('c2') } });
  });
});

describe('synth (CLI): "N written, M unchanged, K removed"', () => {
  const twoRepos = (image: string) => keyConfig({
    repositories: [{ name: 'web', images: [image] }, { name: 'api', images: ['ghcr.io/acme/api'] }],
    clusters: [{ name: 'prod-eu' }, { name: 'staging' }],
  });
  async function synth(dir: string, ...extra: string[]) {
    const io = memoryIo({ cwd: dir });
    const code = await main(['synth', '--config', 'blueprint.yaml', '--out', 'dist', ...extra], io);
    return { code, stdout: io.stdout(), stderr: io.stderr() };
  }

  test('first synth writes all, the second none; one changed image rewrites exactly the files whose bytes differ', async () => {
    const dir = projectDir({ 'blueprint.yaml': stringify(twoRepos('ghcr.io/acme/web')) });
    const first = await synth(dir);
    expect(first.code).toBe(0);
    const all = Object.keys(ImageSigningBlueprint.fromFile(path.join(dir, 'blueprint.yaml')).renderFiles()).length + 1; // + checks.json
    expect(first.stdout).toContain(`(${all} files): ${all} written, 0 unchanged, 0 removed`);

    const again = await synth(dir);
    expect(again.stdout).toContain(`(${all} files): 0 written, ${all} unchanged, 0 removed`);
    expect(again.stdout).not.toMatch(/^ {2}written /m);

    const before = ImageSigningBlueprint.fromFile(path.join(dir, 'blueprint.yaml')).renderFiles();
    fs.writeFileSync(path.join(dir, 'blueprint.yaml'), stringify(twoRepos('ghcr.io/acme/website')));
    const after = ImageSigningBlueprint.fromFile(path.join(dir, 'blueprint.yaml')).renderFiles();
    const differ = Object.keys(after).filter((k) => after[k] !== before[k]).sort();
    expect(differ).toContain('github/web/.github/workflows/build-sign.yml');
    expect(differ).not.toContain('github/api/.github/workflows/build-sign.yml');
    const third = await synth(dir);
    expect(third.code).toBe(0);
    const written = [...third.stdout.matchAll(/^ {2}written dist\/(.+)$/gm)].map((m) => m[1]).sort();
    // checks.json too when the findings mention the image; every other file is left alone
    expect(written.filter((f) => f !== 'checks.json')).toEqual(differ);
    expect(third.stdout).toContain(`${written.length} written, ${all - written.length} unchanged, 0 removed`);
  });

  test('a cluster dropped from the config: its files are removed and reported', async () => {
    const dir = projectDir({ 'blueprint.yaml': stringify(twoRepos('ghcr.io/acme/web')) });
    expect((await synth(dir)).code).toBe(0);
    fs.writeFileSync(path.join(dir, 'blueprint.yaml'), stringify({ ...twoRepos('ghcr.io/acme/web'), clusters: [{ name: 'prod-eu' }] }));
    const r = await synth(dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/, [1-9]\d* removed\n/);
    expect(r.stdout).toContain('  removed dist/kubernetes/staging/image-signing.k8s.yaml');
    expect(fs.existsSync(path.join(dir, 'dist/kubernetes/staging'))).toBe(false);
  });
});

describe('Terraform synthesized in memory', () => {
  test('byte-identical to cdktf\'s own App.synth() on disk (manifest.json and every stack)', () => {
    const dir = projectDir();
    const bp = new ImageSigningBlueprint({
      config: keyConfig({ repositories: [{ name: 'web', images: ['ghcr.io/acme/web'] }, { name: 'API.Server', images: ['ghcr.io/acme/api'] }] }),
      baseDir: dir,
    });
    const model = bp._model();
    const memory = renderArtifacts(model).files;
    const disk = renderArtifacts(model, { terraformOnDisk: true }).files;
    const tf = (m: Map<string, string>) => [...m].filter(([k]) => k.startsWith('terraform/'));
    expect(tf(memory).map(([k]) => k)).toEqual(['terraform/manifest.json', 'terraform/stacks/github-api-server/cdk.tf.json', 'terraform/stacks/github-web/cdk.tf.json']);
    expect(tf(memory)).toEqual(tf(disk));
    expect(JSON.parse(memory.get('terraform/manifest.json')!).stacks['github-web'].synthesizedStackPath).toBe('stacks/github-web/cdk.tf.json');
  });

  test.each(fs.readdirSync(path.join(__dirname, '..', '..', 'examples')))('examples/%s: byte-identical to App.synth() on disk, also without the preparing resolve of the blueprint\'s own stacks', (name) => {
    const file = path.join(__dirname, '..', '..', 'examples', name, 'blueprint.yaml');
    const model = ImageSigningBlueprint.fromFile(file)._model();
    const tf = (m: Map<string, string>) => [...m].filter(([k]) => k.startsWith('terraform/'));
    const disk = tf(renderArtifacts(model, { terraformOnDisk: true }).files);
    expect(disk.length).toBeGreaterThan(1);
    expect(tf(renderArtifacts(model).files)).toEqual(disk);
  });

  test('a stack with an asset (custom synthesis) goes through cdktf\'s own synth and still works', () => {
    const dir = projectDir({ 'asset/hello.txt': 'hello' });
    const bp = new ImageSigningBlueprint({ config: keyConfig(), baseDir: dir });
    bp.customizeTerraformStacks({
      customize: (stack) => { new TerraformAsset(stack, 'asset', { path: path.join(dir, 'asset/hello.txt'), type: AssetType.FILE }); },
    });
    const files = bp.renderFiles();
    expect(Object.keys(files).some((k) => k.startsWith('terraform/stacks/github-web/assets/'))).toBe(true);
  });
});
