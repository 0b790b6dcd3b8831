import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { CliIo, memoryIo } from '../../src/cli/io';
import { EXIT, main } from '../../src/cli/main';
import { keyConfig, projectDir, tempDir } from '../support/fixtures';

/*
 * Exit codes (0 ok, 1 bad config / failed checks / failed operation, 2 usage) and messages:
 * one line per error with its code, path and fix; stack traces only with --debug.
 */

const STACK = /\n\s+at .+:\d+:\d+/;

/** a memoryIo whose stdout throws an unexpected (non-Blueprint) error on first use */
function brokenIo(error: Error): CliIo & { stderr: () => string } {
  const io = memoryIo();
  return { ...io, out: () => { throw error; } };
}

describe('unexpected internal errors', () => {
  test('without --debug: exactly one line, no stack; with --debug: the stack', async () => {
    const quiet = brokenIo(new TypeError('Cannot read properties of undefined (reading \'x\')\nsecond line of a long dump'));
    expect(await main(['match', '--engine', 'kyverno', 'ghcr.io/*', 'ghcr.io/a/b'], quiet)).toBe(EXIT.FAILED);
    const lines = quiet.stderr().split('\n').filter((l) => l !== '');
    expect(lines).toEqual(["error: Cannot read properties of undefined (reading 'x') (internal error; run with --debug for the stack trace)"]);
    expect(quiet.stderr()).not.toMatch(STACK);

    for (const argv of [['--debug', 'match'], ['match', '--debug']]) {
      const loud = brokenIo(new TypeError('boom'));
      expect(await main([...argv, '--engine', 'kyverno', 'ghcr.io/*', 'ghcr.io/a/b'], loud)).toBe(EXIT.FAILED);
      expect(loud.stderr()).toMatch(/^error: boom\n/);
      expect(loud.stderr()).toMatch(/TypeError: boom/);
      expect(loud.stderr()).toMatch(STACK);
    }
  });

  test('a thrown non-Error value is reported, not crashed on', async () => {
    const io = memoryIo();
    const weird: CliIo = { ...io, out: () => { throw 'a string'; } }; // eslint-disable-line no-throw-literal
    expect(await main(['match', '--engine', 'kyverno', 'a', 'a'], weird)).toBe(EXIT.FAILED);
    expect(io.stderr()).toMatch(/^error: a string \(internal error/);
  });

  test('our own errors: code, path and fix, never a stack without --debug', async () => {
    const dir = projectDir({ 'blueprint.yaml': stringify(keyConfig({ github: {} })) });
    const io = memoryIo({ cwd: dir });
    expect(await main(['synth'], io)).toBe(EXIT.FAILED);
    expect(io.stderr()).toMatch(/github\.owner: is required \[ISB-CFG-001 at blueprint\.yaml:\d+\]\n\s+fix: /);
    expect(io.stderr()).not.toMatch(STACK);
    const dbg = memoryIo({ cwd: dir });
    expect(await main(['synth', '--debug'], dbg)).toBe(EXIT.FAILED);
    expect(dbg.stderr()).toMatch(STACK);
  });
});

describe('exit codes', () => {
  const dir = projectDir({ 'blueprint.yaml': stringify(keyConfig()), 'bad.yaml': stringify(keyConfig({ name: 'Bad Name' })) });
  const cases: [string, number, string[]][] = [
    ['help', 0, ['--help']],
    ['match: yes', 0, ['match', '--engine', 'kyverno', 'ghcr.io/acme/*', 'ghcr.io/acme/web']],
    ['match: no', 1, ['match', '--engine', 'kyverno', 'ghcr.io/other/*', 'ghcr.io/acme/web']],
    ['synth: ok', 0, ['synth', '--out', path.join(tempDir(), 'out')]],
    ['synth: bad config', 1, ['synth', '--config', 'bad.yaml']],
    ['synth: missing config', 1, ['synth', '--config', 'nope.yaml']],
    ['check: ok', 0, ['check']],
    ['public-key: missing file', 1, ['public-key', '--key', 'nope.key']],
    ['verify: refused port', 1, ['verify', '--key', 'cosign.pub', '127.0.0.1:1/acme/web:v1']],
    ['no arguments', 2, []],
    ['unknown command', 2, ['frobnicate']],
    ['unknown option', 2, ['synth', '--no-such-option']],
    ['missing argument', 2, ['match', '--engine', 'kyverno', 'only-one']],
    ['bad choice', 2, ['check', '--format', 'xml']],
    ['missing required option', 2, ['public-key']],
    ['verify without a key', 2, ['verify', 'ghcr.io/acme/web:v1']],
    ['match: invalid pattern', 2, ['match', '--engine', 'policy-controller', 'ghcr.io/[a]', 'ghcr.io/a/b']],
    ['keygen: bad scrypt-n', 2, ['keygen', '--scrypt-n', '7']],
  ];
  test.each(cases)('%s → exit %d', async (_name, code, argv) => {
    const io = memoryIo({ cwd: dir, env: { HOME: dir } });
    expect(await main(argv, io)).toBe(code);
    if (code !== 0) expect(io.stderr()).not.toMatch(STACK);
  });

  test('the bin propagates the exit code and prints one line', () => {
    const bin = path.resolve(__dirname, '../../bin/image-signing-blueprint');
    if (!fs.existsSync(path.resolve(__dirname, '../../lib/cli/main.js'))) return; // run `npx projen compile` first
    const r = spawnSync(process.execPath, [bin, 'synth', '--config', 'nope.yaml'], { cwd: tempDir(), encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error \[CONFIG_NOT_FOUND\]/);
    expect(r.stderr).not.toMatch(STACK);
    expect(spawnSync(process.execPath, [bin, 'frobnicate'], { encoding: 'utf8' }).status).toBe(2);
  });

  test('a reader that goes away (`| true`): no EPIPE stack trace', () => {
    if (!fs.existsSync(path.resolve(__dirname, '../../lib/cli/main.js'))) return;
    const bin = path.resolve(__dirname, '../../bin/image-signing-blueprint');
    const project = projectDir({ 'blueprint.yaml': stringify(keyConfig()) });
    for (let i = 0; i < 2; i++) {
      const r = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" check --format sarif | true`], { cwd: project, encoding: 'utf8' });
      expect(r.stderr).not.toMatch(/EPIPE|Unhandled 'error' event/);
      expect(r.stderr).not.toMatch(STACK);
    }
  });
});
