import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { memoryIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { keyConfig, projectDir } from '../support/fixtures';

const bad = keyConfig({ admission: { imageReferences: ['docker.io/acme/web*'] } });

function dirWith(cfg: any): string {
  return projectDir({ 'blueprint.yaml': stringify(cfg) });
}

describe('check', () => {
  test('text: exit 1 with the rule id, path and fix', async () => {
    const io = memoryIo({ cwd: dirWith(bad) });
    expect(await main(['check'], io)).toBe(1);
    expect(io.stdout()).toMatch(/Errors \(1\)\n {2}ISB-IMG-002 admission: .*\n {6}fix: /);
    expect(io.stdout()).toMatch(/1 error, \d+ warnings?/);
    expect(io.stdout()).not.toContain('\u001b['); // no colour when not a TTY
  });

  test('json: the DESIGN.md shape', async () => {
    const io = memoryIo({ cwd: dirWith(bad) });
    expect(await main(['check', '--format', 'json'], io)).toBe(1);
    const out = JSON.parse(io.stdout());
    expect(out.summary.errors).toBe(1);
    const f = out.findings.find((x: any) => x.id === 'ISB-IMG-002');
    // the DESIGN.md fields, plus where the value is (issue 14)
    expect(Object.keys(f).sort()).toEqual(['column', 'file', 'fix', 'id', 'level', 'line', 'message', 'path']);
    expect(f.file).toBe('blueprint.yaml');
    expect(f.line).toBeGreaterThan(0);
    expect(f.level).toBe('error');
    expect(f.path).toBe('admission');
  });

  test('sarif: 2.1.0, the rule catalogue, results on the config file line', async () => {
    const dir = dirWith(bad);
    const io = memoryIo({ cwd: dir });
    expect(await main(['check', '--format', 'sarif'], io)).toBe(1);
    const log = JSON.parse(io.stdout());
    expect(log.version).toBe('2.1.0');
    const run = log.runs[0];
    expect(run.tool.driver.rules.map((r: any) => r.id)).toContain('ISB-IMG-002');
    const res = run.results.find((r: any) => r.ruleId === 'ISB-IMG-002');
    expect(res.level).toBe('error');
    const loc = res.locations[0].physicalLocation;
    expect(loc.artifactLocation.uri).toBe('blueprint.yaml');
    const lines = fs.readFileSync(path.join(dir, 'blueprint.yaml'), 'utf8').split('\n');
    expect(lines[loc.region.startLine - 1]).toMatch(/^admission:|imageReferences/);
  });

  test('a clean config: exit 0', async () => {
    const io = memoryIo({ cwd: dirWith(keyConfig()) });
    expect(await main(['check', '--format', 'json'], io)).toBe(0);
    expect(JSON.parse(io.stdout()).summary.errors).toBe(0);
  });

  test('suppressed findings still print, marked, and do not fail', async () => {
    const io = memoryIo({ cwd: dirWith({ ...bad, checks: { suppress: [{ id: 'ISB-IMG-002', reason: 'mirrored images are checked elsewhere' }] } }) });
    expect(await main(['check', '--format', 'json'], io)).toBe(0);
    const f = JSON.parse(io.stdout()).findings.find((x: any) => x.id === 'ISB-IMG-002');
    expect(f).toMatchObject({ suppressed: true, reason: 'mirrored images are checked elsewhere' });
  });
});

describe('synth runs the checks first', () => {
  test('refuses to write on an error finding (exit 1, findings on stderr)', async () => {
    const dir = dirWith(bad);
    const io = memoryIo({ cwd: dir });
    expect(await main(['synth'], io)).toBe(1);
    expect(io.stderr()).toMatch(/CHECKS_FAILED|checks failed[\s\S]*ISB-IMG-002/);
    expect(fs.existsSync(path.join(dir, 'dist'))).toBe(false);
  });

  test('writes checks.json next to the artifacts', async () => {
    const dir = dirWith(keyConfig());
    expect(await main(['synth'], memoryIo({ cwd: dir }))).toBe(0);
    const checks = JSON.parse(fs.readFileSync(path.join(dir, 'dist', 'checks.json'), 'utf8'));
    expect(checks.summary.errors).toBe(0);
  });
});
