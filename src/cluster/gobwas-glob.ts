import { BlueprintError } from '../errors';

/**
 * The syntax of an ImageValidatingPolicy `matchImageReferences[].glob`: gobwas/glob compiled with
 * no separator runes (admission-engines.md §3). One parser for the two readers of that syntax: the
 * renderer, which writes the glob as RE2 for Kyverno < 1.18 (`ivpol-image-filter.ts`), and the
 * checks' matcher, which runs it (`checks/matchers/ivpol-glob.ts`).
 * - `*` and `**`: any run of code points, `/` included;
 * - `?`: exactly one code point;
 * - `[abc]`, `[a-z]`, `[!abc]`, `[!a-z]`: one code point in (or not in) the class; items may be mixed;
 * - `{a,b,…}`: alternatives (nestable, may contain wildcards, may be empty);
 * - `\x`: the literal x (also inside classes and alternatives);
 * - outside `{…}`, `,` and `}` are literal; `]` outside a class is literal.
 * Rejected as invalid (code PATTERN_INVALID): unclosed `[` or `{`, an empty class, a reversed
 * range, a trailing lone `\`.
 */
export type GobwasNode =
  | { readonly kind: 'literal'; readonly char: string }
  | { readonly kind: 'any' }
  | { readonly kind: 'one' }
  /** code-point ranges [lo, hi], in the order written */
  | { readonly kind: 'class'; readonly negated: boolean; readonly ranges: readonly (readonly [number, number])[] }
  | { readonly kind: 'alternatives'; readonly branches: GobwasNode[][] };

export function parseGobwasGlob(glob: string): GobwasNode[] {
  const chars = [...glob];
  let pos = 0;
  const fail = (what: string): never => {
    throw new BlueprintError('PATTERN_INVALID', `invalid ImageValidatingPolicy glob ${JSON.stringify(glob)}: ${what}`);
  };
  const escaped = (): string => {
    if (pos >= chars.length) fail('trailing "\\" escapes nothing');
    return chars[pos++];
  };

  const parseClass = (): GobwasNode => {
    const open = pos - 1;
    let negated = false;
    if (chars[pos] === '!') {
      negated = true;
      pos++;
    }
    const ranges: [number, number][] = [];
    for (;;) {
      if (pos >= chars.length) fail(`unclosed "[" at offset ${open}`);
      let c = chars[pos++];
      if (c === ']') break;
      if (c === '\\') c = escaped();
      let hi = c;
      if (chars[pos] === '-' && pos + 1 < chars.length && chars[pos + 1] !== ']') {
        pos++;
        hi = chars[pos++];
        if (hi === '\\') hi = escaped();
      }
      const lo = c.codePointAt(0)!;
      const hiCp = hi.codePointAt(0)!;
      if (lo > hiCp) fail(`reversed range "${c}-${hi}"`);
      ranges.push([lo, hiCp]);
    }
    if (ranges.length === 0) fail(`empty class "[${negated ? '!' : ''}]" at offset ${open}`);
    return { kind: 'class', negated, ranges };
  };

  const parseSequence = (inTerms: boolean): GobwasNode[] => {
    const nodes: GobwasNode[] = [];
    while (pos < chars.length) {
      const c = chars[pos];
      if (inTerms && (c === ',' || c === '}')) return nodes;
      pos++;
      if (c === '*') {
        while (chars[pos] === '*') pos++;
        nodes.push({ kind: 'any' });
      } else if (c === '?') {
        nodes.push({ kind: 'one' });
      } else if (c === '[') {
        nodes.push(parseClass());
      } else if (c === '{') {
        const open = pos - 1;
        const branches = [parseSequence(true)];
        while (chars[pos] === ',') {
          pos++;
          branches.push(parseSequence(true));
        }
        if (chars[pos] !== '}') fail(`unclosed "{" at offset ${open}`);
        pos++;
        nodes.push({ kind: 'alternatives', branches });
      } else if (c === '\\') {
        nodes.push({ kind: 'literal', char: escaped() });
      } else {
        nodes.push({ kind: 'literal', char: c });
      }
    }
    return nodes;
  };

  return parseSequence(false);
}
