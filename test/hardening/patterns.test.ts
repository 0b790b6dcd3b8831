import fc from 'fast-check';
import { matchImage } from '../../src/checks/matchers/engine';
import { kyvernoNormalize, parseImageRef, policyControllerName } from '../../src/checks/matchers/image-ref';
import { ivpolGlobMatch } from '../../src/checks/matchers/ivpol-glob';
import { kyvernoWildcardMatch } from '../../src/checks/matchers/kyverno-wildcard';
import { policyControllerGlobMatch } from '../../src/checks/matchers/policy-controller-glob';
import { isImageName, parseImageName } from '../../src/config/image-name';
import { isBlueprintError } from '../../src/errors';

/*
 * The matchers and image-reference parsers against hostile input: no catastrophic backtracking
 * (they are automata, not backtracking regexps), only BlueprintErrors, and the same answers as
 * small reference implementations written here (regexps on short inputs, where backtracking is cheap).
 */

const esc = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const escClass = (c: string) => c.replace(/[\]\\^-]/g, '\\$&');

/** go-wildcard: * any run (also /), ? one code point, the rest literal, anchored */
function refKyverno(pattern: string, s: string): boolean {
  const re = [...pattern].map((c) => (c === '*' ? '[^]*' : c === '?' ? '[^]' : esc(c))).join('');
  return new RegExp(`^${re}$`, 'u').test(s);
}

/** policy-controller glob.go: special cases, ** → .* (Go: not \n), * → [^/]*, anchored */
function refPolicyController(glob: string, s: string): boolean {
  const g = glob === '*' ? 'index.docker.io/library/*' : glob === '*/*' ? 'index.docker.io/*/*' : glob;
  const re = g.replace(/\*\*+|\*|[^*]/gu, (t) => (t.startsWith('**') ? '[^\\n]*' : t === '*' ? '[^/]*' : esc(t)));
  return new RegExp(`^${re}$`, 'u').test(s);
}

/** gobwas/glob without separators, for the subset generated here: * ? [..] [!..] {a,b} \x */
function refIvpol(glob: string, s: string): boolean {
  const chars = [...glob];
  let i = 0;
  const seq = (inBraces: boolean): string => {
    let out = '';
    while (i < chars.length) {
      const c = chars[i];
      if (inBraces && (c === ',' || c === '}')) return out;
      i++;
      if (c === '*') {
        out += '[^]*';
      } else if (c === '?') {
        out += '[^]';
      } else if (c === '\\') {
        out += esc(chars[i++]);
      } else if (c === '[') {
        const neg = chars[i] === '!';
        if (neg) i++;
        let cls = '';
        while (chars[i] !== ']') cls += chars[i] === '-' && cls !== '' && chars[i + 1] !== ']' ? chars[i++] : escClass(chars[i++]);
        i++;
        out += `[${neg ? '^' : ''}${cls}]`;
      } else if (c === '{') {
        const alts = [seq(true)];
        while (chars[i] === ',') {
          i++;
          alts.push(seq(true));
        }
        i++; // }
        out += `(?:${alts.join('|')})`;
      } else {
        out += esc(c);
      }
    }
    return out;
  };
  return new RegExp(`^${seq(false)}$`, 'u').test(s);
}

const ALPHABET = ['a', 'b', '/', ':', '.', '-', '@', 'é', '\n'];
const text = (max: number) => fc.string({ unit: fc.constantFrom(...ALPHABET), maxLength: max });
const wildcard = (max: number) => fc.string({ unit: fc.constantFrom(...ALPHABET, '*', '?'), maxLength: max });
const pcGlob = (max: number) => fc.string({ unit: fc.constantFrom('a', 'b', '/', ':', '.', '-', '@', '*'), minLength: 1, maxLength: max });
/** ivpol globs that are valid by construction */
const ivpolGlob: fc.Arbitrary<string> = fc.letrec<{ glob: string; atom: string }>((tie) => ({
  glob: fc.array(tie('atom'), { maxLength: 6 }).map((a) => a.join('')),
  atom: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('a', 'b', '/', ':', '.', '@', '*', '**', '?', '[ab]', '[!a]', '[a-b]', '\\*', '\\{', ','),
    fc.array(tie('glob'), { minLength: 1, maxLength: 3 }).map((alts) => `{${alts.join(',')}}`),
  ),
})).glob;

