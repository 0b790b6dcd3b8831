'use strict';
// The check engine alone: PatternSet (src/checks/matchers/pattern-set.ts), as the image rules
// use it, on 10,000 pod-spec images x 1,000 patterns per engine; a plain compiled-RegExp loop
// doing all 10M tests as the baseline; pairwise pattern overlap over 1,000 patterns.
const path = require('node:path');
// ISB_BENCH_LIB: another compiled lib/ (e.g. of an older commit) for before/after figures
const LIB = process.env.ISB_BENCH_LIB ? path.resolve(process.env.ISB_BENCH_LIB) : path.join(__dirname, '..', 'lib');
const { PatternSet } = require(path.join(LIB, 'checks/matchers/pattern-set'));
const { matchImage, patternNfa } = require(path.join(LIB, 'checks/matchers/engine'));
const { intersectionWitness } = require(path.join(LIB, 'checks/matchers/overlap'));
let LazyDfa;
try {
  ({ LazyDfa } = require(path.join(LIB, 'checks/matchers/lazy-dfa')));
} catch {
  LazyDfa = undefined; // a lib from before the lazy DFA
}
const { repeat, round, since } = require('./measure');

const ENGINES = ['kyverno', 'kyverno-ivpol', 'policy-controller'];
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const svc = (i) => `ghcr.io/acme/svc-${String(i).padStart(4, '0')}`;

/**
 * 10,000 pod-spec spellings: tags, digests, tag+digest, -debug variants, Docker Hub short names;
 * images of 2,500 repositories, so that a third of them is matched by none of the patterns.
 */
function podImages(n) {
  const out = [];
  for (let i = 0; out.length < n; i++) {
    const r = i % 2500;
    const k = Math.floor(i / 2500);
    const b = svc(r);
    out.push([`${b}:v1.${k}.0`, `${b}@${DIGEST}`, `${b}:v1.${k}@${DIGEST}`, `${b}-debug:latest`, `nginx:1.2${k}`][i % 5]);
  }
  return out;
}

/**
 * 1,000 patterns of the shapes the blueprint derives (src/cluster/image-references.ts):
 * kyverno `<name>:*` / `<name>@*`, ImageValidatingPolicy `<name>` / `<name>:*` / `<name>@*`,
 * policy-controller `<name>@*`; every 100th pattern is a broad one (`ghcr.io/acme/*` style).
 * `noPrefix` replaces the registry by a wildcard, so that no literal prefix narrows the
 * candidates: every image is then tested against every pattern (the full 10M tests).
 */
function patterns(engine, n, noPrefix) {
  const shapes = {
    'kyverno': (i) => [`${svc(i >> 1)}:*`, `${svc(i >> 1)}@*`][i & 1],
    'kyverno-ivpol': (i) => [svc(Math.floor(i / 3)), `${svc(Math.floor(i / 3))}:*`, `${svc(Math.floor(i / 3))}@*`][i % 3],
    'policy-controller': (i) => `${svc(i)}@*`,
  };
  const broad = { 'kyverno': 'ghcr.io/acme/svc-?9*', 'kyverno-ivpol': 'ghcr.io/acme/svc-[0-4]9*', 'policy-controller': 'ghcr.io/acme/svc-*9@*' };
  return Array.from({ length: n }, (_, i) => {
    const p = i % 100 === 99 ? broad[engine].replace('9', String(i / 100 | 0)) : shapes[engine](i);
    return noPrefix ? p.replace(/^ghcr\.io/, '*') : p;
  });
}

