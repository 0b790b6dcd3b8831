import {
  goRegexpMatch,
  hasUnescapedDot,
  isAnchored,
  translateGoRegexp,
  translateGoRegexpSource,
} from '../../../src/checks/matchers/go-regexp';

const GOOD = '^https://github\\.com/acme/app/\\.github/workflows/build\\.yml@refs/heads/main$';
const SAN = 'https://github.com/acme/app/.github/workflows/build.yml@refs/heads/main';

describe('goRegexpMatch: the keyless identity example', () => {
  test('the anchored, escaped regexp accepts exactly the intended SAN', () => {
    expect(goRegexpMatch(GOOD, SAN)).toBe(true);
    for (const other of [
      'https://github.com/acme/app-evil/.github/workflows/build.yml@refs/heads/main',
      'https://github.com/acme/app/.github/workflows/build.yml@refs/heads/main-x',
      'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main',
      'https://github.com/evil/app/.github/workflows/build.yml@refs/heads/main',
      'https://github.com/acme/app/.github/workflows/buildxyml@refs/heads/main',
      `${SAN}\n`,
      `x${SAN}`,
    ]) {
      expect(goRegexpMatch(GOOD, other)).toBe(false);
    }
  });

  test('an unanchored regexp is a substring match', () => {
    expect(goRegexpMatch('https://github.com/acme/app', 'https://github.com/acme/app-evil/.github/workflows/x.yml@refs/heads/main')).toBe(true);
    expect(goRegexpMatch('https://github.com/acme/app', 'xx https://github.com/acme/app')).toBe(true);
    // unescaped dots match any character
    expect(goRegexpMatch('^https://github.com/acme/', 'https://githubxcom/acme/')).toBe(true);
  });
});

