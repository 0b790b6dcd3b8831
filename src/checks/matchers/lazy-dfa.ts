import { Nfa, nfaMatches } from './nfa';

const UNKNOWN = -2;
const DEAD = -1;
/** a transition that would need more DFA states than allowed: simulate the NFA instead */
const OVERFLOW = -3;
/** transitions cached per DFA state for code points above ASCII */
const MAX_OTHER_PER_STATE = 256;

/**
 * The subset construction of an Nfa, built lazily while matching: a DFA state is an ε-closed set
 * of NFA states, and each transition is computed once and cached (a table for ASCII, a small map
 * above). It accepts exactly what `nfaMatches(nfa, ·)` accepts, iterating by code point, but a
 * test costs one table read per character. Past `maxStates` DFA states (only for pathological
 * patterns) it falls back to the NFA simulation, so memory stays bounded.
 */
export class LazyDfa {
  private readonly sets: number[][] = [];
  private readonly ids = new Map<string, number>();
  private readonly accepting: boolean[] = [];
  /** created on the first code point above ASCII seen in a state */
  private readonly other: (Map<number, number> | undefined)[] = [];
  private ascii = new Int32Array(0);
  private readonly start: number;

  constructor(private readonly nfa: Nfa, private readonly maxStates = 512) {
    const mark = new Uint8Array(nfa.size);
    const start: number[] = [];
    this.close(start, nfa.start, mark);
    this.start = this.intern(start);
  }

  /** does the automaton accept the whole of `input`? */
  public test(input: string): boolean {
    let state = this.start;
    let ascii = this.ascii;
    const n = input.length;
    for (let i = 0; i < n; i++) {
      let cp = input.charCodeAt(i);
      let next: number;
      if (cp < 128) {
        next = ascii[state * 128 + cp];
        if (next === UNKNOWN) {
          next = this.step(state, cp);
          ascii = this.ascii; // may have grown
        }
      } else {
        if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < n) {
          const lo = input.charCodeAt(i + 1);
          if (lo >= 0xdc00 && lo <= 0xdfff) {
            cp = (cp - 0xd800) * 0x400 + (lo - 0xdc00) + 0x10000;
            i++;
          }
        }
        next = this.other[state]?.get(cp) ?? this.step(state, cp);
        ascii = this.ascii;
      }
      if (next === DEAD) return false;
      if (next === OVERFLOW) return nfaMatches(this.nfa, input);
      state = next;
    }
    return this.accepting[state];
  }

  /** number of DFA states built so far */
  public get size(): number {
    return this.sets.length;
  }

  private step(state: number, cp: number): number {
    const nfa = this.nfa;
    const mark = new Uint8Array(nfa.size);
    const target: number[] = [];
    for (const s of this.sets[state]) {
      for (const e of nfa.edges[s]) if (!mark[e.to] && e.set.has(cp)) this.close(target, e.to, mark);
    }
    let next: number;
    if (target.length === 0) {
      next = DEAD;
    } else {
      target.sort((a, b) => a - b);
      const key = target.join(',');
      const known = this.ids.get(key);
      next = known ?? (this.sets.length >= this.maxStates ? OVERFLOW : this.intern(target, key));
    }
    if (next === OVERFLOW) return next; // not cached: the state may be built on a later test
    if (cp < 128) {
      this.ascii[state * 128 + cp] = next;
    } else {
      const map = this.other[state] ?? (this.other[state] = new Map());
      if (map.size < MAX_OTHER_PER_STATE) map.set(cp, next);
    }
    return next;
  }

  private close(into: number[], state: number, mark: Uint8Array): void {
    const stack = [state];
    while (stack.length > 0) {
      const s = stack.pop()!;
      if (mark[s]) continue;
      mark[s] = 1;
      into.push(s);
      for (const t of this.nfa.eps[s]) if (!mark[t]) stack.push(t);
    }
  }

  private intern(set: number[], key = [...set].sort((a, b) => a - b).join(',')): number {
    const id = this.sets.length;
    this.sets.push(set);
    this.ids.set(key, id);
    this.accepting.push(set.includes(this.nfa.accept));
    this.other.push(undefined);
    if ((id + 1) * 128 > this.ascii.length) {
      const grown = new Int32Array(Math.max(128, this.ascii.length * 2)).fill(UNKNOWN);
      grown.set(this.ascii);
      this.ascii = grown;
    }
    return id;
  }
}
