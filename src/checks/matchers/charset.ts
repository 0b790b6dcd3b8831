/**
 * A set of Unicode code points as sorted, disjoint, non-adjacent closed ranges.
 * The alphabet of the pattern automata (see nfa.ts): one edge label per character class.
 */
export type CodePointRange = readonly [number, number];

export const MAX_CODE_POINT = 0x10ffff;

/** characters a witness prefers, so that generated examples stay readable */
const PREFERRED = 'abcdefghijklmnopqrstuvwxyz0123456789';

export class CharSet {
  /** every code point */
  public static any(): CharSet {
    return new CharSet([[0, MAX_CODE_POINT]]);
  }

  public static none(): CharSet {
    return new CharSet([]);
  }

  /** the code points of the given string */
  public static of(chars: string): CharSet {
    return CharSet.fromRanges([...chars].map((c) => [c.codePointAt(0)!, c.codePointAt(0)!] as CodePointRange));
  }

  /** every code point except those of the given string */
  public static except(chars: string): CharSet {
    return CharSet.of(chars).complement();
  }

  public static fromRanges(ranges: readonly CodePointRange[]): CharSet {
    const sorted = ranges.filter(([lo, hi]) => lo <= hi).map(([lo, hi]) => [lo, hi] as [number, number])
      .sort((a, b) => a[0] - b[0]);
    const out: [number, number][] = [];
    for (const r of sorted) {
      const last = out[out.length - 1];
      if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
      else out.push(r);
    }
    return new CharSet(out);
  }

  private constructor(public readonly ranges: readonly CodePointRange[]) {}

  public isEmpty(): boolean {
    return this.ranges.length === 0;
  }

  public has(cp: number): boolean {
    for (const [lo, hi] of this.ranges) {
      if (cp < lo) return false;
      if (cp <= hi) return true;
    }
    return false;
  }

  public complement(): CharSet {
    const out: CodePointRange[] = [];
    let next = 0;
    for (const [lo, hi] of this.ranges) {
      if (lo > next) out.push([next, lo - 1]);
      next = hi + 1;
    }
    if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
    return new CharSet(out);
  }

  public union(other: CharSet): CharSet {
    return CharSet.fromRanges([...this.ranges, ...other.ranges]);
  }

  public intersect(other: CharSet): CharSet {
    const out: CodePointRange[] = [];
    let i = 0;
    let j = 0;
    while (i < this.ranges.length && j < other.ranges.length) {
      const [alo, ahi] = this.ranges[i];
      const [blo, bhi] = other.ranges[j];
      const lo = Math.max(alo, blo);
      const hi = Math.min(ahi, bhi);
      if (lo <= hi) out.push([lo, hi]);
      if (ahi < bhi) i++;
      else j++;
    }
    return new CharSet(out);
  }

  /** one member, preferring lowercase letters and digits, then printable ASCII; undefined when empty */
  public sample(): string | undefined {
    if (this.isEmpty()) return undefined;
    for (const c of PREFERRED) if (this.has(c.codePointAt(0)!)) return c;
    for (let cp = 0x21; cp <= 0x7e; cp++) if (this.has(cp)) return String.fromCodePoint(cp);
    for (const [lo, hi] of this.ranges) {
      // skip lone surrogates: they are not characters of a well-formed string
      const cp = lo >= 0xd800 && lo <= 0xdfff ? 0xe000 : lo;
      if (cp <= hi) return String.fromCodePoint(cp);
    }
    return String.fromCodePoint(this.ranges[0][0]);
  }
}