describe('translateGoRegexp', () => {
  test.each([
    // regexp, input, Go result
    ['.', '\r', true],
    ['^.$', '\n', false],
    ['(?s)^.$', '\n', true],
    ['^.$', '\u2028', true],
    ['^.$', '😀', true],
    ['^\\s$', '\v', false],
    ['^\\s$', '\t', true],
    ['^\\s$', '\u00a0', false],
    ['^\\S$', '\u00a0', true],
    ['^[\\S]$', '\v', true],
    ['^[\\s]$', '\v', false],
    ['^\\w+$', 'é', false],
    ['^\\d$', '٣', false],
    ['^[[:alpha:]]+$', 'abcXYZ', true],
    ['^[[:alpha:]]+$', 'ab1', false],
    ['^[[:^digit:]x]+$', 'abx', true],
    ['^[[:^digit:]]$', '5', false],
    ['^[[:punct:]]$', '@', true],
    ['^\\pL+$', 'éa', true],
    ['^\\p{Greek}$', 'λ', true],
    ['^\\p{Greek}$', 'l', false],
    ['^\\P{Greek}$', 'l', true],
    ['^\\p{^Greek}$', 'λ', false],
    ['^[\\p{Lu}0-9]+$', 'A9', true],
    ['^\\x41\\x{1F600}$', 'A😀', true],
    ['^\\101$', 'A', true],
    ['^\\0$', '\0', true],
    ['^\\a$', '\x07', true],
    ['^a{2}$', 'aa', true],
    ['^a{2,}$', 'aaa', true],
    ['^a{1,2}$', 'aaa', false],
    ['^a{,2}$', 'a{,2}', true],
    ['^a{$', 'a{', true],
    ['^x}$', 'x}', true],
    ['^x]$', 'x]', true],
    ['^[]a]+$', ']a', true],
    ['^[^]a]$', ']', false],
    ['^[a-]$', '-', true],
    ['^a-b$', 'a-b', true],
    ['^\\-\\_\\ \\#$', '-_ #', true],
    ['^\\-_$', '-_', true],
    ['^\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\^\\$\\\\\\/$', '.*+?()[]{}|^$\\/', true],
    ['(?i)^ACME$', 'acme', true],
    ['(?is)^a.b$', 'A\nB', true],
    ['(?m)^b$', 'a\nb\nc', true],
    ['^b$', 'a\nb\nc', false],
    ['(?m)^b$', 'a\rb\rc', false],
    ['(?m:^b$)', 'a\nb', true],
    ['a(?s:.)b', 'a\nb', true],
    ['a(?s:.)b.', 'a\nb\n', false],
    ['(?U)^(a+)', 'aaa', true],
    ['^(?:ab|cd)+$', 'abcd', true],
    ['\\bapp\\b', 'the app!', true],
    ['^$', '', true],
    ['', 'anything', true],
  ])('%j on %j → %s', (re, input, expected) => {
    expect(translateGoRegexp(re).test(input)).toBe(expected);
  });

  test('U flag swaps greediness', () => {
    expect('aaa'.match(translateGoRegexp('(?U)a+'))![0]).toBe('a');
    expect('aaa'.match(translateGoRegexp('(?U)a+?'))![0]).toBe('aaa');
    expect('aaa'.match(translateGoRegexp('a+?'))![0]).toBe('a');
  });

  test('flags and source', () => {
    expect(translateGoRegexpSource('(?i)abc')).toEqual({ source: 'abc', flags: 'iu' });
    expect(translateGoRegexpSource('a.b').source).toBe('a[^\\n]b');
  });

  test.each([
    ['(?P<name>x)', '(?P<name>'],
    ['(?<name>x)', '(?<name>'],
    ['x\\z', '\\z'],
    ['\\Ax', '\\A'],
    ['a\\C', '\\C'],
    ['\\Qa.b\\E', '\\Q'],
    ['(a)\\1', 'backreference'],
    ['\\8', 'backreference'],
    ['(?=a)', 'lookahead'],
    ['(?!a)', 'lookahead'],
    ['(?<=a)b', 'lookbehind'],
    ['(?<!a)b', 'lookbehind'],
    ['(?>a)', 'atomic'],
    ['\\k<n>', '\\k'],
    ['a(?i)b', 'case-insensitive'],
    ['(?i:a)b', 'case-insensitive'],
    ['(?x)a', '(?x)'],
    ['(?)a', '(?)'],
    ['(?i-)a', '(?i-)'],
    ['a**', 'nested repetition'],
    ['a*+', 'nested repetition'],
    ['a{2}{3}', 'nested repetition'],
    ['*a', 'missing argument'],
    ['a|*', 'missing argument'],
    ['^*', 'assertion'],
    ['a{1001}', 'repeat count'],
    ['a{3,2}', 'repeat count'],
    ['(a', 'missing closing ")"'],
    ['a)', 'unexpected ")"'],
    ['[a', 'missing closing "]"'],
    ['[z-a]', 'range'],
    ['[[:alfa:]]', 'POSIX'],
    ['\\p{Klingon}', 'Unicode class'],
    ['\\e', 'invalid escape'],
    ['\\u0041', 'invalid escape'],
    ['\\x4', 'invalid escape'],
    ['\\x{110000}', 'invalid escape'],
    ['[\\b]', '\\b'],
    ['a\\', 'trailing'],
  ])('rejects %j, naming %j', (re, named) => {
    expect(() => translateGoRegexp(re)).toThrow(expect.objectContaining({
      code: 'REGEXP_UNSUPPORTED',
      message: expect.stringContaining(named),
    }));
  });
});

describe('isAnchored / hasUnescapedDot', () => {
  test.each([
    [GOOD, true],
    ['^a$', true],
    ['^$', true],
    ['(?i)^a$', true],
    ['^a$|^b$', true],
    ['^(a|b)$', true],
    ['^[|]$', true],
    ['^a|b$', false],
    ['^a\\$', false],
    ['^a\\\\$', true],
    ['^a', false],
    ['a$', false],
    ['^', false],
    ['$', false],
    ['https://github.com/acme/app', false],
    ['(?m)^a$', false],
    ['(?im)^a$', false],
    ['^a[$]', false],
  ])('isAnchored(%j) → %s', (re, expected) => {
    expect(isAnchored(re)).toBe(expected);
  });

  test.each([
    [GOOD, false],
    ['^https://github.com/acme$', true],
    ['a\\.b', false],
    ['a[.]b', false],
    ['a\\\\.b', true],
    ['[]]a.', true],
    ['[^.]', false],
    ['[[:alpha:].]', false],
    ['(.)', true],
  ])('hasUnescapedDot(%j) → %s', (re, expected) => {
    expect(hasUnescapedDot(re)).toBe(expected);
  });
});
