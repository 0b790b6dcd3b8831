import { CharSet } from './charset';
import { PERL_CLASSES, POSIX_CLASSES, classBody, classOf } from './go-regexp-classes';
import { BlueprintError } from '../../errors';

/**
 * Go RE2 regexps (as `regexp.MatchString` uses them: unanchored, i.e. a substring match) to
 * JavaScript `u`-mode RegExps, for keyless `subjectRegExp` / `issuerRegExp`.
 *
 * Translated so that JavaScript reads them the way Go does: `.` (no `\r`/`\u2028` exclusion),
 * `\s` (ASCII only), `\d` `\w` (ASCII), POSIX classes `[[:alpha:]]`, `\pL` / `\p{Greek}`,
 * `\x{…}`, octal `\123`, `\a`, escaped punctuation, literal `{` `}` `]`, and the flags `s`, `m`, `U`
 * in any scope and `i` at the very start. Rejected with REGEXP_UNSUPPORTED, naming the construct:
 * `(?P<name>…)` and `(?<name>…)`, lookarounds, atomic groups, backreferences, `\A`, `\z`, `\C`,
 * `\Q…\E`, `(?i)` anywhere but the start, repeated assertions, and everything Go rejects that
 * the translator meets (nested repetition, bad escapes, unbalanced parentheses, …).
 */
interface Flags {
  readonly i: boolean;
  readonly m: boolean;
  readonly s: boolean;
  readonly U: boolean;
}

type Last = 'none' | 'atom' | 'repeat' | 'assert';

const JS_SYNTAX = new Set([...'^$\\.*+?()[]{}|/']);
/** Go: an escaped ASCII character that is not a letter or digit is always itself */
const GO_LITERAL_ESCAPE = /^[\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]$/;
const SIMPLE_ESCAPES: Record<string, number> = { a: 7, f: 12, t: 9, n: 10, r: 13, v: 11 };
const MAX_REPEAT = 1000;

export interface GoRegexpTranslation {
  readonly source: string;
  readonly flags: string;
}

export function translateGoRegexpSource(re: string): GoRegexpTranslation {
  return new Translator(re).run();
}

/** a RegExp that `test`s like Go's `regexp.MatchString(re, s)`; throws REGEXP_UNSUPPORTED */
export function translateGoRegexp(re: string): RegExp {
  const { source, flags } = translateGoRegexpSource(re);
  return new RegExp(source, flags);
}

/** Go `regexp.MatchString(re, s)`: true when `re` matches anywhere in `s` */
export function goRegexpMatch(re: string, s: string): boolean {
  return translateGoRegexp(re).test(s);
}

class Translator {
  private readonly cs: string[];
  private pos = 0;
  private out = '';
  private flags: Flags = { i: false, m: false, s: false, U: false };
  private readonly groups: Flags[] = [];
  private last: Last = 'none';
  private globalI = false;

  constructor(private readonly re: string) {
    this.cs = [...re];
  }

  public run(): GoRegexpTranslation {
    const cs = this.cs;
    while (this.pos < cs.length) {
      const c = cs[this.pos];
      switch (c) {
        case '(':
          this.openGroup();
          break;
        case ')':
          if (this.groups.length === 0) this.fail('unexpected ")"');
          this.flags = this.groups.pop()!;
          this.out += ')';
          this.last = 'atom';
          this.pos++;
          break;
        case '|':
          this.out += '|';
          this.last = 'none';
          this.pos++;
          break;
        case '*':
        case '+':
        case '?':
          this.pos++;
          this.repeat(c);
          break;
        case '{': {
          const counted = this.parseRepeatCount();
          if (counted !== undefined) {
            this.repeat(counted);
          } else {
            this.pos++;
            this.literal(0x7b);
          }
          break;
        }
        case '^':
          this.pos++;
          this.out += this.flags.m ? '(?<![^\\n])' : '^';
          this.last = 'assert';
          break;
        case '$':
          this.pos++;
          this.out += this.flags.m ? '(?![^\\n])' : '$';
          this.last = 'assert';
          break;
        case '.':
          this.pos++;
          this.out += this.flags.s ? '[^]' : '[^\\n]';
          this.last = 'atom';
          break;
        case '[':
          this.characterClass();
          break;
        case '\\':
          this.escape();
          break;
        default:
          this.pos++;
          this.literal(c.codePointAt(0)!);
      }
    }
    if (this.groups.length > 0) this.fail('missing closing ")"');
    const flags = this.globalI ? 'iu' : 'u';
    try {
      new RegExp(this.out, flags);
    } catch (e) {
      this.fail(`JavaScript cannot compile the translation /${this.out}/${flags}: ${(e as Error).message}`);
    }
    return { source: this.out, flags };
  }

