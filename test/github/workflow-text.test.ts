import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { loadConfigFile } from '../../src/config/load';
import { renderOwnedSignerWorkflows } from '../../src/github/signer-workflows';
import { RenderedWorkflow, renderSignerWorkflow, renderWorkflow } from '../../src/github/workflow';
import { emitWorkflowYaml } from '../../src/github/workflow-text';
import { libraryWorkflowYaml, WORKFLOW_HEADER, workflowToYaml } from '../../src/github/workflow-yaml';
import { buildModel } from '../../src/model/build';
import { seededRandom } from '../support/seeded-random';

/*
 * The direct workflow emitter (src/github/workflow-text.ts) must write exactly the bytes of the
 * `yaml` library's document model, or give up. Checked on every workflow of every bundled example,
 * and on random documents built from strings chosen to hit each quoting rule of the library.
 * The reference side is always the library (libraryWorkflowYaml), never a stored text.
 */

const EXAMPLES = path.join(__dirname, '..', '..', 'examples');

function exampleWorkflows(): Array<[string, RenderedWorkflow]> {
  const out: Array<[string, RenderedWorkflow]> = [];
  for (const name of fs.readdirSync(EXAMPLES).sort()) {
    const file = path.join(EXAMPLES, name, 'blueprint.yaml');
    if (!fs.existsSync(file)) continue;
    const loaded = loadConfigFile(file);
    const model = buildModel(loaded.config, { baseDir: loaded.baseDir });
    for (const repo of model.repositories) {
      out.push([`${name} ${repo.name}`, renderWorkflow(model, repo)]);
      if (repo.workflow.signer) out.push([`${name} ${repo.name} signer`, renderSignerWorkflow(model, repo)]);
    }
    for (const owned of renderOwnedSignerWorkflows(model)) out.push([`${name} owned signer ${owned.rendered.repository}`, owned.rendered]);
  }
  return out;
}

const HEADERS = [' first line\n second: line', ' one', 'no space\n\n third', ' ', ' trailing newline\n'];

