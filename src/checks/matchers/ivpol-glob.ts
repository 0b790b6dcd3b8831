import { CharSet, CodePointRange } from './charset';
import { Nfa, nfaMatches } from './nfa';
import { BlueprintError } from '../../errors';

/**
 * ImageValidatingPolicy `matchImageReferences[].glob`: gobwas/glob compiled with no separator
 * runes, matched (anchored) against the raw image string of the pod spec.
 * - `*` and `**`: any run of code points, `/` included;
 * - `?`: exactly one code point;
 * - `[abc]`, `[a-z]`, `[!abc]`, `[!a-z]`: one code point in (or not in) the class; items may be mixed;
 * - `{a,b,…}`: alternatives (nestable, may contain wildcards, may be empty);
 * - `\x`: the literal x (also inside classes and alternatives);
 * - outside `{…}`, `,` and `}` are literal; `]` outside a class is literal.
 * Rejected as invalid (code PATTERN_INVALID): unclosed `[` or `{`, an empty class, a reversed
 * range, a trailing lone `\`.
 */
export type IvpolNode =
  | { readonly kind: 'literal'; readonly char: string }
  | { readonly kind: 'any' }
  | { readonly kind: 'one'; readonly set: CharSet }
  | { readonly kind: 'alternatives'; readonly branches: IvpolNode[][] };

export function parseIvpolGlob(glob: string): IvpolNode[] {
  const chars = [...glob];
  let pos = 0;
  const fail = (what: string): never => {
    throw new BlueprintError('PATTERN_INVALID',
      `invalid ImageValidatingPolicy glob ${JSON.stringify(glob)}: ${what}`);
  };
  const escaped = (): string => {
    if (pos >= chars.length) fail('trailing "\\" escapes nothing');
    return chars[pos++];
  };

  const parseClass = (): IvpolNode => {
    const open = pos - 1;
    let negated = false;
    if (chars[pos] === '!') {
      negated = true;
      pos++;
    }
    const ranges: CodePointRange[] = [];
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
    const set = CharSet.fromRanges(ranges);
    return { kind: 'one', set: negated ? set.complement() : set };
  };

  const parseSequence = (inTerms: boolean): IvpolNode[] => {
    const nodes: IvpolNode[] = [];
    while (pos < chars.length) {
      const c = chars[pos];
      if (inTerms && (c === ',' || c === '}')) return nodes;
      pos++;
      if (c === '*') {
        while (chars[pos] === '*') pos++;
        nodes.push({ kind: 'any' });
      } else if (c === '?') {
        nodes.push({ kind: 'one', set: CharSet.any() });
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

export function ivpolGlobNfa(glob: string): Nfa {
  const nfa = new Nfa();
  const build = (nodes: readonly IvpolNode[], from: number): number => {
    let state = from;
    for (const node of nodes) {
      switch (node.kind) {
        case 'literal':
          state = nfa.step(state, CharSet.of(node.char));
          break;
        case 'one':
          state = nfa.step(state, node.set);
          break;
        case 'any':
          state = nfa.loop(state, CharSet.any());
          break;
        case 'alternatives': {
          const end = nfa.addState();
          for (const branch of node.branches) {
            const begin = nfa.addState();
            nfa.addEps(state, begin);
            nfa.addEps(build(branch, begin), end);
          }
          state = end;
          break;
        }
      }
    }
    return state;
  };
  nfa.accept = build(parseIvpolGlob(glob), nfa.start);
  return nfa;
}

/** gobwas/glob `Compile(glob).Match(s)` with no separators; throws PATTERN_INVALID */
export function ivpolGlobMatch(glob: string, image: string): boolean {
  return nfaMatches(ivpolGlobNfa(glob), image);
}