const RUNS = { numRuns: 400 };

describe('pattern matchers equal their reference implementations', () => {
  test('table-driven cases agree with the references', () => {
    const rows: [string, string][] = [
      ['ghcr.io/acme/*', 'ghcr.io/acme/web:v1'], ['ghcr.io/acme/*', 'ghcr.io/acme/team/web:v1'],
      ['ghcr.io/acme/**', 'ghcr.io/acme/team/web:v1'], ['ghcr.io/acme/app*', 'ghcr.io/acme/app-evil:1'],
      ['*', 'index.docker.io/library/nginx:latest'], ['*/*', 'index.docker.io/acme/app:latest'],
      ['ghcr.io/?cme/web', 'ghcr.io/acme/web'], ['ghcr.io/acme/web', 'ghcr.io/acme/web:latest'], ['', ''],
    ];
    for (const [p, s] of rows) {
      expect(kyvernoWildcardMatch(p, s)).toBe(refKyverno(p, s));
      if (p !== '' && !p.includes('?')) expect(policyControllerGlobMatch(p, s)).toBe(refPolicyController(p, s));
      expect(ivpolGlobMatch(p, s)).toBe(refIvpol(p, s));
    }
    // the known answers themselves, so a wrong reference cannot hide a wrong matcher
    expect(kyvernoWildcardMatch('ghcr.io/acme/*', 'ghcr.io/acme/team/web:v1')).toBe(true);
    expect(policyControllerGlobMatch('ghcr.io/acme/*', 'ghcr.io/acme/team/web:v1')).toBe(false);
    expect(policyControllerGlobMatch('*', 'ghcr.io/acme/web:v1')).toBe(false);
    expect(ivpolGlobMatch('ghcr.io/{acme,other}/*', 'ghcr.io/other/x/y')).toBe(true);
  });

  test('kyverno wildcard', () => {
    fc.assert(fc.property(wildcard(12), text(14), (p, s) => kyvernoWildcardMatch(p, s) === refKyverno(p, s)), RUNS);
  });

  test('kyverno wildcard on strings the pattern was built from (mostly matches)', () => {
    const pair = fc.array(fc.tuple(text(3), fc.constantFrom('', '*', '?')), { maxLength: 6 }).chain((parts) => {
      const pattern = parts.map(([lit, w]) => lit + w).join('');
      return fc.tuple(fc.constant(pattern), fc.array(text(3), { minLength: parts.length, maxLength: parts.length }).map((fills) =>
        parts.map(([lit, w], i) => lit + (w === '*' ? fills[i] : w === '?' ? (fills[i][0] ?? 'x') : '')).join('')));
    });
    fc.assert(fc.property(pair, ([p, s]) => kyvernoWildcardMatch(p, s) === refKyverno(p, s) && kyvernoWildcardMatch(p, s)), RUNS);
  });

  test('policy-controller glob', () => {
    fc.assert(fc.property(pcGlob(12), text(14), (g, s) => policyControllerGlobMatch(g, s) === refPolicyController(g, s)), RUNS);
  });

  test('ImageValidatingPolicy glob', () => {
    fc.assert(fc.property(ivpolGlob, text(12), (g, s) => ivpolGlobMatch(g, s) === refIvpol(g, s)), RUNS);
  });

  test('matchImage(kyverno) is the wildcard on the normalized image', () => {
    const image = fc.constantFrom('nginx', 'acme/web', 'ghcr.io/acme/web', 'ghcr.io/acme/web:v1', 'localhost:5000/a/b', `ghcr.io/a/b@sha256:${'a'.repeat(64)}`);
    fc.assert(fc.property(wildcard(10), image, (p, img) => matchImage('kyverno', p, img).matched === refKyverno(p, kyvernoNormalize(img))), RUNS);
  });

  test('matchImage(policy-controller) is the glob on the go-containerregistry name, then on the raw string', () => {
    const image = fc.constantFrom('nginx', 'acme/web', 'ghcr.io/acme/web', 'ghcr.io/acme/web:v1', 'docker.io/library/nginx:1', `ghcr.io/a/b@sha256:${'a'.repeat(64)}`);
    fc.assert(fc.property(pcGlob(10), image, (g, img) => {
      const name = policyControllerName(img);
      const expected = refPolicyController(g, name) || (name !== img && refPolicyController(g, img));
      return matchImage('policy-controller', g, img).matched === expected;
    }), RUNS);
  });
});

