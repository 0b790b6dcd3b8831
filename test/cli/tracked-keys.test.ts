import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { memoryIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { keyConfig, projectDir } from '../support/fixtures';
import { describeWithTool } from '../support/tools';

/** synth warns when a private key next to the config is tracked by git (issue: keys stay out of version control). */
describeWithTool('git', 'synth: a cosign.key tracked by git is reported', () => {
  const git = (dir: string, ...args: string[]) => {
    const r = spawnSync('git', ['-c', 'user.email=t@example.invalid', '-c', 'user.name=t', ...args], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
  };
  function repo(track: boolean): string {
    const dir = projectDir({ 'blueprint.yaml': JSON.stringify(keyConfig()), 'cosign.key': 'not a real key\n' });
    git(dir, 'init', '-q');
    git(dir, 'add', 'blueprint.yaml', 'cosign.pub', ...(track ? ['cosign.key'] : []));
    return dir;
  }

  test('tracked: a warning naming the file and the fix; synth still succeeds', async () => {
    const dir = repo(true);
    const io = memoryIo({ cwd: dir });
    expect(await main(['synth'], io)).toBe(0);
    expect(io.stderr()).toContain('warning: cosign.key is tracked by git');
    expect(io.stderr()).toContain('git rm --cached cosign.key');
    expect(io.stderr()).not.toContain('not a real key');
  });

  test('present but untracked (ignored): no warning', async () => {
    const dir = repo(false);
    fs.writeFileSync(path.join(dir, '.gitignore'), 'cosign.key\n');
    const io = memoryIo({ cwd: dir });
    expect(await main(['synth'], io)).toBe(0);
    expect(io.stderr()).not.toContain('tracked by git');
  });
}, ['--version']);