/** the baseline: each pattern as one compiled JS RegExp (anchored), every image against every pattern */
function regexpOf(engine, p) {
  let src = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '*') {
      if (engine === 'policy-controller' && p[i + 1] !== '*') src += '[^/]*';
      else {
        while (p[i + 1] === '*') i++;
        src += '.*';
      }
    } else if (c === '?') src += '.';
    else if (c === '[' && engine === 'kyverno-ivpol') {
      const end = p.indexOf(']', i);
      src += p.slice(i, end + 1).replace('[!', '[^');
      i = end;
    } else src += c.replace(/[.+^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${src}$`, 's');
}

/**
 * The same decisions with RegExps: each image normalized once the way the engine does
 * (PatternSet.compared: kyverno's normalized name, the raw string, policy-controller's name
 * plus its fallback retry on the raw string), then tested against every pattern's RegExp.
 */
function regexpBaseline(engine, pats, images) {
  const norm = new PatternSet(engine, []);
  const t0 = process.hrtime.bigint();
  const res = pats.map((p) => regexpOf(engine, p));
  let matches = 0;
  let tests = 0;
  for (const im of images) {
    const forms = norm.compared(im);
    for (const re of res) {
      for (const f of forms) {
        tests++;
        if (re.test(f)) {
          matches++;
          break;
        }
      }
    }
  }
  return { totalMs: since(t0), matches, tests };
}

/** the project's compiled matchers without the index: all 10M tests, for the per-test cost */
function dfaAllPairs(engine, pats, images) {
  const norm = new PatternSet(engine, []);
  const t0 = process.hrtime.bigint();
  const dfas = pats.map((p) => new LazyDfa(patternNfa(engine, p)));
  let matches = 0;
  for (const im of images) {
    const forms = norm.compared(im);
    for (const d of dfas) {
      for (const f of forms) {
        if (d.test(f)) {
          matches++;
          break;
        }
      }
    }
  }
  return { totalMs: since(t0), matches };
}

function patternSetRun(engine, pats, images) {
  const t0 = process.hrtime.bigint();
  const set = new PatternSet(engine, pats);
  const compileMs = since(t0);
  let matches = 0;
  for (const im of images) matches += set.matching(im).length;
  const totalMs = since(t0);
  if (set.invalid.length) throw new Error(`${engine}: invalid patterns ${JSON.stringify(set.invalid.slice(0, 3))}`);
  return { compileMs, matchMs: totalMs - compileMs, totalMs, matches };
}

/** PatternSet must give matchImage's answers: checked on a sample (not timed) */
function crossCheck(engine, pats, images) {
  const set = new PatternSet(engine, pats);
  let pairs = 0;
  for (let i = 0; i < images.length; i += 97) {
    const got = new Set(set.matching(images[i]));
    for (const p of pats) {
      pairs++;
      const want = matchImage(engine, p, images[i]).matched;
      if (want !== got.has(p)) throw new Error(`PatternSet disagrees with matchImage: ${engine} ${p} ${images[i]}: matchImage says ${want}`);
    }
  }
  return pairs;
}

function benchEngines({ runs, allPairsRuns = 1, images: nImages = 10_000, patterns: nPatterns = 1_000, log }) {
  const images = podImages(nImages);
  const rows = [];
  for (const noPrefix of [false, true]) {
    for (const engine of ENGINES) {
      const pats = patterns(engine, nPatterns, noPrefix);
      const checked = crossCheck(engine, pats, images);
      patternSetRun(engine, pats, images.slice(0, 500)); // warm up the JIT
      const r = repeat(runs, () => patternSetRun(engine, pats, images));
      const b = repeat(runs, () => regexpBaseline(engine, pats, images));
      if (r.matches !== b.matches) throw new Error(`${engine}: PatternSet found ${r.matches} matches, the RegExp baseline ${b.matches}`);
      const d = LazyDfa && allPairsRuns > 0 ? repeat(allPairsRuns, () => dfaAllPairs(engine, pats, images)) : undefined;
      if (d && d.matches !== b.matches) throw new Error(`${engine}: the unindexed DFAs found ${d.matches} matches, the RegExp baseline ${b.matches}`);
      const row = {
        name: `check engine ${engine}, ${nImages} images x ${nPatterns} patterns${noPrefix ? ', no literal prefix' : ''}`,
        engine,
        workload: noPrefix ? 'no-prefix' : 'blueprint',
        runs,
        compileMs: round(r.compileMs, 1),
        matchMs: round(r.matchMs, 1),
        totalMs: round(r.totalMs, 1),
        totalMsAll: r.totalMsAll,
        matches: r.matches,
        regexpBaselineMs: round(b.totalMs, 1),
        regexpTests: b.tests,
        unindexedDfaMs: d ? round(d.totalMs, 1) : undefined,
        unindexedDfaRatioToRegexp: d ? round(d.totalMs / b.totalMs, 2) : undefined,
        ratioToRegexp: round(r.totalMs / b.totalMs, 2),
        crossCheckedPairs: checked,
      };
      rows.push(row);
      log(`  ${row.name}: ${row.totalMs} ms (RegExp loop ${row.regexpBaselineMs} ms${d ? `, unindexed DFAs ${row.unindexedDfaMs} ms` : ''})`);
    }
  }
  return rows;
}

/** every pair of 1,000 patterns: does some string match both? (overlap.ts, product automaton) */
function benchOverlap({ runs, patterns: nPatterns = 1_000, log }) {
  const rows = [];
  for (const engine of ENGINES) {
    const pats = patterns(engine, nPatterns, false);
    const r = repeat(runs, () => {
      const t0 = process.hrtime.bigint();
      const nfas = pats.map((p) => patternNfa(engine, p));
      let pairs = 0;
      let overlaps = 0;
      for (let i = 0; i < nfas.length; i++) {
        for (let j = i + 1; j < nfas.length; j++) {
          pairs++;
          if (intersectionWitness(nfas[i], nfas[j]) !== undefined) overlaps++;
        }
      }
      return { totalMs: since(t0), pairs, overlaps };
    });
    const row = {
      name: `pattern overlap ${engine}, all pairs of ${nPatterns} patterns`,
      engine,
      runs,
      totalMs: round(r.totalMs, 1),
      totalMsAll: r.totalMsAll,
      pairs: r.pairs,
      overlaps: r.overlaps,
      usPerPair: round((r.totalMs * 1000) / r.pairs, 2),
    };
    rows.push(row);
    log(`  ${row.name}: ${row.totalMs} ms (${row.overlaps} overlapping pairs)`);
  }
  return rows;
}

module.exports = { benchEngines, benchOverlap, podImages, patterns };