/*
 * A hang guard, not a speed target (speed is measured in `npm run bench`): a backtracking matcher
 * takes exponential time on these inputs (200 stars: beyond any wall clock), a polynomial one
 * a fraction of a second (about 0.15 s per engine idle, 0.5 s at load 12 on 2 cores). The bound
 * is wide enough for a loaded CI machine and still fails every exponential implementation.
 */
const HANG_MS = 10_000;

describe('no catastrophic backtracking', () => {
  const name4k = `ghcr.io/${'a'.repeat(4096)}`;
  const hostile = [
    ['200 stars vs a 4 KB name', '*'.repeat(200), `${name4k}!`],
    ['200 "*a" vs a 4 KB run of a', '*a'.repeat(200) + 'b', 'a'.repeat(4096)],
    ['alternating ?* vs 4 KB', '?*'.repeat(100) + 'x', 'a/'.repeat(2048)],
  ] as const;

  test.each(hostile)('%s: every engine answers (no exponential backtracking)', (_name, pattern, s) => {
    const t0 = Date.now();
    expect(kyvernoWildcardMatch(pattern, s)).toBe(refKyvernoFast(pattern, s));
    ivpolGlobMatch(pattern, s);
    const pcPattern = pattern.replace(/[^a-z*/.:]/g, 'a');
    policyControllerGlobMatch(pcPattern, s);
    expect(Date.now() - t0).toBeLessThan(HANG_MS);
  }, 3 * HANG_MS);

  test('image reference parsers on 4 KB hostile names: BlueprintError or a result (no exponential backtracking)', () => {
    const inputs = [
      name4k, `${'a.'.repeat(2048)}!`, `${'a-'.repeat(2048)}/x`, `ghcr.io/${'a_'.repeat(2048)}`, `ghcr.io/${'a__-'.repeat(1024)}!`,
      `${'a'.repeat(4096)}:${'1'.repeat(4096)}`, `ghcr.io/a@sha256:${'f'.repeat(4096)}`, `ghcr.io/a@${'a+'.repeat(2048)}:0`,
      `[${':'.repeat(4096)}/a`, `${'/'.repeat(4096)}`, '\u0000'.repeat(4096),
    ];
    for (const raw of inputs) {
      const t0 = Date.now();
      for (const f of [parseImageRef, kyvernoNormalize, policyControllerName]) {
        try {
          f(raw);
        } catch (e) {
          expect(isBlueprintError(e)).toBe(true);
        }
      }
      parseImageName(raw);
      expect(Date.now() - t0).toBeLessThan(HANG_MS);
    }
  }, 3 * HANG_MS);
});

/** the classic greedy two-pointer wildcard match: linear enough for the timing test's expectation */
function refKyvernoFast(p: string, s: string): boolean {
  const P = [...p];
  const S = [...s];
  let i = 0;
  let j = 0;
  let star = -1;
  let mark = 0;
  while (j < S.length) {
    if (i < P.length && (P[i] === '?' || P[i] === S[j])) {
      i++;
      j++;
    } else if (i < P.length && P[i] === '*') {
      star = i++;
      mark = j;
    } else if (star >= 0) {
      i = star + 1;
      j = ++mark;
    } else {
      return false;
    }
  }
  while (P[i] === '*') i++;
  return i === P.length;
}

