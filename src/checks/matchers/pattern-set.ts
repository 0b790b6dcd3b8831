import { Engine, patternNfa } from './engine';
import { kyvernoNormalize, policyControllerName } from './image-ref';
import { Nfa, nfaMatches } from './nfa';
import { rewritePolicyControllerGlob } from './policy-controller-glob';

/*
 * Many patterns against many images, fast: each pattern is compiled once, and a trie of the
 * patterns' literal prefixes limits each image to the few patterns that can match it. The
 * answers are those of matchImage (engine.ts); only the work differs.
 */

const META: Record<Engine, RegExp> = {
  'kyverno': /[*?]/,
  'kyverno-ivpol': /[*?[{\\]/,
  'policy-controller': /\*/,
};

/**
 * go-wildcard semantics (`*` any run incl. "/", `?` exactly one rune), by the greedy two-pointer
 * algorithm with one backtrack point: O(pattern × name) worst case, never exponential.
 */
export function wildcardMatch(pattern: string, name: string): boolean {
  const p = /^[\x00-\x7f]*$/.test(pattern) ? pattern : Array.from(pattern);
  const s = /^[\x00-\x7f]*$/.test(name) ? name : Array.from(name);
  let pi = 0;
  let si = 0;
  let star = -1;
  let mark = 0;
  while (si < s.length) {
    if (pi < p.length && (p[pi] === '?' || (p[pi] !== '*' && p[pi] === s[si]))) {
      pi++;
      si++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = si;
    } else if (star >= 0) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

interface Compiled {
  readonly pattern: string;
  readonly test: (s: string) => boolean;
}

class TrieNode {
  public readonly next = new Map<string, TrieNode>();
  public readonly here: Compiled[] = [];
}

export class PatternSet {
  /** patterns the engine would reject as invalid, with the reason */
  public readonly invalid: { pattern: string; reason: string }[] = [];
  private readonly root = new TrieNode();

  constructor(public readonly engine: Engine, patterns: readonly string[]) {
    for (const pattern of new Set(patterns)) {
      let test: (s: string) => boolean;
      let indexed = pattern;
      try {
        if (engine === 'kyverno') {
          test = (s) => wildcardMatch(pattern, s);
        } else {
          const nfa: Nfa = patternNfa(engine, pattern);
          test = (s) => nfaMatches(nfa, s);
          if (engine === 'policy-controller') indexed = rewritePolicyControllerGlob(pattern);
        }
      } catch (e) {
        this.invalid.push({ pattern, reason: (e as Error).message });
        continue;
      }
      const m = META[engine].exec(indexed);
      const prefix = m ? indexed.slice(0, m.index) : indexed;
      let node = this.root;
      for (const ch of prefix) {
        let n = node.next.get(ch);
        if (!n) {
          n = new TrieNode();
          node.next.set(ch, n);
        }
        node = n;
      }
      node.here.push({ pattern, test });
    }
  }

  /** The strings the engine compares for a pod-spec image (empty when it cannot parse it). */
  public compared(rawImage: string): string[] {
    try {
      switch (this.engine) {
        case 'kyverno': return [kyvernoNormalize(rawImage)];
        case 'kyverno-ivpol': return [rawImage];
        case 'policy-controller': {
          const name = policyControllerName(rawImage);
          return name === rawImage ? [name] : [name, rawImage]; // deprecated fallback retry on the original
        }
      }
    } catch {
      return this.engine === 'policy-controller' ? [rawImage] : [];
    }
  }

  /** Every pattern of the set that selects the image. */
  public matching(rawImage: string): string[] {
    const out = new Set<string>();
    for (const s of this.compared(rawImage)) {
      for (const c of this.candidates(s)) if (!out.has(c.pattern) && c.test(s)) out.add(c.pattern);
    }
    return [...out];
  }

  /** Does any pattern select the image? */
  public any(rawImage: string): boolean {
    for (const s of this.compared(rawImage)) {
      for (const c of this.candidates(s)) if (c.test(s)) return true;
    }
    return false;
  }

  private *candidates(s: string): Generator<Compiled> {
    let node: TrieNode | undefined = this.root;
    yield* node.here;
    for (const ch of s) {
      node = node.next.get(ch);
      if (!node) return;
      yield* node.here;
    }
  }
}
