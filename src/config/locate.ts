import { isNode, LineCounter, parseDocument } from 'yaml';

/** `repositories[1].images[0]` → ['repositories', 1, 'images', 0]; undefined when it is not a config path. */
export function splitConfigPath(path: string): (string | number)[] | undefined {
  if (!/^[A-Za-z][A-Za-z0-9]*(\[\d+\]|\.[A-Za-z][A-Za-z0-9]*)*$/.test(path)) return undefined;
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([A-Za-z][A-Za-z0-9]*)|\[(\d+)\]/g)) out.push(m[1] !== undefined ? m[1] : Number(m[2]));
  return out;
}

/**
 * Returns a function mapping a config path to its line/column (1-based) in the YAML text, using
 * the deepest part of the path that exists in the file (defaults live nowhere: their parent is used).
 */
export function configLocator(text: string): (path: string) => { line: number; column: number } | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, keepSourceTokens: false });
  return (path: string) => {
    const segs = splitConfigPath(path);
    if (!segs) return undefined;
    for (let n = segs.length; n > 0; n--) {
      const node = doc.getIn(segs.slice(0, n), true);
      if (isNode(node) && node.range) {
        const pos = lineCounter.linePos(node.range[0]);
        return { line: pos.line, column: pos.col };
      }
    }
    return undefined;
  };
}