describe('image reference parsers never crash', () => {
  const anyText = fc.string({ unit: fc.constantFrom('a', 'Z', '0', '/', ':', '.', '_', '-', '@', '[', ']', ' ', 'а', '\u00a0', '\u0000'), maxLength: 40 });

  test('parseImageRef / normalizers: a result or IMAGE_REF_INVALID, nothing else', () => {
    fc.assert(fc.property(anyText, (raw) => {
      for (const f of [parseImageRef, kyvernoNormalize, policyControllerName]) {
        try {
          f(raw);
        } catch (e) {
          if (!isBlueprintError(e) || e.code !== 'IMAGE_REF_INVALID') return false;
        }
      }
      return true;
    }), { numRuns: 1000 });
  });

  test('valid references round-trip through parseImageRef', () => {
    const comp = fc.string({ unit: fc.constantFrom('a', 'b', '0', '9'), minLength: 1, maxLength: 5 });
    const ref = fc.record({
      registry: fc.constantFrom('ghcr.io', 'registry.example.com:5000', 'localhost:5000'),
      path: fc.array(comp, { minLength: 1, maxLength: 4 }).map((c) => c.join('/')),
      tag: fc.option(fc.string({ unit: fc.constantFrom('v', '1', '.', '-', '_'), minLength: 1, maxLength: 8 }).map((t) => `v${t}`), { nil: undefined }),
      digest: fc.option(fc.constantFrom(`sha256:${'a'.repeat(64)}`, `sha512:${'b'.repeat(128)}`), { nil: undefined }),
    });
    fc.assert(fc.property(ref, (r) => {
      const raw = `${r.registry}/${r.path}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
      expect(parseImageRef(raw)).toEqual({ registry: r.registry, path: r.path, tag: r.tag, digest: r.digest });
    }), RUNS);
  });

  test('valid config image names are accepted as written', () => {
    const comp = fc.array(fc.string({ unit: fc.constantFrom('a', 'z', '0', '9'), minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 })
      .chain((runs) => fc.array(fc.constantFrom('.', '_', '__', '-', '--'), { minLength: runs.length - 1, maxLength: runs.length - 1 })
        .map((seps) => runs.map((r, i) => (i === 0 ? r : seps[i - 1] + r)).join('')));
    const name = fc.tuple(fc.constantFrom('ghcr.io', 'registry.example.com:5000', 'localhost:5000', 'a-b.c'), fc.array(comp, { minLength: 1, maxLength: 4 }))
      .map(([reg, parts]) => `${reg}/${parts.join('/')}`);
    fc.assert(fc.property(name, (n) => {
      const r = parseImageName(n);
      return isImageName(r) && r.name === n && `${r.registry}/${r.repository}` === n;
    }), RUNS);
  });

  test('Unicode look-alikes and invisible characters are never a valid config image name', () => {
    const lookalikes = ['ghcr.io/аcme/web' /* Cyrillic а */, 'ghcr.io/acme/wеb' /* Cyrillic е */, 'ghcr\u2024io/acme/web',
      'ghcr.io/acme/web\u200b', 'ghcr.io/ac\u00adme/web', 'ｇhcr.io/acme/web', 'ghcr.io/acme/web\u202e', 'ghcr.io／acme/web'];
    for (const raw of lookalikes) {
      const r = parseImageName(raw);
      expect(isImageName(r)).toBe(false);
    }
    fc.assert(fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }), (s) => {
      const r = parseImageName(`ghcr.io/acme/${s}`);
      return !isImageName(r) || /^[\x21-\x7e]+$/.test(r.name);
    }), RUNS);
  });
});