  private fail(what: string): never {
    throw new BlueprintError('REGEXP_UNSUPPORTED', `unsupported Go regexp ${JSON.stringify(this.re)}: ${what}`);
  }

  private literal(cp: number): void {
    const ch = String.fromCodePoint(cp);
    if (JS_SYNTAX.has(ch)) this.out += `\\${ch}`;
    else if (cp < 0x20 || cp === 0x7f) this.out += `\\u{${cp.toString(16)}}`;
    else this.out += ch;
    this.last = 'atom';
  }

  private repeat(op: string): void {
    if (this.last === 'none') this.fail(`missing argument to repetition operator "${op}"`);
    if (this.last === 'repeat') this.fail(`invalid nested repetition operator "${op}"`);
    if (this.last === 'assert') this.fail(`repetition "${op}" of an empty-width assertion`);
    let lazy = false;
    if (this.cs[this.pos] === '?') {
      lazy = true;
      this.pos++;
    }
    if (this.flags.U) lazy = !lazy;
    this.out += op + (lazy ? '?' : '');
    this.last = 'repeat';
  }

  /** `{n}`, `{n,}`, `{n,m}` at pos: consumes and returns it; otherwise undefined (a literal `{`) */
  private parseRepeatCount(): string | undefined {
    const rest = this.cs.slice(this.pos, this.pos + 24).join('');
    const m = /^\{(\d+)(,(\d*))?\}/.exec(rest);
    if (!m) return undefined;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? undefined : Number(m[3]);
    if (min > MAX_REPEAT || (max !== undefined && (max > MAX_REPEAT || max < min))) {
      this.fail(`invalid repeat count "${m[0]}"`);
    }
    this.pos += m[0].length;
    return m[0];
  }

  private openGroup(): void {
    const cs = this.cs;
    const at = this.pos;
    this.pos++;
    if (cs[this.pos] !== '?') {
      this.groups.push(this.flags);
      this.out += '(';
      this.last = 'none';
      return;
    }
    const ahead = cs.slice(this.pos + 1, this.pos + 3).join('');
    if (ahead.startsWith('P<')) this.fail('named group "(?P<name>…)": Go-only syntax; use "(…)" or "(?:…)"');
    if (ahead === 'P=' || ahead === 'P>') this.fail(`"(?${ahead}…)" is not RE2 syntax`);
    if (ahead === '<=' || ahead === '<!') this.fail(`lookbehind "(?${ahead}…)" is not supported by RE2`);
    if (ahead.startsWith('<')) this.fail('named group "(?<name>…)": use "(…)" or "(?:…)"');
    if (ahead.startsWith('=') || ahead.startsWith('!')) this.fail(`lookahead "(?${ahead[0]}…)" is not supported by RE2`);
    if (ahead.startsWith('>')) this.fail('atomic group "(?>…)" is not supported by RE2');
    if (ahead.startsWith(':')) {
      this.pos += 2;
      this.groups.push(this.flags);
      this.out += '(?:';
      this.last = 'none';
      return;
    }
    // flags: (?flags) or (?flags:re)
    const next: { i: boolean; m: boolean; s: boolean; U: boolean } = { ...this.flags };
    let p = this.pos + 1;
    let negate = false;
    let sawFlag = false;
    for (;;) {
      const f = cs[p];
      const text = cs.slice(at, p + 1).join('');
      if (f === undefined) this.fail(`missing closing ")" of "${text}"`);
      if (f === 'i' || f === 'm' || f === 's' || f === 'U') {
        next[f] = !negate;
        sawFlag = true;
      } else if (f === '-' && !negate) {
        negate = true;
        sawFlag = false;
      } else if ((f === ')' || f === ':') && sawFlag) {
        break;
      } else {
        this.fail(`unsupported group or flag "${text}" (RE2 flags are i, m, s, U)`);
      }
      p++;
    }
    const scoped = cs[p] === ':';
    const text = cs.slice(at, p + 1).join('');
    if (next.i !== this.flags.i) {
      const atStart = !scoped && this.out === '' && this.groups.length === 0 && next.i;
      if (!atStart) {
        this.fail(`case-insensitive flag in "${text}": only supported as "(?i)" at the very start of the regexp`);
      }
      this.globalI = true;
    }
    this.pos = p + 1;
    if (scoped) {
      this.groups.push(this.flags);
      this.out += '(?:';
      this.last = 'none';
    }
    this.flags = next;
  }

