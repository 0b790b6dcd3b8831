import { CharSet } from './charset';
import { Nfa, nfaMatches } from './nfa';
import { GobwasNode, parseGobwasGlob } from '../../cluster/gobwas-glob';

/**
 * ImageValidatingPolicy `matchImageReferences[].glob` as the matcher reads it: the syntax of
 * `parseGobwasGlob` (gobwas/glob compiled with no separator runes, matched anchored against the
 * raw image string of the pod spec) with each class as the set of code points it accepts.
 */
export type IvpolNode =
  | { readonly kind: 'literal'; readonly char: string }
  | { readonly kind: 'any' }
  | { readonly kind: 'one'; readonly set: CharSet }
  | { readonly kind: 'alternatives'; readonly branches: IvpolNode[][] };

const toIvpolNodes = (nodes: readonly GobwasNode[]): IvpolNode[] => nodes.map((n): IvpolNode => {
  switch (n.kind) {
    case 'one': return { kind: 'one', set: CharSet.any() };
    case 'class': {
      const set = CharSet.fromRanges(n.ranges);
      return { kind: 'one', set: n.negated ? set.complement() : set };
    }
    case 'alternatives': return { kind: 'alternatives', branches: n.branches.map(toIvpolNodes) };
    default: return n;
  }
});

/** the glob's nodes; throws PATTERN_INVALID for what gobwas rejects */
export function parseIvpolGlob(glob: string): IvpolNode[] {
  return toIvpolNodes(parseGobwasGlob(glob));
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
