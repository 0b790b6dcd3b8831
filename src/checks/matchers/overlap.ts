import { Engine, patternNfa } from './engine';
import { Nfa } from './nfa';

export interface OverlapResult {
  /** some string matches both patterns */
  readonly overlap: boolean;
  /** a shortest such string, when there is one */
  readonly witness?: string;
}

/**
 * Decides exactly whether two patterns of one engine match a common string (any string, not only
 * valid image names): a breadth-first search of the product of the two automata, whose edge labels
 * are character sets, so `*` that excludes `/`, `?`, classes and "any other character" are all
 * handled symbolically. Throws PATTERN_INVALID like the matchers.
 */
export function patternsOverlap(engine: Engine, a: string, b: string): OverlapResult {
  const witness = intersectionWitness(patternNfa(engine, a), patternNfa(engine, b));
  return witness === undefined ? { overlap: false } : { overlap: true, witness };
}

/** a shortest string both automata accept, or undefined */
export function intersectionWitness(a: Nfa, b: Nfa): string | undefined {
  const key = (p: number, q: number) => p * b.size + q;
  // parent pointers: the pair we came from and the character consumed ('' for an ε-move)
  const from = new Map<number, { prev: number; char: string }>();
  const startKey = key(a.start, b.start);
  from.set(startKey, { prev: -1, char: '' });
  // breadth-first by witness length: a level is closed under ε-moves before the next character,
  // so every pair is first reached by a shortest string
  let level = [startKey];
  while (level.length > 0) {
    for (let i = 0; i < level.length; i++) {
      const k = level[i];
      const p = Math.floor(k / b.size);
      const q = k % b.size;
      if (p === a.accept && q === b.accept) return spell(from, k);
      const epsTargets = [...a.eps[p].map((t) => key(t, q)), ...b.eps[q].map((t) => key(p, t))];
      for (const t of epsTargets) {
        if (from.has(t)) continue;
        from.set(t, { prev: k, char: '' });
        level.push(t);
      }
    }
    const next: number[] = [];
    for (const k of level) {
      const p = Math.floor(k / b.size);
      const q = k % b.size;
      for (const ea of a.edges[p]) {
        for (const eb of b.edges[q]) {
          const t = key(ea.to, eb.to);
          if (from.has(t)) continue;
          const c = ea.set.intersect(eb.set).sample();
          if (c === undefined) continue;
          from.set(t, { prev: k, char: c });
          next.push(t);
        }
      }
    }
    level = next;
  }
  return undefined;
}

function spell(from: Map<number, { prev: number; char: string }>, end: number): string {
  const chars: string[] = [];
  for (let k = end; k !== -1;) {
    const step = from.get(k)!;
    chars.push(step.char);
    k = step.prev;
  }
  return chars.reverse().join('');
}
