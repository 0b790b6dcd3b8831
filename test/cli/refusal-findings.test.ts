import * as fs from 'node:fs';
import * as path from 'node:path';
import { memoryIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { projectDir } from '../support/fixtures';

/*
 * Issue 14: what the loader refuses comes out of `check --format json|sarif` as findings with a
 * catalogue id, the config path, the file and the line (a base reached through `extends:`
 * included); the text output names the id and the line too; the exit code stays 1.
 */

const BASE = [
  'signing:',
  '  mode: keyless',
  '  transparencyLog: false',
  '',
].join('\n');
const MAIN = [
  'extends: base.yaml',
  'name: acme-web',
  'github: { owner: acme }',
  'repositories:',
  '  - name: web',
  '    images: [ghcr.io/Acme/web:v1]',
  '',
].join('\n');

async function check(dir: string, format: string) {
  const io = memoryIo({ cwd: dir, env: {} });
  const code = await main(['check', '--config', 'blueprint.yaml', '--format', format], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

describe('refusals are findings in every format', () => {
  const dir = projectDir({ 'base.yaml': BASE, 'blueprint.yaml': MAIN });
  // the same with a valid image: the cross-field check of the base's tlog runs (schema problems come first)
  const dir2 = projectDir({ 'base.yaml': BASE, 'blueprint.yaml': MAIN.replace('ghcr.io/Acme/web:v1', 'ghcr.io/acme/web') });

  test('json: ISB-IMG-001 in blueprint.yaml line 6, ISB-POL-004 in base.yaml line 3', async () => {
    const r = await check(dir, 'json');
    expect(r.code).toBe(1);
    const { findings, summary } = JSON.parse(r.out);
    expect(summary.errors).toBe(findings.length);
    const img = findings.find((f: any) => f.id === 'ISB-IMG-001');
    expect(img).toMatchObject({ level: 'error', path: 'repositories[0].images[0]', file: 'blueprint.yaml', line: 6 });
    const tlog = JSON.parse((await check(dir2, 'json')).out).findings.find((f: any) => f.id === 'ISB-POL-004');
    expect(tlog).toMatchObject({ path: 'signing.transparencyLog', file: 'base.yaml', line: 3 });
    for (const f of findings) expect(f.id).toMatch(/^ISB-[A-Z]+-\d{3}$/);
  });

  test('sarif: one result per refusal, its region in the file that holds the value', async () => {
    const r = await check(dir, 'sarif');
    expect(r.code).toBe(1);
    const results = [...JSON.parse(r.out).runs[0].results, ...JSON.parse((await check(dir2, 'sarif')).out).runs[0].results];
    const byRule = (id: string) => results.find((x: any) => x.ruleId === id);
    expect(byRule('ISB-IMG-001').locations[0].physicalLocation).toEqual({ artifactLocation: { uri: 'blueprint.yaml' }, region: { startLine: 6, startColumn: 14 } });
    expect(byRule('ISB-POL-004').locations[0].physicalLocation.artifactLocation.uri).toBe('base.yaml');
    expect(byRule('ISB-POL-004').locations[0].physicalLocation.region.startLine).toBe(3);
    const rules = JSON.parse(r.out).runs[0].tool.driver.rules.map((x: any) => x.id);
    expect(rules).toContain('ISB-CFG-001');
  });

  test('text: the message as before, plus the rule id and file:line of each problem', async () => {
    const r = await check(dir, 'text');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/repositories\[0\]\.images\[0\]: .*\[ISB-IMG-001 at blueprint\.yaml:6\]/);
    const r2 = await check(dir2, 'text');
    expect(r2.code).toBe(1);
    expect(r2.err).toMatch(/signing\.transparencyLog: cannot be false with keyless signing.*\[ISB-POL-004 at base\.yaml:3\]/);
    expect(r.err).not.toMatch(/at .*\.ts:\d+/);
  });

  test('a bundle-format key signer on Kyverno 1.16 is refused as ISB-POL-003 at its line', async () => {
    const d = projectDir({
      'blueprint.yaml': [
        'name: acme-web',
        'github: { owner: acme }',
        'repositories: [{ name: web, images: [ghcr.io/acme/web] }]',
        'signing:',
        '  mode: key',
        '  cosign: { version: v3.0.5, signatureFormat: bundle }',
        'clusters:',
        '  - name: old',
        '    kyverno: { policy: ClusterPolicy, version: "1.16" }',
        '',
      ].join('\n'),
    });
    const r = await check(d, 'json');
    expect(r.code).toBe(1);
    const f = JSON.parse(r.out).findings;
    expect(f).toEqual([expect.objectContaining({ id: 'ISB-POL-003', path: 'clusters[0].kyverno.version', file: 'blueprint.yaml', line: 9 })]);
    expect(fs.existsSync(path.join(d, 'dist'))).toBe(false);
  });
});
