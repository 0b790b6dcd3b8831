import { Engine, patternNfa } from './engine';
import { kyvernoNormalize, policyControllerName } from './image-ref';
import { parseIvpolGlob } from './ivpol-glob';
import { LazyDfa } from './lazy-dfa';
import { Nfa, nfaMatches } from './nfa';
import { rewritePolicyControllerGlob } from './policy-controller-glob';

/*
 * Many patterns against many images, fast: each pattern is compiled once (its automaton as a
 * lazily built DFA: one table read per character), and two tries limit each image to the few
 * patterns that can match it: one of the patterns' literal prefixes, walked from the start of
 * the string, and one of a literal every match must contain (for patterns whose prefix is
 * short, e.g. `*\/acme/web:*`), walked from every position. The answers are those of
 * matchImage (engine.ts); only the work differs.
 */

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

/** The trie node for `key` below `root`, created on the way (by UTF-16 code unit, as the lookups walk). */
function insert(root: TrieNode, key: string): TrieNode {
  let node = root;
  for (let i = 0; i < key.length; i++) {
    const ch = key[i];
    let n = node.next.get(ch);
    if (!n) {
      n = new TrieNode();
      node.next.set(ch, n);
    }
    node = n;
  }
  return node;
}

export class PatternSet {
  /** patterns the engine would reject as invalid, with the reason */
  public readonly invalid: { pattern: string; reason: string }[] = [];
  private readonly root = new TrieNode();
  /** patterns indexed by a literal they must contain anywhere (code units) */
  private readonly floating = new TrieNode();
  private hasFloating = false;

  /**
   * `options.dfaAfter`: tests of a pattern before its automaton is compiled to a DFA (default
   * 32: patterns tested a few times, as in synth, never pay for one).
   */
  constructor(public readonly engine: Engine, patterns: readonly string[], options: { readonly dfaAfter?: number } = {}) {
    const dfaAfter = options.dfaAfter ?? DFA_AFTER;
    for (const pattern of new Set(patterns)) {
      let test: (s: string) => boolean;
      let literals: { prefix: string; longest: string };
      try {
        test = compileMatcher(engine, pattern, dfaAfter);
        literals = requiredLiterals(engine, pattern);
      } catch (e) {
        this.invalid.push({ pattern, reason: (e as Error).message });
        continue;
      }
      const compiled: Compiled = { pattern, test };
      const { prefix, longest } = literals;
      if (prefix.length >= Math.min(MIN_PREFIX, longest.length)) {
        insert(this.root, prefix).here.push(compiled);
      } else {
        insert(this.floating, longest).here.push(compiled);
        this.hasFloating = true;
      }
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

  /** the patterns whose indexed literal `s` has: its prefix, or one found anywhere in it */
  private candidates(s: string): Compiled[] {
    const out: Compiled[] = [];
    let node: TrieNode | undefined = this.root;
    out.push(...node.here);
    for (let i = 0; i < s.length; i++) {
      node = node.next.get(s[i]);
      if (!node) break;
      out.push(...node.here);
    }
    if (this.hasFloating) {
      for (let i = 0; i < s.length; i++) {
        let f: TrieNode | undefined = this.floating.next.get(s[i]);
        for (let j = i + 1; f; j++) {
          if (f.here.length > 0) out.push(...f.here);
          if (j >= s.length) break;
          f = f.next.get(s[j]);
        }
      }
    }
    return out;
  }
}

/** tests of one pattern after which it is compiled to a DFA */
const DFA_AFTER = 32;

/**
 * A pattern's test: first by the plain matchers (go-wildcard two-pointer for kyverno, the NFA
 * simulation otherwise: no allocation up front), and from the `dfaAfter`-th test on by a lazily
 * built DFA of the same automaton (one table read per character, some KB per pattern).
 * Throws PATTERN_INVALID like the matchers.
 */
function compileMatcher(engine: Engine, pattern: string, dfaAfter: number): (s: string) => boolean {
  const nfa: Nfa | undefined = engine === 'kyverno' ? undefined : patternNfa(engine, pattern);
  let uses = 0;
  let dfa: LazyDfa | undefined;
  return (s) => {
    if (dfa) return dfa.test(s);
    if (++uses >= dfaAfter) {
      dfa = new LazyDfa(nfa ?? patternNfa(engine, pattern));
      return dfa.test(s);
    }
    return nfa ? nfaMatches(nfa, s) : wildcardMatch(pattern, s);
  };
}

/** the literal prefix below which the floating index is preferred (when a longer literal exists) */
const MIN_PREFIX = 6;

/**
 * Literals every string the pattern matches must have: its literal prefix (up to the first
 * meta character) and its longest literal run, both as plain text. Sound by construction: a
 * run of literal characters outside wildcards, classes and alternatives is matched verbatim.
 */
export function requiredLiterals(engine: Engine, pattern: string): { prefix: string; longest: string } {
  let runs: string[];
  if (engine === 'kyverno-ivpol') {
    runs = [''];
    for (const node of parseIvpolGlob(pattern)) {
      if (node.kind === 'literal') runs[runs.length - 1] += node.char;
      else runs.push('');
    }
  } else {
    const text = engine === 'policy-controller' ? rewritePolicyControllerGlob(pattern) : pattern;
    runs = text.split(engine === 'kyverno' ? /[*?]/ : /\*/);
  }
  // runs[0] is the text before the first meta character (empty when the pattern starts with one)
  const longest = runs.reduce((a, b) => (b.length > a.length ? b : a), '');
  return { prefix: runs[0], longest };
}
