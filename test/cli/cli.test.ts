import * as fs from 'node:fs';
import * as path from 'node:path';
import { memoryIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { loadConfigFile } from '../../src/config/load';
import { newPublicKeyPem, tempDir } from '../support/fixtures';

describe('CLI', () => {
  test('--help and per-command --help exit 0', async () => {
    for (const argv of [['--help'], ['synth', '--help'], ['init', '--help']]) {
      const io = memoryIo();
      expect(await main(argv, io)).toBe(0);
      expect(io.stdout()).toMatch(/Usage: image-signing-blueprint/);
    }
  });

  test('usage errors exit 2', async () => {
    expect(await main(['no-such-command'], memoryIo())).toBe(2);
    expect(await main(['init', '--mode', 'sometimes'], memoryIo())).toBe(2);
    expect(await main([], memoryIo())).toBe(2);
  });

  test.each(['key', 'keyless'])('init --mode %s writes a commented config that loads and synthesizes', async (mode) => {
    const dir = tempDir();
    const io = memoryIo({ cwd: dir });
    expect(await main(['init', '--mode', mode, '--owner', 'Acme', '--repository', 'shop'], io)).toBe(0);
    const text = fs.readFileSync(path.join(dir, 'blueprint.yaml'), 'utf8');
    expect(text).toMatch(/^# /);
    const loaded = loadConfigFile(path.join(dir, 'blueprint.yaml'));
    expect(loaded.config.signing?.mode).toBe(mode);
    expect(loaded.config.repositories[0].images).toEqual(['ghcr.io/acme/shop']);
    if (mode === 'key') {
      expect(fs.readFileSync(path.join(dir, '.gitignore'), 'utf8')).toMatch(/^cosign\.key$/m);
      fs.writeFileSync(path.join(dir, 'cosign.pub'), newPublicKeyPem());
    }
    const synthIo = memoryIo({ cwd: dir });
    expect(await main(['synth'], synthIo)).toBe(0);
    expect(fs.existsSync(path.join(dir, 'dist/github/.github/workflows/build-sign.yml'))).toBe(true);
  });

  test('init never overwrites without --force', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'blueprint.yaml'), 'mine\n');
    const io = memoryIo({ cwd: dir });
    expect(await main(['init'], io)).toBe(1);
    expect(io.stderr()).toMatch(/already exists.*\n.*--force/s);
    expect(fs.readFileSync(path.join(dir, 'blueprint.yaml'), 'utf8')).toBe('mine\n');
    expect(await main(['init', '--force'], memoryIo({ cwd: dir }))).toBe(0);
  });

  test('init appends cosign.key to an existing .gitignore once', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, '.gitignore'), 'node_modules');
    await main(['init'], memoryIo({ cwd: dir }));
    await main(['init', '--force'], memoryIo({ cwd: dir }));
    const gi = fs.readFileSync(path.join(dir, '.gitignore'), 'utf8');
    expect(gi.match(/^cosign\.key$/mg)).toHaveLength(1);
    expect(gi.startsWith('node_modules\n')).toBe(true);
  });

  test('a missing config: exit 1 with the fix; stack trace only with --debug', async () => {
    const dir = tempDir();
    const io = memoryIo({ cwd: dir });
    expect(await main(['synth'], io)).toBe(1);
    expect(io.stderr()).toMatch(/CONFIG_NOT_FOUND.*\n.*fix: .*init/s);
    expect(io.stderr()).not.toMatch(/\n\s+at /);
    const dbg = memoryIo({ cwd: dir });
    expect(await main(['synth', '--debug'], dbg)).toBe(1);
    expect(dbg.stderr()).toMatch(/\n\s+at /);
  });
});
