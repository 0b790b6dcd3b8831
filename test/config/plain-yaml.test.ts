import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Document, isCollection, isScalar, parseDocument, stringify, visit } from 'yaml';
import { parsePlainBlockYaml } from '../../src/config/plain-yaml';
import { seededRandom } from '../support/seeded-random';

/*
 * The fast config reader (src/config/plain-yaml.ts) must give exactly what `yaml` gives, or
 * give up: never a different value, and never a value for a text `yaml` refuses. The reference
 * side is always the library with the options parseConfigText uses.
 */

const ROOT = path.join(__dirname, '..', '..');

/** what parseConfigText's library path reads: the value, or 'error' */
function library(text: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true, strict: true, version: '1.2' });
  if (doc.errors.length > 0) return 'error';
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch {
    return 'error';
  }
}

const WORDS = ['ghcr.io/acme/app', 'ghcr.io/acme/*', 'registry.example.com:5000/team/app', 'svc-0001', 'main', 'v3.0.6', '3.0.6', '1', '0', '-1', '007', '1e3', '.5', 'true', 'True',
  'false', 'null', '~', '', 'yes', 'on', 'Enforce', 'a b c', 'a: b', 'a:b', 'http://x.y/z', 'x #y', '#x', '*', '**', '&a', '!tag', '|', '>', '- a', '-a', '?', 'é', 'it\'s', 'say "hi"',
  'back\\slash', '{a}', '[a]', 'a,b', '%x', '@x', '`x', 'trailing ', ' leading', 'https://token.actions.githubusercontent.com', '^https://github\\.com/acme/.+$', 'refs/heads/main', 'x:', 'a\tb'];
const KEYS = ['name', 'images', 'github', 'owner', 'repositories', 'clusters', 'engines', 'mode', 'id-token', 'kubernetes.io/x', 'a_b', 'true', 'null', '1', 'a b', '"q"', '-k', 'on'];

function randomValue(r: () => number, depth: number): unknown {
  const p = r();
  if (depth > 4 || p < 0.5) {
    const k = r();
    if (k < 0.8) return WORDS[Math.floor(r() * WORDS.length)];
    if (k < 0.9) return Math.floor(r() * 20000) - 10000;
    if (k < 0.95) return r() < 0.5;
    return null;
  }
  if (p < 0.75) return Array.from({ length: 1 + Math.floor(r() * 3) }, () => randomValue(r, depth + 1));
  const m: Record<string, unknown> = {};
  const n = 1 + Math.floor(r() * 4);
  for (let i = 0; i < n; i++) m[r() < 0.8 ? KEYS[Math.floor(r() * 9)] : KEYS[Math.floor(r() * KEYS.length)]] = randomValue(r, depth + 1);
  return m;
}

/** the document with some collections of scalars written in flow style (`[a, b]`, `{ k: v }`), as hand-written blueprints have them */
function withFlow(value: unknown, r: () => number): string {
  const doc = new Document(value);
  visit(doc, {
    Collection(_k, node) {
      if (isCollection(node) && node.items.every((i) => isScalar(i) || (i && typeof i === 'object' && 'value' in i && isScalar((i as any).value)))) {
        if (r() < 0.6) node.flow = true;
      }
    },
  });
  return doc.toString({ lineWidth: 0 });
}

/** a random edit of one line: what a user's hand or a broken generator does */
function mutate(text: string, r: () => number): string {
  const lines = text.split('\n');
  const i = Math.floor(r() * lines.length);
  const edits = [
    (l: string) => ` ${l}`, (l: string) => l.replace(/^ /, ''), (l: string) => `${l} # note`, (l: string) => `${l}:`, (l: string) => `${l}\t`, (l: string) => l.replace(': ', ':'),
    (l: string) => l.replace('- ', ''), (l: string) => `- ${l.trimStart()}`, (l: string) => l.replace(/[a-z]/, '"'), (l: string) => `${l} x: y`, (l: string) => `${l}\r`, () => '---',
    (l: string) => `${l}\n${l}`, (l: string) => `${' '.repeat(l.length - l.trimStart().length + 2)}- item`, (l: string) => `${' '.repeat(l.length - l.trimStart().length + 2)}k: v`, (l: string) => l.replace(/\w+$/, "'x"),
    (l: string) => l.replace(/\w+$/, '*ref'), (l: string) => l.replace(/ +/, '  '), () => '', () => '   # comment',
  ];
  lines[i] = edits[Math.floor(r() * edits.length)](lines[i] ?? '');
  return lines.join('\n');
}

