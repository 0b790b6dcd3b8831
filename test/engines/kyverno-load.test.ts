import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML, { parseAllDocuments } from 'yaml';
import { ImageSigningBlueprint } from '../../src/blueprint';
import { memoryIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { tempDir } from '../support/fixtures';
import { describeWithInterop, InteropTool, requireInteropTool } from '../support/interop';

/*
 * Policies load in the Kyverno version they target: the real Kyverno CLI (interop/kyverno-1.16,
 * interop/kyverno-1.19) runs `kyverno apply <one policy> --resource <pod>`. The CLI does not fail
 * on a policy it cannot load: it drops it silently (unknown API version, unknown field: "Applying 0
 * policy rule(s)"), so the test requires every policy to contribute its rules, and shows with a
 * negative control that a policy with one unknown field contributes none.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const POD = ['apiVersion: v1', 'kind: Pod', 'metadata: {name: probe, namespace: default}',
  'spec:', '  containers: [{name: c, image: "registry.invalid/none/probe:v1"}]', ''].join('\n');

function run(bin: string, args: string[], cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => { out += String(c); });
    child.stderr.on('data', (c) => { out += String(c); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

/** how many policy rules the CLI loaded from the file */
async function loadedRules(version: '1.16' | '1.19', policy: any, dir: string, label: string): Promise<{ rules: number; out: string }> {
  const file = path.join(dir, `${label.replace(/[^A-Za-z0-9.-]+/g, '_')}.yaml`);
  fs.writeFileSync(file, YAML.stringify(policy));
  const r = await run(requireInteropTool(`kyverno-${version}` as InteropTool), ['apply', file, '--resource', path.join(dir, 'pod.yaml')], dir);
  const m = /Applying (\d+) policy rule\(s\)/.exec(r.out);
  return { rules: m ? Number(m[1]) : -1, out: r.out };
}

interface Case { label: string; dir: string; config: string }

function matrix(): Case[] {
  const cases: Case[] = [];
  for (const mode of ['key', 'keyless']) {
    for (const policy of ['ClusterPolicy', 'ImageValidatingPolicy']) {
      for (const version of ['1.16', '1.19']) {
        for (const failureAction of ['Enforce', 'Audit']) {
          const dir = tempDir('isb-kyload-');
          fs.copyFileSync(path.join(ROOT, 'examples', 'repo-owner', 'cosign.pub'), path.join(dir, 'cosign.pub'));
          fs.writeFileSync(path.join(dir, 'blueprint.yaml'), YAML.stringify({
            name: `m-${mode}-${policy === 'ClusterPolicy' ? 'cp' : 'ivp'}-${version.replace('.', '')}-${failureAction.toLowerCase()}`,
            github: { owner: 'acme' },
            repositories: [
              { name: 'web', images: ['ghcr.io/acme/web', 'ghcr.io/acme/web-debug'], workflow: { tags: ['v*'] } },
              { name: 'api', images: ['registry.example:5000/acme/api'] },
            ],
            signing: mode === 'key'
              ? { mode: 'key', transparencyLog: false, cosign: { version: 'v2.6.4', signatureFormat: 'legacy' }, key: { publicKeyFile: 'cosign.pub' } }
              : { mode: 'keyless', cosign: { version: 'v3.0.5', signatureFormat: 'bundle' } },
            admission: { failureAction, kyverno: { policy, version } },
            checks: { suppress: [{ id: 'ISB-POL-003', reason: 'load test only' }, { id: 'ISB-POL-005', reason: 'load test only' }] },
          }));
          cases.push({ label: `matrix ${mode} ${policy} ${version} ${failureAction}`, dir, config: 'blueprint.yaml' });
        }
      }
    }
  }
  return cases;
}

describeWithInterop(['kyverno-1.16', 'kyverno-1.19'], 'generated Kyverno policies load in the Kyverno version they target', () => {
  jest.setTimeout(900_000);
  const work = tempDir('isb-kyload-work-');
  fs.writeFileSync(path.join(work, 'pod.yaml'), POD);

  test('negative control: one unknown field and the CLI loads no rule of the policy', async () => {
    const cp = { apiVersion: 'kyverno.io/v1', kind: 'ClusterPolicy', metadata: { name: 'probe' }, spec: { rules: [{ name: 'r', match: { any: [{ resources: { kinds: ['Pod'] } }] }, verifyImages: [{ imageReferences: ['ghcr.io/acme/*'], failureAction: 'Audit', mutateDigest: false, attestors: [{ entries: [{ keys: { publicKeys: fs.readFileSync(path.join(ROOT, 'examples', 'repo-owner', 'cosign.pub'), 'utf8') } }] }] }] }] } };
    expect((await loadedRules('1.16', cp, work, 'control-good')).rules).toBeGreaterThan(0);
    const bad = { ...cp, spec: { ...cp.spec, bogusField: true } };
    expect((await loadedRules('1.16', bad, work, 'control-bad')).rules).toBe(0);
  });

  test('every ClusterPolicy / ImageValidatingPolicy of the examples and of the matrix loads with all its rules', async () => {
    const cases: Case[] = [
      ...['repo-owner', 'keyless', 'org-blueprint'].map((ex) => ({ label: `examples/${ex}`, dir: path.join(ROOT, 'examples', ex), config: 'blueprint.yaml' })),
      ...matrix(),
    ];
    const failures: string[] = [];
    const rows: string[] = [];
    for (const c of cases) {
      const out = tempDir('isb-kyload-out-');
      const io = memoryIo({ cwd: c.dir });
      const code = await main(['synth', '--config', c.config, '--out', out], io);
      if (code !== 0) {
        failures.push(`${c.label}: synth failed: ${io.stderr()}`);
        continue;
      }
      const model = ImageSigningBlueprint.fromFile(path.join(c.dir, c.config))._model();
      for (const cluster of model.clusters) {
        const version = `${cluster.kyverno.version.major}.${cluster.kyverno.version.minor}`;
        if (version !== '1.16' && version !== '1.19') {
          failures.push(`${c.label} ${cluster.name}: Kyverno ${version} has no CLI built here`);
          continue;
        }
        const dir = path.join(out, 'kubernetes', cluster.name);
        const docs = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml'))
          .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJS()))
          .filter((d) => d?.kind === 'ClusterPolicy' || d?.kind === 'ImageValidatingPolicy');
        for (const doc of docs) {
          const label = `${c.label} ${cluster.name} ${doc.kind}/${doc.metadata.name} on ${version}`;
          const want = doc.kind === 'ClusterPolicy' ? doc.spec.rules.length : 1;
          const r = await loadedRules(version as '1.16' | '1.19', doc, work, label);
          rows.push(`${label} (${doc.apiVersion}): ${r.rules} rule(s) loaded, ${want} rendered`);
          if (r.rules < want) failures.push(`${label} (${doc.apiVersion}): loaded ${r.rules} rule(s), rendered ${want}:\n${r.out}`);
        }
      }
    }
    // eslint-disable-next-line no-console
    console.log(`Kyverno CLI load check (${rows.length} policies):\n${rows.join('\n')}`);
    expect(rows.length).toBeGreaterThanOrEqual(16);
    expect(failures).toEqual([]);
  });
});
