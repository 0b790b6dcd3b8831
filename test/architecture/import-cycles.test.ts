import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/*
 * No import cycles among src/ modules (DESIGN.md layers: config → model → github/cluster →
 * runbook/synth → checks → blueprint → verify → cli). Reads every `import … from './x'`,
 * `export … from`, `import type` and `require('./x')` with a relative specifier, resolves it to a
 * src/ file and looks for strongly connected components (Tarjan). Type-only imports count: they
 * still tie the two modules' shapes together.
 */

const SRC = path.resolve(__dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

function resolveImport(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [base + '.ts', path.join(base, 'index.ts')]) if (fs.existsSync(c)) return c;
  return undefined;
}

export function importGraph(files: readonly string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const re = /(?:^|\n)\s*(?:import|export)\b[^'";]*?from\s*['"](\.[^'"]+)['"]|(?:^|\n)\s*import\s*['"](\.[^'"]+)['"]|require\(\s*['"](\.[^'"]+)['"]\s*\)/g;
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    const deps = new Set<string>();
    for (const m of text.matchAll(re)) {
      const target = resolveImport(f, m[1] ?? m[2] ?? m[3]);
      if (target) deps.add(target);
    }
    graph.set(f, [...deps]);
  }
  return graph;
}

/** Strongly connected components with more than one file (or a file importing itself). */
export function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, idx.get(w)!));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(comp.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe('import cycles', () => {
  test('the checker finds a two-file cycle and a type-only one (it can fail)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isb-cycles-'));
    try {
      fs.writeFileSync(path.join(dir, 'a.ts'), "import { b } from './b';\nexport const a = b;\n");
      fs.writeFileSync(path.join(dir, 'b.ts'), "import type { C } from './c';\nexport const b = 1; export type B = C;\n");
      fs.writeFileSync(path.join(dir, 'c.ts'), "export {\n  a,\n} from './a';\nexport type C = number;\n");
      fs.writeFileSync(path.join(dir, 'd.ts'), "import { a } from './a';\nexport const d = a;\n");
      const found = cycles(importGraph(sourceFiles(dir))).map((c) => c.map((f) => path.basename(f)));
      expect(found).toEqual([['a.ts', 'b.ts', 'c.ts']]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('src/ has no import cycle', () => {
    const files = sourceFiles(SRC);
    expect(files.length).toBeGreaterThan(50);
    const found = cycles(importGraph(files)).map((c) => c.map((f) => path.relative(SRC, f)).join(' <-> '));
    expect(found).toEqual([]);
  });
});
