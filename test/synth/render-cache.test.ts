import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { ImageSigningBlueprint } from '../../src/blueprint';
import { memoryIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { CACHE_FILE } from '../../src/synth/render-cache';
import { MANIFEST_FILE, sha256Hex } from '../../src/synth/write';
import { keyConfig, newPublicKeyPem, projectDir } from '../support/fixtures';
import { listFilesRecursive } from '../support/secrets-scan';

/*
 * The render cache (src/synth/render-cache.ts) may only ever reproduce what a clean synth writes:
 * after each kind of edit, a re-synth into the folder of the last synth (cache on) and a synth
 * into an empty folder with --no-cache give byte-identical trees; files whose inputs are
 * unchanged are reused, and only while untouched on disk.
 */

/** every file below dir but the render cache itself: relative path → bytes */
function tree(dir: string): Record<string, string> {
  return Object.fromEntries(listFilesRecursive(dir).filter((f) => path.basename(f) !== CACHE_FILE).map((f) => [path.relative(dir, f), fs.readFileSync(f, 'latin1')]));
}

const org = (overrides: Record<string, unknown> = {}) => keyConfig({
  name: 'acme-org',
  repositories: Array.from({ length: 5 }, (_, i) => ({ name: `svc-${i}`, images: [`ghcr.io/acme/svc-${i}`, `ghcr.io/acme/svc-${i}-debug`] })),
  clusters: [{ name: 'prod-eu' }, { name: 'prod-us', kyverno: { policy: 'ClusterPolicy', version: '1.16' } }],
  ...overrides,
});

async function synth(dir: string, out: string, ...flags: string[]): Promise<{ stdout: string; reused: number; rendered: number }> {
  const io = memoryIo({ cwd: dir });
  const code = await main(['synth', '--out', out, ...flags], io);
  if (code !== 0) throw new Error(`synth exited ${code}: ${io.stderr()}`);
  const m = /render cache: (\d+) files reused, (\d+) rendered/.exec(io.stdout());
  return { stdout: io.stdout(), reused: m ? Number(m[1]) : 0, rendered: m ? Number(m[2]) : 0 };
}

function writeConfig(dir: string, config: unknown): void {
  fs.writeFileSync(path.join(dir, 'blueprint.yaml'), stringify(config));
}

describe('render cache: a cached re-synth is byte for byte a clean synth', () => {
  test('after an image, the key file, the cosign version, a pin and a cluster setting change', async () => {
    const dir = projectDir();
    let config = org();
    writeConfig(dir, config);
    const first = await synth(dir, 'dist');
    expect(first.reused).toBe(0);
    expect(first.rendered).toBe(5 + 5 + 2); // 5 workflows, 5 stacks, 2 cluster manifests
    const again = await synth(dir, 'dist');
    expect(again).toMatchObject({ reused: 12, rendered: 0 });
    expect(again.stdout).toContain(' 0 written, ');

    const edits: { name: string; apply: () => void; rendered: (n: number) => boolean }[] = [
      {
        name: 'one repository\'s image',
        apply: () => {
          config = { ...config, repositories: config.repositories.map((r: any, i: number) => (i === 1 ? { ...r, images: ['ghcr.io/acme/svc-1-v2', r.images[1]] } : r)) };
        },
        // its workflow and stack, and both cluster manifests (their patterns name every image)
        rendered: (n) => n === 4,
      },
      { name: 'the key file\'s content', apply: () => fs.writeFileSync(path.join(dir, 'cosign.pub'), newPublicKeyPem()), rendered: (n) => n >= 7 },
      { name: 'the cosign version', apply: () => { config = { ...config, signing: { ...config.signing, cosign: { version: 'v2.6.1' } } }; }, rendered: (n) => n >= 5 },
      {
        name: 'an action pin',
        apply: () => { config = { ...config, github: { owner: 'acme', actionPins: { checkout: { sha: 'b'.repeat(40), version: 'v7.0.2', runtime: 'node24' } } } }; },
        rendered: (n) => n === 10, // every workflow and stack; the cluster manifests stay
      },
      {
        name: 'a cluster setting',
        apply: () => { config = { ...config, clusters: [{ name: 'prod-eu', failureAction: 'Audit' }, config.clusters[1]] }; },
        rendered: (n) => n >= 1 && n <= 2,
      },
    ];
    for (const [i, edit] of edits.entries()) {
      edit.apply();
      writeConfig(dir, config);
      const cached = await synth(dir, 'dist');
      const clean = await synth(dir, `clean-${i}`, '--no-cache');
      expect(clean).toMatchObject({ reused: 0, rendered: 0 });
      const seen = { edit: edit.name, rendered: cached.rendered };
      expect({ ...seen, ok: edit.rendered(cached.rendered) }).toEqual({ ...seen, ok: true });
      expect(cached.reused + cached.rendered).toBe(12);
      const [a, b] = [tree(path.join(dir, 'dist')), tree(path.join(dir, `clean-${i}`))];
      expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
      for (const k of Object.keys(b)) expect({ file: k, same: a[k] === b[k] }).toEqual({ file: k, same: true });
    }
  });

  test('another build of the library (a version bump: another salt) reuses nothing, even files that would match', async () => {
    const dir = projectDir();
    writeConfig(dir, org());
    await synth(dir, 'dist');
    const out = path.join(dir, 'dist');
    // an "older build" wrote a different workflow text and recorded it consistently (manifest,
    // cache entry and the file's stamp): the same build would reuse it; another build must not
    const wf = 'github/svc-0/.github/workflows/build-sign.yml';
    const forge = (salt?: string) => {
      const old = `${fs.readFileSync(path.join(out, wf), 'utf8')}# written by an older build\n`;
      fs.writeFileSync(path.join(out, wf), old);
      const manifest = JSON.parse(fs.readFileSync(path.join(out, MANIFEST_FILE), 'utf8'));
      manifest.files[wf] = sha256Hex(old);
      fs.writeFileSync(path.join(out, MANIFEST_FILE), JSON.stringify(manifest));
      const cache = JSON.parse(fs.readFileSync(path.join(out, CACHE_FILE), 'utf8'));
      const st = fs.lstatSync(path.join(out, wf), { bigint: true });
      cache.entries[wf] = [cache.entries[wf][0], sha256Hex(old), `${st.dev}:${st.ino}:${st.size}:${st.ctimeNs}`];
      if (salt) cache.salt = salt;
      fs.writeFileSync(path.join(out, CACHE_FILE), JSON.stringify(cache));
    };
    forge();
    const same = await synth(dir, 'dist');
    // the trust boundary: a cache forged with the exact stamps is believed by the same build (the
    // forged workflow is reused; its stack, which commits that text, has new inputs)
    expect(same).toMatchObject({ reused: 11, rendered: 1 });
    expect(fs.readFileSync(path.join(out, wf), 'utf8')).toContain('older build');

    forge('0'.repeat(64));
    const other = await synth(dir, 'dist');
    expect(other).toMatchObject({ reused: 0, rendered: 12 });
    await synth(dir, 'clean', '--no-cache');
    expect(tree(out)).toEqual(tree(path.join(dir, 'clean')));
  });

  test('a file edited, touched or copied since the last synth is never reused', async () => {
    const dir = projectDir();
    writeConfig(dir, org());
    await synth(dir, 'dist');
    const out = path.join(dir, 'dist');
    const wf = path.join(out, 'github/svc-2/.github/workflows/build-sign.yml');
    // same bytes rewritten: a new change time, so rendered again (and unchanged on disk)
    fs.writeFileSync(wf, fs.readFileSync(wf));
    const touched = await synth(dir, 'dist');
    expect(touched).toMatchObject({ reused: 11, rendered: 1 });
    expect(touched.stdout).toContain(' 0 written, ');
    // edited: refused as usual (the cache does not hide an edit), --force restores the rendered text
    fs.appendFileSync(wf, '# edited\n');
    const io = memoryIo({ cwd: dir });
    expect(await main(['synth', '--out', 'dist'], io)).toBe(1);
    expect(io.stderr()).toContain('OUTPUT_CONFLICT');
    const forced = await synth(dir, 'dist', '--force');
    expect(forced.rendered).toBe(1);
    expect(fs.readFileSync(wf, 'utf8')).not.toContain('# edited');
    // the whole folder copied elsewhere, cache file included: every stamp differs
    fs.cpSync(out, path.join(dir, 'copy'), { recursive: true });
    const copied = await synth(dir, 'copy');
    expect(copied).toMatchObject({ reused: 0, rendered: 12 });
    expect(tree(path.join(dir, 'copy'))).toEqual(tree(out));
  });

  test('--no-cache renders everything and removes the cache file; the API takes cache: false', async () => {
    const dir = projectDir();
    writeConfig(dir, org());
    await synth(dir, 'dist');
    expect(fs.existsSync(path.join(dir, 'dist', CACHE_FILE))).toBe(true);
    const r = await synth(dir, 'dist', '--no-cache');
    expect(r).toMatchObject({ reused: 0, rendered: 0 });
    expect(r.stdout).toContain(' 0 written, ');
    expect(fs.existsSync(path.join(dir, 'dist', CACHE_FILE))).toBe(false);
    const api = new ImageSigningBlueprint({ config: org(), baseDir: dir }).synth(path.join(dir, 'dist'), { cache: false });
    expect(api.reused).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'dist', CACHE_FILE))).toBe(false);
  });

  test('a stack customizer turns the stack cache off (a function has no hash); workflows and manifests are still cached', () => {
    const dir = projectDir();
    const make = () => {
      const bp = new ImageSigningBlueprint({ config: org(), baseDir: dir });
      bp.customizeTerraformStacks({ customize: (stack: any) => stack.addOverride('terraform.required_version', '>= 1.6') });
      return bp;
    };
    make().synth(path.join(dir, 'dist'));
    const r = make().synth(path.join(dir, 'dist'));
    expect(r.reused).toHaveLength(7);
    expect(r.reused.some((f) => f.startsWith('terraform/'))).toBe(false);
    expect(r.written).toEqual([]);
  });

  test('synth refuses the cache file\'s name as an output', () => {
    const { writeArtifactsDetailed } = jest.requireActual('../../src/synth/write');
    expect(() => writeArtifactsDetailed(projectDir(), new Map([[CACHE_FILE, 'x']]))).toThrow(/render cache/);
  });
});