describe('the direct workflow emitter writes the library\'s bytes', () => {
  const workflows = exampleWorkflows();

  test('every example has workflows to compare', () => {
    expect(workflows.length).toBeGreaterThanOrEqual(8);
  });

  test.each(workflows)('%s: same text as yaml, and not through the fallback', (_name, w) => {
    const bySha = new Map(w.pins.map((p) => [`${p.action}@${p.sha}`, p.version]));
    const direct = emitWorkflowYaml(w.workflow, WORKFLOW_HEADER,
      (k, v) => (k === 'uses' && bySha.get(v) ? ` ${bySha.get(v)}` : undefined));
    expect(direct).toBeDefined();
    expect(direct).toBe(libraryWorkflowYaml(w));
    expect(workflowToYaml(w)).toBe(direct);
    expect(direct).toMatch(/uses: [^\n]+@[0-9a-f]{40} # v\d/);
  });

  // strings aimed at each rule: other types, indicators, `: ` and ` #`, quotes, blanks, markers,
  // control and non-ASCII characters, block literal chomping
  const TRICKY = [
    '', ' ', 'a', 'true', 'True', 'TRUE', 'yes', 'on', 'null', 'Null', '~', '0', '-1', '+1', '007', '0o17', '0x1F', '0xZZ', '1.5', '.5', '1e3', '1.0e-3', '.inf', '-.Inf', '.nan',
    '- a', '-a', '-', '?', '? a', '?a', 'a: b', 'a:b', 'a:', 'a #b', 'a#b', '#a', 'a ', ' a', '\ta', 'a\t', '*a', '&a', '!a', '|a', '>a', '%a', '@a', '`a', ',a', '[a]', '{a}', 'a,b',
    "it's", 'say "hi"', 'both \' and "', 'back\\slash', '"\\"', 'é', 'ü:x', '\u0001', '\u007f', '\u0085x', '\u00a0', '\u2028', '---', '--- a', '...', 'a---', '${{ github.sha }}',
    'ghcr.io/acme/app@${{ steps.build.outputs.digest }}', 'https://token.actions.githubusercontent.com', 'refs/heads/main', '*.yml', '**', 'a\nb', 'a\nb\n', 'a\n\nb\n', 'a\nb\n\n', '\na', '\n',
    '\n\n', ' a\nb', 'a \nb', 'a\n b', 'a\n  \nb', 'a\nb ', 'a\nb \n', 'a\nb\n ', 'a\n\tb', 'a\n#b', 'a\n- b', 'a: \nb', 'a\n---\nb', 'a\n...', 'x\n%y', 'a\u0001\nb', 'é\nü\n', '"\n\'',
  ];
  const KEYS = ['a', 'name', 'run', 'uses', 'with', 'id-token', 'COSIGN_PASSWORD', 'x_y', 'true', 'null', 'on', '1', 'a b', 'a:b', '-a', 'é', ''];


  function randomValue(r: () => number, depth: number): unknown {
    const pick = r();
    if (depth > 3 || pick < 0.55) {
      const k = r();
      if (k < 0.7) return TRICKY[Math.floor(r() * TRICKY.length)];
      if (k < 0.8) return Math.floor(r() * 2000) - 1000;
      if (k < 0.85) return r() < 0.5;
      if (k < 0.9) return TRICKY[Math.floor(r() * TRICKY.length)] + TRICKY[Math.floor(r() * TRICKY.length)];
      if (k < 0.95) return [];
      return {};
    }
    if (pick < 0.75) return Array.from({ length: 1 + Math.floor(r() * 3) }, () => randomValue(r, depth + 1));
    return randomMap(r, depth + 1);
  }

  function randomMap(r: () => number, depth: number): Record<string, unknown> {
    const m: Record<string, unknown> = {};
    const n = 1 + Math.floor(r() * 4);
    for (let i = 0; i < n; i++) m[r() < 0.85 ? KEYS[Math.floor(r() * 7)] : KEYS[Math.floor(r() * KEYS.length)]] = randomValue(r, depth);
    return m;
  }

  test('random documents: the same bytes whenever the emitter does not give up (20,000 documents)', () => {
    const r = seededRandom(20261208);
    let direct = 0;
    let mismatches = 0;
    const examples: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const wf = randomMap(r, 0);
      const pins = r() < 0.5 ? [] : [{ action: 'a', sha: 'b', version: 'v1' }];
      const rendered = { repository: 'x', path: 'x', workflow: wf, pins } as unknown as RenderedWorkflow;
      const header = HEADERS[i % HEADERS.length];
      const ours = emitWorkflowYaml(wf, header, (k, v) => (k === 'uses' && v === 'a@b' && pins.length ? ' v1' : undefined));
      if (ours === undefined) continue;
      direct++;
      const lib = libraryWorkflowYaml(rendered, header);
      if (ours !== lib) {
        mismatches++;
        if (examples.length < 3) examples.push(`${JSON.stringify(wf)}\n--- ours\n${ours}--- yaml\n${lib}`);
      }
    }
    expect(examples).toEqual([]);
    expect(mismatches).toBe(0);
    // the comparison is only worth something if the emitter takes most documents
    expect(direct).toBeGreaterThan(5_000);
  });

  test('every tricky string as a value, alone and in a sequence, same bytes or a give-up', () => {
    let taken = 0;
    for (const s of TRICKY) {
      for (const wf of [{ a: s }, { a: [s] }, { a: [{ run: s, b: s }] }, { a: { b: s } }, { uses: s }]) {
        const ours = emitWorkflowYaml(wf, WORKFLOW_HEADER, () => undefined);
        if (ours === undefined) continue;
        taken++;
        expect({ s, text: ours }).toEqual({ s, text: libraryWorkflowYaml({ repository: 'x', path: 'x', workflow: wf, pins: [] } as unknown as RenderedWorkflow) });
        expect(parse(ours)).toEqual(wf);
      }
    }
    expect(taken).toBeGreaterThan(TRICKY.length * 3);
  });

  test('a pin comment is written after the value, as the library does', () => {
    const wf = { jobs: { a: { steps: [{ uses: 'actions/checkout@abc', with: { x: 1 } }] } } };
    const rendered = { repository: 'x', path: 'x', workflow: wf, pins: [{ action: 'actions/checkout', sha: 'abc', version: 'v9' }] } as unknown as RenderedWorkflow;
    const text = workflowToYaml(rendered);
    expect(text).toContain('      - uses: actions/checkout@abc # v9\n');
    expect(text).toBe(libraryWorkflowYaml(rendered));
  });

  test('shapes it does not take go to the library: undefined values, null, nested sequences, odd keys', () => {
    for (const wf of [{ a: undefined }, { a: null }, { a: [[1]] }, { 'a b': 1 }, { true: 1 }, { a: 1.5 }, { a: ['x\ny'] }, { a: '---' }, {}]) {
      expect(emitWorkflowYaml(wf, WORKFLOW_HEADER, () => undefined)).toBeUndefined();
    }
  });
});
