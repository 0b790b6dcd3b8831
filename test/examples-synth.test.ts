import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './support/fixtures';
import { memoryIo } from '../src/cli/io';
import { main } from '../src/cli/main';

/*
 * Issue 14: every bundled example goes through the CLI's `synth` (with its checks, unlike
 * `_render()`), and our own rules report zero errors and zero warnings on it (a suppression with a
 * reason counts as meant). `check --format json` gives the findings to count.
 */

const EXAMPLES = path.resolve(__dirname, '..', 'examples');
const examples = fs.readdirSync(EXAMPLES).filter((d) => fs.existsSync(path.join(EXAMPLES, d, 'blueprint.yaml'))).sort();

jest.setTimeout(120_000);

test('the examples are the ones this test knows', () => {
  expect(examples).toEqual(['keyless', 'kms', 'org-blueprint', 'platform-team', 'repo-owner']);
});

describe.each(examples)('examples/%s', (name) => {
  const cwd = path.join(EXAMPLES, name);

  test('CLI synth exits 0 and writes the artifacts', async () => {
    const out = tempDir();
    const io = memoryIo({ cwd, env: {} });
    const code = await main(['synth', '--config', 'blueprint.yaml', '--out', out], io);
    expect(io.stderr()).toBe('');
    expect(code).toBe(0);
    expect(fs.existsSync(path.join(out, 'checks.json'))).toBe(true);
    expect(fs.readdirSync(path.join(out, 'kubernetes')).length).toBeGreaterThan(0);
  });

  test('check --format json: no unsuppressed error or warning from our rules', async () => {
    const io = memoryIo({ cwd, env: {} });
    const code = await main(['check', '--config', 'blueprint.yaml', '--format', 'json'], io);
    const report = JSON.parse(io.stdout());
    const live = report.findings.filter((f: any) => !f.suppressed && (f.level === 'error' || f.level === 'warning'));
    expect(live).toEqual([]);
    expect(report.summary).toMatchObject({ errors: 0, warnings: 0 });
    for (const f of report.findings.filter((x: any) => x.suppressed)) expect(f.reason.length).toBeGreaterThan(10);
    expect(code).toBe(0);
  });
});
