import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { memoryIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { CACHE_FILE } from '../../src/synth/render-cache';
import { MANIFEST_FILE, writeArtifactsDetailed } from '../../src/synth/write';
import { keyConfig, projectDir, tempDir } from '../support/fixtures';
import { listFilesRecursive } from '../support/secrets-scan';

/*
 * synth owns only what it wrote: a manifest (.image-signing-blueprint-manifest.json) records the
 * sha256 of every file; anything else in the output folder, or any edit, is never clobbered
 * without --force. Files no longer produced are removed when unmodified.
 */

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** relative path → sha256 of every file under dir */
function tree(dir: string): Record<string, string> {
  if (!fs.existsSync(dir)) return {};
  return Object.fromEntries(listFilesRecursive(dir).map((f) => [path.relative(dir, f), sha(fs.readFileSync(f))]).sort());
}

async function synth(dir: string, ...extra: string[]) {
  const io = memoryIo({ cwd: dir });
  const code = await main(['synth', '--config', 'blueprint.yaml', '--out', 'dist', ...extra], io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

function setup(cfg: unknown = keyConfig()): string {
  return projectDir({ 'blueprint.yaml': stringify(cfg) });
}

describe('synth never clobbers files it did not write', () => {
  test('the manifest lists every written file with its sha256; a second synth succeeds and changes nothing', async () => {
    const dir = setup();
    expect((await synth(dir)).code).toBe(0);
    const dist = path.join(dir, 'dist');
    const manifest = JSON.parse(fs.readFileSync(path.join(dist, MANIFEST_FILE), 'utf8'));
    const onDisk = tree(dist);
    delete onDisk[MANIFEST_FILE];
    delete onDisk[CACHE_FILE]; // synth's own bookkeeping, like the manifest (render-cache.ts)
    expect(manifest).toEqual({ version: 1, files: onDisk });
    expect(Object.keys(onDisk)).toContain('checks.json');
    const before = tree(dist);
    expect((await synth(dir)).code).toBe(0);
    expect(tree(dist)).toEqual(before);
  });

  test('an edited output file: exit 1, the file and the fix named, nothing written; --force overwrites', async () => {
    const dir = setup();
    expect((await synth(dir)).code).toBe(0);
    const dist = path.join(dir, 'dist');
    fs.appendFileSync(path.join(dist, 'RUNBOOK.md'), '\nmy local notes\n');
    // a config change that would rewrite other files too: none of them may be written
    fs.writeFileSync(path.join(dir, 'blueprint.yaml'), stringify(keyConfig({ name: 'acme-other' })));
    const before = tree(dist);
    const r = await synth(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/OUTPUT_CONFLICT/);
    expect(r.stderr).toMatch(/RUNBOOK\.md \(modified since the last synth\)/);
    expect(r.stderr).toMatch(/fix: .*--force/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(tree(dist)).toEqual(before);
    expect(fs.readdirSync(dist).filter((f) => f.startsWith('.isb-staging-'))).toEqual([]);

    const forced = await synth(dir, '--force');
    expect(forced.code).toBe(0);
    expect(fs.readFileSync(path.join(dist, 'RUNBOOK.md'), 'utf8')).not.toContain('my local notes');
    expect((await synth(dir)).code).toBe(0); // clean again: the manifest was updated
  });

  test('a file synth would write that is not in the manifest (a user file, or no manifest at all) is refused', async () => {
    const dir = setup();
    fs.mkdirSync(path.join(dir, 'dist/github/.github/workflows'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'dist/github/.github/workflows/build-sign.yml'), 'name: hand written\n');
    const r = await synth(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('github/.github/workflows/build-sign.yml (not written by synth)');
    expect(tree(path.join(dir, 'dist'))).toEqual({ 'github/.github/workflows/build-sign.yml': sha('name: hand written\n') });
  });

  test('a corrupt manifest counts as empty: existing outputs are refused, not trusted', async () => {
    const dir = setup();
    expect((await synth(dir)).code).toBe(0);
    fs.appendFileSync(path.join(dir, 'dist/RUNBOOK.md'), 'edit');
    fs.writeFileSync(path.join(dir, 'dist', MANIFEST_FILE), '{"version":1,"files":');
    const r = await synth(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('RUNBOOK.md (not written by synth)');
  });

  test('files synth did not write and would not write are left alone', async () => {
    const dir = setup();
    fs.mkdirSync(path.join(dir, 'dist'));
    fs.writeFileSync(path.join(dir, 'dist/NOTES.md'), 'mine');
    expect((await synth(dir)).code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'dist/NOTES.md'), 'utf8')).toBe('mine');
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'dist', MANIFEST_FILE), 'utf8')).files['NOTES.md']).toBeUndefined();
  });

  test('--out . next to blueprint.yaml and cosign.pub: they are never touched', async () => {
    const dir = setup();
    const cfg = fs.readFileSync(path.join(dir, 'blueprint.yaml'));
    const pub = fs.readFileSync(path.join(dir, 'cosign.pub'));
    const io = memoryIo({ cwd: dir });
    expect(await main(['synth', '--out', '.'], io)).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'blueprint.yaml'))).toEqual(cfg);
    expect(fs.readFileSync(path.join(dir, 'cosign.pub'))).toEqual(pub);
  });

  test('files no longer produced are removed when unmodified (the output stays exact), refused when edited', async () => {
    const two = keyConfig({ clusters: [{ name: 'prod-eu' }, { name: 'staging' }] });
    const one = keyConfig({ clusters: [{ name: 'prod-eu' }] });
    const dir = setup(two);
    expect((await synth(dir)).code).toBe(0);
    const dist = path.join(dir, 'dist');
    const stagingFiles = Object.keys(tree(dist)).filter((f) => f.startsWith('kubernetes/staging/'));
    expect(stagingFiles.length).toBeGreaterThan(0);

    // edited stale file: refused, nothing changes
    fs.writeFileSync(path.join(dir, 'blueprint.yaml'), stringify(one));
    fs.appendFileSync(path.join(dist, stagingFiles[0]), '# edited\n');
    const before = tree(dist);
    const r = await synth(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${stagingFiles[0]} (no longer produced, and modified since the last synth)`);
    expect(tree(dist)).toEqual(before);

    // unmodified stale files: removed, with their empty folders
    expect((await synth(dir, '--force')).code).toBe(0);
    fs.writeFileSync(path.join(dir, 'blueprint.yaml'), stringify(two));
    expect((await synth(dir)).code).toBe(0);
    fs.writeFileSync(path.join(dir, 'blueprint.yaml'), stringify(one));
    expect((await synth(dir)).code).toBe(0);
    expect(fs.existsSync(path.join(dist, 'kubernetes/staging'))).toBe(false);
    const manifest = JSON.parse(fs.readFileSync(path.join(dist, MANIFEST_FILE), 'utf8'));
    const onDisk = tree(dist);
    delete onDisk[MANIFEST_FILE];
    delete onDisk[CACHE_FILE]; // synth's own bookkeeping, like the manifest (render-cache.ts)
    expect(manifest.files).toEqual(onDisk);
  });

  test('an output path that is a file: a clear error, exit 1', async () => {
    const dir = setup();
    fs.writeFileSync(path.join(dir, 'dist'), 'a file');
    const r = await synth(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error \[OUTPUT_NOT_WRITABLE\]/);
    expect(fs.readFileSync(path.join(dir, 'dist'), 'utf8')).toBe('a file');
  });
});

describe('synth never writes through a symbolic link out of the output folder', () => {
  test('a folder of the output that links elsewhere: refused even with --force, the link target untouched', async () => {
    const dir = setup();
    const elsewhere = path.join(dir, 'elsewhere');
    fs.mkdirSync(elsewhere);
    fs.writeFileSync(path.join(elsewhere, 'precious.txt'), 'keep');
    fs.mkdirSync(path.join(dir, 'dist'));
    fs.symlinkSync(elsewhere, path.join(dir, 'dist/github'));
    for (const extra of [[], ['--force']]) {
      const r = await synth(dir, ...extra);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/OUTPUT_CONFLICT.*symbolic link/);
      expect(fs.readdirSync(elsewhere)).toEqual(['precious.txt']);
    }
  });
});

describe('a synth interrupted half way', () => {
  test('leaves every file recognizable as synth\'s: the next synth (same or previous output) succeeds without --force', () => {
    const out = path.join(tempDir(), 'out');
    const v1 = new Map([['a.txt', 'a1'], ['sub/b.txt', 'b1'], ['c.txt', 'c1'], ['old/d.txt', 'd1']]);
    const v2 = new Map([['a.txt', 'a2'], ['sub/b.txt', 'b2'], ['c.txt', 'c2']]);
    writeArtifactsDetailed(out, v1);
    let renames = 0;
    const crashing = (from: string, to: string) => {
      if (!to.endsWith(MANIFEST_FILE) && ++renames === 2) throw Object.assign(new Error('EIO: simulated crash'), { code: 'EIO' });
      fs.renameSync(from, to);
    };
    expect(() => writeArtifactsDetailed(out, v2, { renameSync: crashing })).toThrow(/EIO/);
    expect(fs.readFileSync(path.join(out, 'a.txt'), 'utf8')).toBe('a2'); // half new, half old
    expect(fs.readFileSync(path.join(out, 'c.txt'), 'utf8')).toBe('c1');
    expect(fs.readdirSync(out).filter((f) => f.startsWith('.isb-staging-'))).toEqual([]);

    const again = writeArtifactsDetailed(out, v2);
    expect(again.removed).toEqual(['old/d.txt']);
    const onDisk = tree(out);
    delete onDisk[MANIFEST_FILE];
    expect(onDisk).toEqual(Object.fromEntries([...v2].map(([k, v]) => [k, sha(v)]).sort()));
    expect(JSON.parse(fs.readFileSync(path.join(out, MANIFEST_FILE), 'utf8'))).toEqual({ version: 1, files: onDisk });

    // and going back to the previous output after another interruption works too
    renames = 0;
    expect(() => writeArtifactsDetailed(out, v1, { renameSync: crashing })).toThrow(/EIO/);
    expect(() => writeArtifactsDetailed(out, v1)).not.toThrow();
    expect(fs.readFileSync(path.join(out, 'old/d.txt'), 'utf8')).toBe('d1');
  });
});

describe('stale files are never deleted through a symbolic link', () => {
  test('a manifest entry below a linked folder is left alone, even with --force', () => {
    const root = tempDir();
    const out = path.join(root, 'out');
    const victim = path.join(root, 'victim');
    fs.mkdirSync(victim);
    fs.writeFileSync(path.join(victim, 'x.txt'), 'precious');
    writeArtifactsDetailed(out, new Map([['a.txt', 'a'], ['linked/x.txt', 'precious']]));
    fs.rmSync(path.join(out, 'linked'), { recursive: true });
    fs.symlinkSync(victim, path.join(out, 'linked')); // the manifest's hash now matches the victim's file
    for (const force of [false, true]) {
      const r = writeArtifactsDetailed(out, new Map([['a.txt', 'a']]), { force });
      expect(r.removed).toEqual([]);
      expect(fs.readFileSync(path.join(victim, 'x.txt'), 'utf8')).toBe('precious');
    }
  });
});
