import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { ImageSigningBlueprint } from '../../src/blueprint';
import { memoryIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { CACHE_FILE } from '../../src/synth/render-cache';
import { keyConfig, projectDir } from '../support/fixtures';
import { listFilesRecursive } from '../support/secrets-scan';

/* synth --jobs N: the Terraform stacks split over worker threads; the output never depends on N. */

/** every file below dir but the render cache itself: relative path → sha256 */
function tree(dir: string): Record<string, string> {
  return Object.fromEntries(listFilesRecursive(dir).filter((f) => path.basename(f) !== CACHE_FILE)
    .map((f) => [path.relative(dir, f), createHash('sha256').update(fs.readFileSync(f)).digest('hex')]));
}

const org = (n: number) => keyConfig({
  repositories: Array.from({ length: n }, (_, i) => ({ name: `svc-${i}`, images: [`ghcr.io/acme/svc-${i}`, `ghcr.io/acme/svc-${i}-debug`] })),
  clusters: [{ name: 'prod-eu' }, { name: 'prod-us', kyverno: { policy: 'ClusterPolicy', version: '1.16' } }],
});

describe('synth --jobs', () => {
  test('--jobs 1, 2 and 3 give byte-identical trees (and the same findings in checks.json)', async () => {
    const dir = projectDir({ 'blueprint.yaml': stringify(org(12)) });
    const trees = [];
    for (const jobs of ['1', '2', '3']) {
      const io = memoryIo({ cwd: dir });
      expect(await main(['synth', '--out', `dist-${jobs}`, '--jobs', jobs], io)).toBe(0);
      trees.push(tree(path.join(dir, `dist-${jobs}`)));
    }
    expect(Object.keys(trees[0]).length).toBeGreaterThan(12 * 3);
    expect(trees[1]).toEqual(trees[0]);
    expect(trees[2]).toEqual(trees[0]);
  });

  test('the compiled CLI with workers (--jobs 2 and 3, 240 stacks): byte-identical to --jobs 1, and the workers did run', () => {
    const bin = path.resolve(__dirname, '../../bin/image-signing-blueprint');
    if (!fs.existsSync(path.resolve(__dirname, '../../lib/synth/terraform-workers.js'))) {
      // npm test compiles first; workers load the compiled module, so a jest run without lib/ cannot test them
      if (process.env.CI === 'true') throw new Error('lib/ is not compiled: run npx projen compile');
      process.stderr.write('SKIPPING the worker test: lib/ is not compiled (npx projen compile)\n');
      return;
    }
    const dir = projectDir({ 'blueprint.yaml': stringify(org(240)) });
    const trees = [];
    for (const jobs of ['1', '2', '3']) {
      const r = spawnSync(process.execPath, [bin, 'synth', '--out', `dist-${jobs}`, '--jobs', jobs], { cwd: dir, encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      if (jobs === '2') expect(r.stdout).toContain('--jobs 2: 120 Terraform stacks synthesized in 1 worker threads');
      if (jobs === '3') expect(r.stdout).toMatch(/--jobs 3: 1\d\d Terraform stacks synthesized in 1 worker threads/);
      trees.push(tree(path.join(dir, `dist-${jobs}`)));
    }
    expect(Object.keys(trees[0]).length).toBe(240 * 4 + 6);
    expect(trees[1]).toEqual(trees[0]);
    expect(trees[2]).toEqual(trees[0]);
  }, 180_000);

  test('the checks see every workflow: an unpinned action in one workflow fails synth with --jobs 2 as with 1', () => {
    const dir = projectDir();
    for (const jobs of [1, 2]) {
      const bp = new ImageSigningBlueprint({ config: org(3), baseDir: dir });
      bp.customizeWorkflows({
        customize: (wf: any, repo: string) => {
          if (repo === 'svc-2') wf.jobs[Object.keys(wf.jobs)[0]].steps.unshift({ uses: 'actions/checkout@v4' });
        },
      });
      const out = path.join(dir, `out-${jobs}`);
      expect(() => bp.synth(out, { jobs })).toThrow(/ISB-WF-002[\s\S]*actions\/checkout@v4/);
      expect(fs.existsSync(out)).toBe(false);
    }
  });

  test('bad values are refused with the fix', async () => {
    const dir = projectDir({ 'blueprint.yaml': stringify(keyConfig()) });
    for (const bad of ['0', 'two', '1.5']) {
      const io = memoryIo({ cwd: dir });
      expect(await main(['synth', '--jobs', bad], io)).toBe(1);
      expect(io.stderr()).toMatch(/INVALID_OPTION.*--jobs/s);
      expect(io.stderr()).toMatch(/fix: /);
    }
    expect(() => new ImageSigningBlueprint({ config: keyConfig(), baseDir: dir }).synth(path.join(dir, 'x'), { jobs: 0 })).toThrow(/jobs must be a whole number/);
  });
});