describe('the fast config reader gives yaml\'s value or gives up', () => {
  test('every example blueprint, as written (flow collections go to yaml) and rewritten in block style (the fast path), gives yaml\'s value', () => {
    const files = fs.readdirSync(path.join(ROOT, 'examples')).flatMap((d) => ['blueprint.yaml', 'base.yaml'].map((f) => path.join(ROOT, 'examples', d, f))).filter((f) => fs.existsSync(f));
    expect(files.length).toBeGreaterThanOrEqual(5);
    let taken = 0;
    for (const f of files) {
      const text = fs.readFileSync(f, 'utf8');
      const fast = parsePlainBlockYaml(text);
      if (fast !== undefined) {
        taken++;
        expect({ f, value: fast }).toEqual({ f, value: library(text) });
      }
      const block = stringify(library(text), { lineWidth: 0, flowCollectionPadding: false });
      expect({ f, value: parsePlainBlockYaml(block) }).toEqual({ f, value: library(text) });
    }
    // as written, half of them (trailing comments included); nested flow collections go to yaml
    expect(taken).toBeGreaterThanOrEqual(3);
  });

  test('the bench\'s organisation blueprint (1,000 repositories) is read by the fast path, to the same value', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { writeOrg } = require('../../bench/gen');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isb-plain-yaml-'));
    try {
      const text = fs.readFileSync(writeOrg(dir, 1000), 'utf8');
      const fast = parsePlainBlockYaml(text);
      expect(fast).toBeDefined();
      expect(fast).toEqual(library(text));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('random documents as yaml writes them, and one-line mutations of them (30,000 texts)', () => {
    const r = seededRandom(8122026);
    let taken = 0;
    let takenMutated = 0;
    const wrong: string[] = [];
    for (let i = 0; i < 15_000; i++) {
      const value = randomValue(r, 0);
      const text = i % 2 === 0 ? stringify(value, { lineWidth: 0 }) : withFlow(value, r);
      for (const t of [text, mutate(text, r)]) {
        const fast = parsePlainBlockYaml(t);
        if (fast === undefined) continue;
        if (t === text) taken++;
        else takenMutated++;
        const lib = library(t);
        if (JSON.stringify(lib) !== JSON.stringify(fast) && wrong.length < 3) wrong.push(`${JSON.stringify(t)}\n fast: ${JSON.stringify(fast)}\n yaml: ${JSON.stringify(lib)}`);
      }
    }
    expect(wrong).toEqual([]);
    // the comparison only counts if the fast path takes a good share of both kinds
    expect(taken).toBeGreaterThan(2_000);
    expect(takenMutated).toBeGreaterThan(300);
  });

  test.each([
    ['a flow mapping', '{a: 1}'],
    ['a # inside a scalar', 'a: b#c\n'],
    ['a comment after a quoted value', 'a: "b" # c\n'],
    ['a tab', 'a:\tb\n'],
    ['an anchor and alias', 'a: &x b\nc: *x\n'],
    ['a block scalar', 'a: |\n  b\n'],
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['a continued scalar', 'a: b\n  c\n'],
    ['a sequence at its key\'s indent', 'a:\n- b\n'],
    ['a document marker', '---\na: b\n'],
    ['a float', 'a: 1.5\n'],
    ['an empty document', '# only a comment\n'],
    ['a quoted key', '"a": b\n'],
    ['CRLF line ends', 'a: b\r\nc: d\r\n'],
    ['an escape in a double-quoted string', 'a: "b\\n"\n'],
    ['bad indentation', 'a:\n  b: 1\n c: 2\n'],
  ])('gives up on %s', (_what, text) => {
    expect(parsePlainBlockYaml(text)).toBeUndefined();
  });

  test('reads the shapes a blueprint has', () => {
    const text = 'name: demo # the name\ngithub:\n  owner: acme   \n# a comment\nrepositories:\n  - name: web\n    images:\n      - ghcr.io/acme/web\n      - "ghcr.io/acme/web-debug"\n    port: 5000\n'
      + '    enforce: true\n    note:\n  - name: api\nempty: \'\'\n';
    const value = parsePlainBlockYaml(text);
    expect(value).toEqual({
      name: 'demo',
      github: { owner: 'acme' },
      repositories: [{ name: 'web', images: ['ghcr.io/acme/web', 'ghcr.io/acme/web-debug'], port: 5000, enforce: true, note: null }, { name: 'api' }],
      empty: '',
    });
    expect(value).toEqual(library(text));
  });
});