  private escape(): void {
    const e = this.cs[this.pos + 1];
    if (e === undefined) this.fail('trailing "\\"');
    this.pos += 2;
    switch (e) {
      case 'A':
        this.fail('"\\A" (beginning of text): write "^" instead (same meaning without the m flag)');
      case 'z':
        this.fail('"\\z" (end of text): write "$" instead (Go "$" without the m flag is already the end of text)');
      case 'C':
        this.fail('"\\C" (any byte) has no JavaScript equivalent');
      case 'Q':
      case 'E':
        this.fail('"\\Q…\\E" quoting: escape each metacharacter with "\\" instead');
      case 'b':
      case 'B':
        this.out += `\\${e}`;
        this.last = 'assert';
        return;
      case 'd':
      case 'D':
      case 's':
      case 'S':
      case 'w':
      case 'W': {
        const set = PERL_CLASSES[e.toLowerCase()];
        this.out += classOf(e === e.toLowerCase() ? set : set.complement());
        this.last = 'atom';
        return;
      }
      case 'p':
      case 'P': {
        const u = this.unicodeClass(e);
        this.out += typeof u === 'string' ? u : classOf(u);
        this.last = 'atom';
        return;
      }
      default:
        this.literal(this.escapedCodePoint(e));
    }
  }

  /** the code point of a literal escape `\e…` (pos is after `e`) */
  private escapedCodePoint(e: string): number {
    const cs = this.cs;
    if (SIMPLE_ESCAPES[e] !== undefined) return SIMPLE_ESCAPES[e];
    if (e === 'x') {
      let hex: string;
      let valid: boolean;
      if (cs[this.pos] === '{') {
        const end = cs.indexOf('}', this.pos);
        if (end < 0) this.fail('unterminated "\\x{"');
        hex = cs.slice(this.pos + 1, end).join('');
        this.pos = end + 1;
        valid = /^[0-9a-fA-F]+$/.test(hex) && parseInt(hex, 16) <= 0x10ffff;
      } else {
        hex = cs.slice(this.pos, this.pos + 2).join('');
        this.pos += 2;
        valid = /^[0-9a-fA-F]{2}$/.test(hex);
      }
      if (!valid) this.fail(`invalid escape "\\x${hex}"`);
      return parseInt(hex, 16);
    }
    if (e >= '0' && e <= '7') {
      const isOctal = (c: string | undefined) => c !== undefined && c >= '0' && c <= '7';
      if (e !== '0' && !isOctal(cs[this.pos])) this.fail(`backreference "\\${e}" is not supported by RE2`);
      let digits = e;
      while (digits.length < 3 && isOctal(cs[this.pos])) digits += cs[this.pos++];
      return parseInt(digits, 8);
    }
    if (e === '8' || e === '9') this.fail(`backreference "\\${e}" is not supported by RE2`);
    if (e === 'k') this.fail('named backreference "\\k<…>" is not supported by RE2');
    if (GO_LITERAL_ESCAPE.test(e)) return e.codePointAt(0)!;
    return this.fail(`invalid escape "\\${e}"`);
  }

  /** `\pL`, `\p{Greek}`, `\p{^Greek}`, `\PL` (pos is after p/P): a JavaScript escape, or a set */
  private unicodeClass(e: string): string | CharSet {
    const cs = this.cs;
    let name: string;
    if (cs[this.pos] === '{') {
      const end = cs.indexOf('}', this.pos);
      if (end < 0) this.fail(`unterminated "\\${e}{"`);
      name = cs.slice(this.pos + 1, end).join('');
      this.pos = end + 1;
    } else {
      name = cs[this.pos] ?? '';
      this.pos++;
    }
    let negated = e === 'P';
    if (name.startsWith('^')) {
      negated = !negated;
      name = name.slice(1);
    }
    if (name === 'Any') return negated ? CharSet.none() : CharSet.any();
    const body = /^[A-Z][a-z]?$/.test(name) ? name : `Script=${name}`;
    const js = `\\${negated ? 'P' : 'p'}{${body}}`;
    try {
      new RegExp(js, 'u');
    } catch {
      this.fail(`unknown Unicode class "\\${e}{${name}}"`);
    }
    return js;
  }

