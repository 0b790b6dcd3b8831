import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { isNode, LineCounter, parseDocument } from 'yaml';

/** `repositories[1].images[0]` → ['repositories', 1, 'images', 0]; undefined when it is not a config path. */
export function splitConfigPath(path: string): (string | number)[] | undefined {
  if (!/^[A-Za-z][A-Za-z0-9]*(\[\d+\]|\.[A-Za-z][A-Za-z0-9]*)*$/.test(path)) return undefined;
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([A-Za-z][A-Za-z0-9]*)|\[(\d+)\]/g)) out.push(m[1] !== undefined ? m[1] : Number(m[2]));
  return out;
}

/** One file of a config's `extends:` chain. */
export interface ChainFile {
  /** absolute path */
  readonly file: string;
  readonly text: string;
}

/** Where a config path's value is: the file that holds it (absolute), line and column (1-based). */
export interface ConfigLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/**
 * The config file and its bases (`extends:`), the loaded file first. Tolerant: it stops at a base
 * that is missing, unreadable, outside the folder, or already in the chain (the loader reports
 * those), so it can locate the problems of a config the loader refused.
 */
export function readConfigChain(file: string, max = 16): ChainFile[] {
  const root = nodePath.dirname(nodePath.resolve(file));
  const out: ChainFile[] = [];
  let cur: string | undefined = nodePath.resolve(file);
  while (cur !== undefined && out.length <= max && !out.some((c) => c.file === cur)) {
    let text: string;
    try {
      text = fs.readFileSync(cur, 'utf8');
    } catch {
      break;
    }
    out.push({ file: cur, text });
    let ext: unknown;
    try {
      ext = (parseDocument(text).toJS() as Record<string, unknown> | null)?.extends;
    } catch {
      break;
    }
    if (typeof ext !== 'string' || ext === '' || nodePath.isAbsolute(ext)) break;
    const next = nodePath.resolve(nodePath.dirname(cur), ext);
    const back = nodePath.relative(root, next);
    cur = back.startsWith('..') || nodePath.isAbsolute(back) ? undefined : next;
  }
  return out;
}

const NAMED_LISTS = new Set(['repositories', 'clusters']);

/**
 * Maps a config path of the merged config to the file of the chain that holds it: the loaded file
 * wins over its bases (it overrides them). Entries of `repositories` and `clusters` merge by name,
 * so `repositories[2]` of the merged config is found in each file by its name. A path whose value
 * no file holds (a default) is located at its deepest part that some file holds.
 */
export function chainLocator(chain: readonly ChainFile[]): (configPath: string) => ConfigLocation | undefined {
  const files = chain.map((c) => {
    const lineCounter = new LineCounter();
    let doc: ReturnType<typeof parseDocument> | undefined;
    try {
      doc = parseDocument(c.text, { lineCounter, keepSourceTokens: false });
    } catch {
      doc = undefined;
    }
    let js: any;
    try {
      js = doc?.toJS();
    } catch {
      js = undefined;
    }
    return { file: c.file, doc, js, lineCounter };
  });
  // the merged order of each named list: base entries first (in the base's order), then the new ones
  const merged = new Map<string, string[]>();
  for (const key of NAMED_LISTS) {
    const names: string[] = [];
    for (const f of [...files].reverse()) {
      const list = f.js?.[key];
      if (!Array.isArray(list)) continue;
      for (const e of list) {
        const n = e !== null && typeof e === 'object' && typeof e.name === 'string' ? e.name : undefined;
        if (n === undefined || !names.includes(n)) names.push(n ?? `\u0000${names.length}`);
      }
    }
    merged.set(key, names);
  }
  /** the path's segments as they are in one file (a named entry by its index there) */
  const segsIn = (f: (typeof files)[number], segs: (string | number)[]): (string | number)[] | undefined => {
    if (typeof segs[0] === 'string' && NAMED_LISTS.has(segs[0]) && typeof segs[1] === 'number') {
      const name = merged.get(segs[0])![segs[1]];
      const list = f.js?.[segs[0]];
      if (name === undefined || !Array.isArray(list)) return chain.length === 1 ? segs : undefined;
      const i = list.findIndex((e: any) => e?.name === name);
      if (i < 0) return chain.length === 1 ? segs : undefined;
      return [segs[0], i, ...segs.slice(2)];
    }
    return segs;
  };
  return (configPath: string) => {
    const segs = splitConfigPath(configPath);
    if (!segs) return undefined;
    for (let n = segs.length; n > 0; n--) {
      for (const f of files) {
        if (!f.doc) continue;
        const own = segsIn(f, segs.slice(0, n));
        if (!own) continue;
        const node = f.doc.getIn(own, true);
        if (isNode(node) && node.range) {
          const pos = f.lineCounter.linePos(node.range[0]);
          return { file: f.file, line: pos.line, column: pos.col };
        }
      }
    }
    return files[0] ? { file: files[0].file, line: 1, column: 1 } : undefined;
  };
}
