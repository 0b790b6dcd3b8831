import { CharSet } from './charset';

/** RE2's ASCII POSIX classes `[[:name:]]` (RE2 syntax: all ASCII-only) */
export const POSIX_CLASSES: Readonly<Record<string, CharSet>> = {
  alnum: CharSet.fromRanges([[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]]),
  alpha: CharSet.fromRanges([[0x41, 0x5a], [0x61, 0x7a]]),
  ascii: CharSet.fromRanges([[0x00, 0x7f]]),
  blank: CharSet.of('\t '),
  cntrl: CharSet.fromRanges([[0x00, 0x1f], [0x7f, 0x7f]]),
  digit: CharSet.fromRanges([[0x30, 0x39]]),
  graph: CharSet.fromRanges([[0x21, 0x7e]]),
  lower: CharSet.fromRanges([[0x61, 0x7a]]),
  print: CharSet.fromRanges([[0x20, 0x7e]]),
  punct: CharSet.fromRanges([[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]]),
  space: CharSet.of('\t\n\v\f\r '),
  upper: CharSet.fromRanges([[0x41, 0x5a]]),
  word: CharSet.fromRanges([[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a], [0x5f, 0x5f]]),
  xdigit: CharSet.fromRanges([[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]]),
};

/** Go's Perl classes: ASCII-only, and `\s` is `[\t\n\f\r ]` (no `\v`, unlike JavaScript) */
export const PERL_CLASSES: Readonly<Record<string, CharSet>> = {
  d: POSIX_CLASSES.digit,
  s: CharSet.of('\t\n\f\r '),
  w: POSIX_CLASSES.word,
};

/** a JavaScript `u`-mode class body for a set: `\u{…}` code points and ranges */
export function classBody(set: CharSet): string {
  const hex = (cp: number) => `\\u{${cp.toString(16)}}`;
  return set.ranges.map(([lo, hi]) => (lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`)).join('');
}

/** a standalone JavaScript `u`-mode class for a set */
export function classOf(set: CharSet): string {
  return set.isEmpty() ? '[^\\u{0}-\\u{10ffff}]' : `[${classBody(set)}]`;
}
