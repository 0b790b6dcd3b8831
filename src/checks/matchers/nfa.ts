import { CharSet } from './charset';

/** a transition consuming one code point of `set` */
export interface NfaEdge {
  readonly set: CharSet;
  readonly to: number;
}

/**
 * A Thompson NFA over code points. Every pattern language of the matchers compiles to one,
 * so matching is a state-set simulation (O(pattern × input), no backtracking) and overlap is
 * a product construction (overlap.ts).
 */
export class Nfa {
  public readonly edges: NfaEdge[][] = [];
  public readonly eps: number[][] = [];
  public readonly start: number;
  public accept: number;

  constructor() {
    this.start = this.addState();
    this.accept = this.start;
  }

  public get size(): number {
    return this.edges.length;
  }

  public addState(): number {
    this.edges.push([]);
    this.eps.push([]);
    return this.edges.length - 1;
  }

  public addEdge(from: number, set: CharSet, to: number): void {
    this.edges[from].push({ set, to });
  }

  public addEps(from: number, to: number): void {
    this.eps[from].push(to);
  }

  /** appends: from `from`, one code point of `set`, to a new state, which is returned */
  public step(from: number, set: CharSet): number {
    const to = this.addState();
    this.addEdge(from, set, to);
    return to;
  }

  /** appends: from `from`, zero or more code points of `set`; returns the state after the loop */
  public loop(from: number, set: CharSet): number {
    const to = this.addState();
    this.addEps(from, to);
    this.addEdge(to, set, to);
    return to;
  }
}

/** does `nfa` accept the whole of `input` (iterated by code point)? */
export function nfaMatches(nfa: Nfa, input: string): boolean {
  const mark = new Int32Array(nfa.size).fill(-1);
  let generation = 0;
  const close = (into: number[], state: number) => {
    const stack = [state];
    while (stack.length > 0) {
      const s = stack.pop()!;
      if (mark[s] === generation) continue;
      mark[s] = generation;
      into.push(s);
      for (const t of nfa.eps[s]) if (mark[t] !== generation) stack.push(t);
    }
  };
  let current: number[] = [];
  close(current, nfa.start);
  for (const ch of input) {
    const cp = ch.codePointAt(0)!;
    generation++;
    const next: number[] = [];
    for (const s of current) {
      for (const e of nfa.edges[s]) if (e.set.has(cp)) close(next, e.to);
    }
    current = next;
    if (current.length === 0) return false;
  }
  return current.includes(nfa.accept);
}
