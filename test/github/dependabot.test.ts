import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { ImageSigningBlueprint } from '../../src';
import { validateConfig } from '../../src/config/load';
import { ConfigError } from '../../src/config/problems';
import { keyConfig, projectDir, tempDir } from '../support/fixtures';

function synth(config: any): string {
  const out = tempDir();
  new ImageSigningBlueprint({ config, baseDir: projectDir() }).synth(out);
  return out;
}

function repositoryFiles(out: string, stack: string): any[] {
  const tf = JSON.parse(fs.readFileSync(path.join(out, `terraform/stacks/${stack}/cdk.tf.json`), 'utf8'));
  return Object.values<any>(tf.resource.github_repository_file ?? {});
}

describe('.github/dependabot.yml keeps the pinned actions current', () => {
  const out = synth(keyConfig());
  const file = path.join(out, 'github/.github/dependabot.yml');

  test('is written next to the workflow, as Dependabot version 2 config for github-actions, weekly, at /', () => {
    const cfg = parse(fs.readFileSync(file, 'utf8'));
    expect(cfg.version).toBe(2);
    expect(cfg.updates).toHaveLength(1);
    const [u] = cfg.updates;
    expect(u['package-ecosystem']).toBe('github-actions');
    // "/" is where Dependabot's github-actions updater looks for .github/workflows
    expect(u.directory).toBe('/');
    expect(u.schedule).toEqual({ interval: 'weekly' });
    expect(Object.keys(u).sort()).toEqual(['directory', 'package-ecosystem', 'schedule']);
  });

  test('the Terraform stack commits it to the repository with the same content', () => {
    const committed = repositoryFiles(out, 'github-web').find((f) => f.file === '.github/dependabot.yml');
    expect(committed).toBeDefined();
    expect(committed.repository).toBe('web');
    expect(committed.content).toBe(fs.readFileSync(file, 'utf8'));
    const workflow = repositoryFiles(out, 'github-web').find((f) => f.file === '.github/workflows/build-sign.yml');
    // committed like the workflow: the default branch, replacing a file created by hand
    expect(committed.overwrite_on_create).toBe(true);
    expect(committed.overwrite_on_create).toBe(workflow.overwrite_on_create);
    expect(committed.branch).toBeUndefined();
  });

  test('every uses: line carries the "# vX.Y.Z" comment Dependabot rewrites with the SHA', () => {
    const text = fs.readFileSync(path.join(out, 'github/.github/workflows/build-sign.yml'), 'utf8');
    const uses = text.split('\n').filter((l) => /^\s*(- )?uses: /.test(l));
    expect(uses.length).toBeGreaterThan(4);
    for (const l of uses) expect(l).toMatch(/uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  test('one per repository with several repositories', () => {
    const several = synth(keyConfig({ repositories: [{ name: 'web', images: ['ghcr.io/acme/web'] }, { name: 'api', images: ['ghcr.io/acme/api'] }] }));
    for (const repo of ['web', 'api']) {
      expect(parse(fs.readFileSync(path.join(several, `github/${repo}/.github/dependabot.yml`), 'utf8')).version).toBe(2);
      expect(repositoryFiles(several, `github-${repo}`).map((f) => f.file)).toContain('.github/dependabot.yml');
    }
  });

  test('github.dependabot: false writes and commits none', () => {
    const off = synth(keyConfig({ github: { owner: 'acme', dependabot: false } }));
    expect(fs.existsSync(path.join(off, 'github/.github/dependabot.yml'))).toBe(false);
    expect(repositoryFiles(off, 'github-web').map((f) => f.file).sort()).toEqual(['.github/workflows/build-sign.yml', 'cosign.pub']);
  });

  test('github.dependabot must be a boolean', () => {
    try {
      validateConfig(keyConfig({ github: { owner: 'acme', dependabot: 'weekly' } }));
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).problems.map((p) => p.path)).toEqual(['github.dependabot']);
    }
  });
});
