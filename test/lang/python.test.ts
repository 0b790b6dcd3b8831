/*
 * Python bindings for real (issue 18): pacmak builds the wheel, a venv gets it with cdk8s,
 * cdktf, constructs and cdktf-cdktf-provider-github from PyPI (the versions node_modules has,
 * so both sides run the same dependency releases), then each example's main.py synthesizes its
 * tree, which must be byte-identical to the TypeScript one; and pytest catches a consistency
 * finding from Python (test/lang/python/test_consistency.py).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EXAMPLE_NAMES, synthTypeScriptExample } from './examples';
import { CACHE, EXAMPLES, ROOT, ensureBindings, loadavg, npmVersion, readTree, run, treeDiff } from './support';
import { describeWithTool } from '../support/tools';

const PYTHON = process.env.ISB_PYTHON ?? 'python3';

/** .lang-cache/venv-<requirements hash>: created once, the wheel reinstalled when it changes */
function ensureVenv(wheel: string): { python: string; ms: number; created: boolean } {
  const requirements = [
    `cdk8s==${npmVersion('cdk8s')}`,
    `cdktf==${npmVersion('cdktf')}`,
    `constructs==${npmVersion('constructs')}`,
    `cdktf-cdktf-provider-github==${npmVersion('@cdktf/provider-github')}`,
    'pytest>=8,<10',
  ];
  const venv = path.join(CACHE, `venv-py-${requirements.join(' ').replace(/[^A-Za-z0-9.]+/g, '_').slice(0, 80)}`);
  const python = path.join(venv, 'bin', 'python');
  const t0 = Date.now();
  let created = false;
  if (!fs.existsSync(path.join(venv, 'READY'))) {
    fs.rmSync(venv, { recursive: true, force: true });
    run(PYTHON, ['-m', 'venv', venv]);
    run(python, ['-m', 'pip', 'install', '--quiet', ...requirements]);
    fs.writeFileSync(path.join(venv, 'READY'), requirements.join('\n'));
    created = true;
  }
  // the library itself: reinstalled only when the wheel changed (pip checks nothing else here)
  const marker = path.join(venv, 'WHEEL');
  if (!fs.existsSync(marker) || fs.readFileSync(marker, 'utf8') !== wheel) {
    run(python, ['-m', 'pip', 'install', '--quiet', '--no-deps', '--force-reinstall', wheel]);
    // its declared dependencies must be satisfied by the pinned ones
    run(python, ['-m', 'pip', 'check']);
    fs.writeFileSync(marker, wheel);
  }
  return { python, ms: Date.now() - t0, created };
}

describeWithTool(PYTHON, 'Python bindings', () => {
  let python = '';
  let work = '';

  beforeAll(() => {
    const la = loadavg();
    const b = ensureBindings('python');
    const wheel = fs.readdirSync(b.dir).find((f) => f.endsWith('.whl'));
    if (!wheel) throw new Error(`pacmak wrote no wheel into ${b.dir}`);
    const v = ensureVenv(path.join(b.dir, wheel));
    python = v.python;
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'isb-lang-py-'));
    // eslint-disable-next-line no-console
    console.log(`python bindings: pacmak ${b.built ? `built in ${(b.pacmakMs / 1000).toFixed(1)} s` : 'cached'}, `
      + `wheel ${(fs.statSync(path.join(b.dir, wheel)).size / 1e6).toFixed(1)} MB, venv ${v.created ? 'created' : 'reused'} `
      + `(${(v.ms / 1000).toFixed(1)} s); load average ${la}`);
  }, 30 * 60_000);

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('every example synthesized from Python is byte-identical to TypeScript', () => {
    const pyOut = path.join(work, 'py');
    run(python, [path.join(__dirname, 'python', 'synth_examples.py'), EXAMPLES, pyOut, ...EXAMPLE_NAMES]);
    const diffs: string[] = [];
    for (const name of EXAMPLE_NAMES) {
      const tsOut = path.join(work, 'ts', name);
      synthTypeScriptExample(name, tsOut);
      const expected = readTree(tsOut);
      expect(expected.size).toBeGreaterThan(5);
      const d = treeDiff(expected, readTree(path.join(pyOut, name)), ['typescript', 'python']);
      if (d) diffs.push(`examples/${name}:\n${d}`);
    }
    expect(diffs.join('\n\n')).toBe('');
    // the trees are real: the key-based example has its policy and secrets stack
    const repoOwner = readTree(path.join(pyOut, 'repo-owner'));
    expect(repoOwner.get('kubernetes/default/image-signing.k8s.yaml')!.toString()).toContain('kind: ClusterPolicy');
    expect(repoOwner.get('terraform/stacks/github-web/cdk.tf.json')!.toString()).toContain('github_actions_secret');
  }, 10 * 60_000);

  test('pytest: a consistency finding caught from Python', () => {
    const r = run(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', path.join(__dirname, 'python')],
      { env: { ISB_EXAMPLES: EXAMPLES }, cwd: ROOT });
    expect(r.stdout).toMatch(/\b4 passed\b/);
    expect(r.stdout).not.toMatch(/failed|error/i);
  }, 5 * 60_000);
}, ['--version']);