  private characterClass(): void {
    const cs = this.cs;
    const open = this.pos;
    this.pos++;
    let negated = false;
    if (cs[this.pos] === '^') {
      negated = true;
      this.pos++;
    }
    let set = CharSet.none();
    const escapes: string[] = [];
    let first = true;
    for (;;) {
      const c = cs[this.pos];
      if (c === undefined) this.fail(`missing closing "]" of the class at offset ${open}`);
      if (c === ']' && !first) {
        this.pos++;
        break;
      }
      first = false;
      if (c === '[' && cs[this.pos + 1] === ':') {
        const rest = cs.slice(this.pos).join('');
        const m = /^\[:(\^?)([a-z]+):\]/.exec(rest);
        if (m) {
          const posix = POSIX_CLASSES[m[2]];
          if (posix === undefined) this.fail(`unknown POSIX class "${m[0]}"`);
          set = set.union(m[1] ? posix.complement() : posix);
          this.pos += [...m[0]].length;
          continue;
        }
      }
      if (c === '\\') {
        const e = cs[this.pos + 1];
        if (e !== undefined && 'dDsSwW'.includes(e)) {
          this.pos += 2;
          const perl = PERL_CLASSES[e.toLowerCase()];
          set = set.union(e === e.toLowerCase() ? perl : perl.complement());
          continue;
        }
        if (e === 'p' || e === 'P') {
          this.pos += 2;
          const u = this.unicodeClass(e);
          if (typeof u === 'string') escapes.push(u);
          else set = set.union(u);
          continue;
        }
      }
      const lo = this.classChar();
      let hi = lo;
      if (cs[this.pos] === '-' && cs[this.pos + 1] !== undefined && cs[this.pos + 1] !== ']') {
        this.pos++;
        hi = this.classChar();
        if (hi < lo) this.fail(`invalid character class range "${String.fromCodePoint(lo)}-${String.fromCodePoint(hi)}"`);
      }
      set = set.union(CharSet.fromRanges([[lo, hi]]));
    }
    this.out += `[${negated ? '^' : ''}${classBody(set)}${escapes.join('')}]`;
    this.last = 'atom';
  }

  /** one literal code point of a class (a character or a literal escape) */
  private classChar(): number {
    const c = this.cs[this.pos];
    if (c === undefined) this.fail('missing closing "]" of a character class');
    if (c !== '\\') {
      this.pos++;
      return c.codePointAt(0)!;
    }
    const e = this.cs[this.pos + 1];
    if (e === undefined) this.fail('trailing "\\"');
    this.pos += 2;
    if ('AzCQEbBdDsSwWpP'.includes(e)) this.fail(`"\\${e}" cannot be used here in a character class`);
    return this.escapedCodePoint(e);
  }
}

/**
 * Scans a Go regexp's top level: calls `onChar(index, char)` for every character outside
 * escapes and classes, with the group depth. Tolerant of invalid syntax.
 */
function scanTopLevel(re: string, onChar: (i: number, c: string, depth: number) => void): void {
  let depth = 0;
  for (let i = 0; i < re.length; i++) {
    const c = re[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '[') {
      i = skipClass(re, i);
      continue;
    }
    if (c === ')') depth = Math.max(0, depth - 1);
    onChar(i, c, depth);
    if (c === '(') depth++;
  }
}

/** index of the `]` closing the class opened at `open` (or the end) */
function skipClass(re: string, open: number): number {
  let i = open + 1;
  if (re[i] === '^') i++;
  if (re[i] === ']') i++;
  for (; i < re.length; i++) {
    if (re[i] === '\\') {
      i++;
    } else if (re[i] === '[' && re[i + 1] === ':') {
      const end = re.indexOf(':]', i + 2);
      if (end >= 0) i = end + 1;
    } else if (re[i] === ']') {
      return i;
    }
  }
  return re.length;
}

/**
 * Does the regexp match only whole strings? True when every top-level alternative starts with
 * `^` (after leading flag groups) and ends with an unescaped `$`, and multi-line mode is never
 * enabled (with `(?m)`, `^`/`$` also match at line breaks).
 */
export function isAnchored(re: string): boolean {
  if (/\(\?[isU]*m/.test(re)) return false;
  const cuts: number[] = [];
  scanTopLevel(re, (i, c, depth) => {
    if (c === '|' && depth === 0) cuts.push(i);
  });
  const branches: string[] = [];
  let from = 0;
  for (const cut of [...cuts, re.length]) {
    branches.push(re.slice(from, cut));
    from = cut + 1;
  }
  return branches.every((branch) => {
    const body = branch.replace(/^(\(\?[imsU-]+\))+/, '');
    if (!body.startsWith('^') || body.length < 2 || !body.endsWith('$')) return false;
    let slashes = 0;
    for (let i = body.length - 2; i >= 0 && body[i] === '\\'; i--) slashes++;
    return slashes % 2 === 0;
  });
}

/** Is there a `.` that matches any character (outside classes, not escaped)? */
export function hasUnescapedDot(re: string): boolean {
  let found = false;
  scanTopLevel(re, (_i, c) => {
    if (c === '.') found = true;
  });
  return found;
}
