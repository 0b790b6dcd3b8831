import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { ImageSigningBlueprint } from '../../src/blueprint';
import { memoryIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { CACHE_FILE } from '../../src/synth/render-cache';
import { keyConfig, projectDir } from '../support/fixtures';

/* synth --jobs N: the Terraform stacks split over worker threads; the output never depends on N. */

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name !== CACHE_FILE) out[path.relative(dir, p)] = createHash('sha256').update(fs.readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
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
