#!/usr/bin/env node
'use strict';
// `npm run bench` (after compile): every row of issue 8 in one run; a markdown table on stdout,
// everything in bench/results.json. Options: --quick (fewer runs, smaller sizes, for a smoke run),
// --only synth,engine,overlap,verify, --images N (verify rows: N images instead of 200; 20 with --quick).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execSync } = require('node:child_process');
const { benchSynth, removeSetAside } = require('./synth');
const { benchEngines, benchOverlap } = require('./engine');
const { benchVerify } = require('./verify');
const { round } = require('./measure');

const TARGETS = {
  exampleSynthMs: 1000,
  org1000SynthMs: 5000,
  /** issue 19 (was 512 in issue 8) */
  org1000RssMb: 300,
  /** our synth / cdktf + cdk8s alone on the same bare resources (issue 19) */
  frameworkRatio: 1.5,
  /** re-synth of the 1,000-repository org after one repository's image changed (issue 19) */
  resynthMs: 1500,
  engineMs: 300,
};

function machine() {
  const cpus = os.cpus();
  let git;
  try {
    git = execSync('git rev-parse --short HEAD', { cwd: path.join(__dirname, '..'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    git = undefined;
  }
  let dirty;
  try {
    dirty = execSync('git status --porcelain --untracked-files=no', { cwd: path.join(__dirname, '..'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
  } catch {
    dirty = undefined;
  }
  return {
    nproc: cpus.length,
    cpuModel: cpus[0]?.model,
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    date: new Date().toISOString(),
    git,
    /** others' uncommitted changes were compiled into lib/ too */
    gitDirty: dirty,
  };
}

const loadavg = () => os.loadavg().map((x) => round(x, 2));

async function main() {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const onlyArg = args.find((a) => a.startsWith('--only'));
  const only = onlyArg ? new Set((onlyArg.includes('=') ? onlyArg.split('=')[1] : args[args.indexOf(onlyArg) + 1]).split(',')) : undefined;
  const want = (k) => !only || only.has(k);
  const opt = (name) => {
    const a = args.find((x) => x === name || x.startsWith(`${name}=`));
    return a === undefined ? undefined : a.includes('=') ? a.split('=')[1] : args[args.indexOf(a) + 1];
  };
  const runs = opt('--runs') ? Number(opt('--runs')) : quick ? 1 : 5;
  const sizes = opt('--sizes') ? opt('--sizes').split(',').map(Number) : quick ? [1, 10, 100] : [1, 10, 100, 1000, 5000];
  const log = (s) => process.stderr.write(`${s}\n`);
  const started = Date.now();
  const results = { machine: machine(), loadBefore: loadavg(), targets: TARGETS, rows: {} };
  log(`bench on ${results.machine.nproc} x ${results.machine.cpuModel}, node ${results.machine.node}, load ${results.loadBefore.join(' ')}`);

  if (want('synth')) {
    log('synth (whole process, real CLI):');
    results.rows.synth = benchSynth({ sizes, runs, log });
  }
  if (want('engine')) {
    log('check engine (PatternSet, in process):');
    results.rows.engine = benchEngines({ runs: quick ? 1 : 5, allPairsRuns: quick ? 0 : 1, log });
  }
  if (want('overlap')) {
    log('pattern overlap (in process):');
    results.rows.overlap = benchOverlap({ runs: quick ? 1 : 3, patterns: quick ? 300 : 1000, log });
  }
  if (want('verify')) {
    log('verify (loopback docker-registry):');
    results.rows.verify = await benchVerify({ runs: opt('--runs') ? runs : quick ? 1 : 5, images: opt('--images') ? Number(opt('--images')) : quick ? 20 : undefined, log });
  }
  results.loadAfter = loadavg();
  results.uptime = (() => {
    try {
      return execSync('uptime', { encoding: 'utf8' }).trim();
    } catch {
      return undefined;
    }
  })();
  removeSetAside(); // the synth rows' old output folders, deleted once no timed run follows
  results.benchSeconds = round((Date.now() - started) / 1000, 1);
  results.verdicts = verdicts(results.rows);
  try {
    results.optimizations = JSON.parse(fs.readFileSync(path.join(__dirname, 'optimizations.json'), 'utf8'));
  } catch {
    // optional record of before/after figures
  }

  const md = markdown(results);
  fs.mkdirSync(path.join(__dirname, 'out'), { recursive: true });
  process.stdout.write(md);
  if (!quick && !only && !opt('--sizes') && !opt('--runs') && !opt('--images')) fs.writeFileSync(path.join(__dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  else fs.writeFileSync(path.join(__dirname, 'out', 'results.partial.json'), `${JSON.stringify(results, null, 2)}\n`);
}

function verdicts(rows) {
  const out = [];
  const v = (target, value, limit, unit) => out.push({ target, value, limit, unit, met: value !== undefined && value < limit });
  const ex = rows.synth?.find((r) => r.name.startsWith('synth examples'));
  if (ex) v('key example synth, whole process', ex.wallMs, TARGETS.exampleSynthMs, 'ms');
  const org = rows.synth?.find((r) => r.repos === 1000 && !r.tmpfs);
  if (org) {
    v('1,000 repos synth, whole process', org.wallMs, TARGETS.org1000SynthMs, 'ms');
    v('1,000 repos synth, peak RSS', org.maxRssMb, TARGETS.org1000RssMb, 'MB');
    const r100 = rows.synth.find((r) => r.repos === 100 && !r.tmpfs);
    // "flat": the cost of each further repository from 100 to 1,000 is at most 1.5x that from 10 to 100
    if (r100?.slopeMsPerRepo !== undefined) {
      out.push({ target: 'time per repository flat from 10 to 1,000 (wall ms per added repository, 100→1,000 vs 1.5 x 10→100)', value: org.slopeMsPerRepo, limit: round(1.5 * r100.slopeMsPerRepo, 2), unit: 'ms/repo', le: true, met: org.slopeMsPerRepo <= 1.5 * r100.slopeMsPerRepo });
    }
  }
  if (org?.framework) {
    out.push({ target: '1,000 repos synth / framework floor (cdktf + cdk8s alone, same run)', value: round(org.wallMs / org.framework.wallMs, 2), limit: TARGETS.frameworkRatio, unit: 'x', le: true, met: org.wallMs / org.framework.wallMs <= TARGETS.frameworkRatio });
  }
  if (org?.framework) {
    out.push({ target: '1,000 repos synth / framework floor by CPU time (informational: what the load does not blur)', value: round(org.cpuMs / org.framework.cpuMs, 2), limit: TARGETS.frameworkRatio, unit: 'x', le: true, met: org.cpuMs / org.framework.cpuMs <= TARGETS.frameworkRatio });
  }
  if (org?.resynth) {
    v('1,000 repos re-synth after one image changed', org.resynth.wallMs, TARGETS.resynthMs, 'ms');
    v('1,000 repos re-synth after one image changed, CPU time (informational)', org.resynth.cpuMs, TARGETS.resynthMs, 'ms');
  }
  const scale = (rows.synth ?? []).filter((r) => r.name.startsWith('synth org') && !r.tmpfs && r.repos >= 100).sort((a, b) => a.repos - b.repos);
  if (scale.length >= 2) {
    // flat: ms per repository at the largest size at most 1.25x that at 100 (startup is spread thinner, so it should fall)
    const first = scale[0].wallMs / scale[0].repos;
    const last = scale[scale.length - 1].wallMs / scale[scale.length - 1].repos;
    out.push({ target: `wall ms per repository flat from ${scale.map((r) => r.repos).join(' → ')} repos (largest vs 1.25 x at ${scale[0].repos})`, value: round(last, 2), limit: round(1.25 * first, 2), unit: 'ms/repo', le: true, met: last <= 1.25 * first });
  }
  const tmpfs = rows.synth?.find((r) => r.tmpfs);
  if (tmpfs) v('1,000 repos synth with --out on tmpfs (informational: this disk left out)', tmpfs.wallMs, TARGETS.org1000SynthMs, 'ms');
  const batch = rows.verify?.find((r) => r.variant === 'batch');
  if (batch) {
    const n = batch.verified;
    out.push({ target: `verify ${n} images: bounded concurrency + keep-alive (TCP connections ≤ 8)`, value: batch.connections, limit: 8, unit: 'connections', le: true, met: batch.connections <= 8 });
    out.push({ target: `verify ${n} images: each manifest fetched once (max GETs per manifest URL)`, value: batch.maxGetsPerManifest, limit: 1, unit: 'GETs', le: true, met: batch.maxGetsPerManifest === 1 });
    // issue 15 part 5
    out.push({ target: `verify ${n} legacy-signed images: requests per image (registry without referrers API)`, value: batch.requestsPerImage, limit: 3, unit: 'requests', le: true, met: batch.requestsPerImage <= 3 });
    if (batch.ratioToFloor !== undefined) {
      out.push({ target: `verify ${n} images: batch wall / registry-bound floor (registry CPU ${batch.registryCpuMs} ms / cores, same run)`, value: batch.ratioToFloor, limit: 1.25, unit: 'x', le: true, met: batch.ratioToFloor <= 1.25 });
    }
    for (const c of rows.verify.filter((r) => r.variant.startsWith('cosign-'))) {
      out.push({ target: `verify ${n} images: ${c.variant} verify per image / our batch per image (goal ≥ 5)`, value: c.perImageVsOurBatch, limit: 5, unit: 'x', ge: true, met: c.perImageVsOurBatch >= 5 });
    }
  }
  for (const r of rows.engine ?? []) v(`check engine ${r.engine}, 10k x 1k (${r.workload} patterns)`, r.totalMs, TARGETS.engineMs, 'ms');
  return out;
}

function table(head, rows) {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

const fmt = (x, d = 0) => (x === undefined ? '–' : round(x, d).toLocaleString('en-US'));

function markdown(res) {
  const m = res.machine;
  const parts = [`## Benchmark (${m.date.slice(0, 16).replace('T', ' ')} UTC)`, '',
    `Machine: ${m.nproc} x ${m.cpuModel}, ${m.memoryGiB} GiB, node ${m.node}, ${m.platform}; git ${m.git ?? '?'}${m.gitDirty ? ' (plus uncommitted changes in the tree)' : ''}; load average before ${res.loadBefore.join(' / ')}, after ${res.loadAfter.join(' / ')}. Medians of the runs shown.`, ''];
  if (res.rows.synth) {
    const scale = res.rows.synth.filter((r) => r.name.startsWith('synth org') && !r.tmpfs && r.repos >= 100);
    if (scale.length) {
      parts.push('### organisation scale (issue 19: real CLI on disk, whole process; framework floor = cdktf + cdk8s alone, same runs interleaved)', '');
      parts.push(table(['repos', 'wall ms', 'CPU ms', 'peak RSS MB', 'framework floor wall ms (CPU ms)', 'ratio wall (CPU)', 'ms / repo', 're-synth after one image changed: wall ms (CPU ms)', 'load before → after'],
        scale.map((r) => [fmt(r.repos), fmt(r.wallMs), fmt(r.cpuMs), fmt(r.maxRssMb), r.framework ? `${fmt(r.framework.wallMs)} (${fmt(r.framework.cpuMs)})` : '–',
          r.framework ? `${fmt(r.wallMs / r.framework.wallMs, 2)}x (${fmt(r.cpuMs / r.framework.cpuMs, 2)}x)` : '–', fmt(r.wallMs / r.repos, 2),
          r.resynth ? `${fmt(r.resynth.wallMs)} (${fmt(r.resynth.cpuMs)}): ${r.resynth.report}` : '–', `${r.loadBefore?.[0] ?? '?'} → ${r.loadAfter?.[0] ?? '?'}`])));
      for (const r of scale.filter((x) => x.jobs)) {
        parts.push('', `--jobs (${fmt(r.repos)} repos, into an empty folder, interleaved, medians of ${r.jobs.jobs1.runs}): --jobs 1 ${fmt(r.jobs.jobs1.wallMs)} ms wall / ${fmt(r.jobs.jobs1.cpuMs)} ms CPU / ${fmt(r.jobs.jobs1.maxRssMb)} MB; `
          + `--jobs 2 ${fmt(r.jobs.jobs2.wallMs)} ms wall / ${fmt(r.jobs.jobs2.cpuMs)} ms CPU / ${fmt(r.jobs.jobs2.maxRssMb)} MB (one worker thread synthesizes half the Terraform stacks).`);
      }
      parts.push('');
    }
    parts.push('### synth (real CLI, whole process: node start to exit)', '');
    parts.push(table(['config', 'runs', 'wall ms', 'CPU ms (user + sys)', 'peak RSS MB', 'ms / repo', 'marginal ms / repo', 'ms per added repo (wall / CPU)', 'files', 'floor wall ms', 'floor serialize ms', 'floor write ms', 'synth / floor', 'cdktf + cdk8s alone ms (RSS MB)'],
      res.rows.synth.map((r) => [r.name, r.runs, fmt(r.wallMs), `${fmt(r.cpuMs)} (${fmt(r.userMs)} + ${fmt(r.systemMs)})`, fmt(r.maxRssMb), fmt(r.msPerRepo, 2), fmt(r.marginalMsPerRepo, 2), r.slopeMsPerRepo === undefined ? '–' : `${fmt(r.slopeMsPerRepo, 2)} / ${fmt(r.slopeCpuMsPerRepo, 2)}`, r.files, fmt(r.floor?.wallMs), fmt(r.floor?.serializeMs), fmt(r.floor?.writeMs), r.floor ? `${fmt(r.wallMs / r.floor.wallMs, 1)}x` : '–', r.framework ? `${fmt(r.framework.wallMs)} (${fmt(r.framework.maxRssMb)})` : '–'])));
    parts.push('', 'floor: a plain node process that writes the same files from the same objects with `yaml` (cdk8s options) / `JSON.stringify`, no framework; marginal ms / repo = (wall − wall of the 1-repository org) / (repos − 1); ms per added repo = the slope from the previous size (flat slope = linear growth); cdktf + cdk8s alone: `bench/framework.js`, the frameworks synthesizing the bare resources of the blueprint (per repository a stack with provider, backend, 3 secrets from sensitive variables, 3 repository files; per cluster one ClusterPolicy with a rule per repository) and writing them, nothing of ours.', '');
  }
  if (res.rows.engine) {
    parts.push('### check engine (PatternSet; 10,000 images x 1,000 patterns; in process)', '');
    parts.push(table(['engine', 'patterns', 'compile ms', 'match ms', 'total ms', 'RegExp loop ms (10M tests)', 'engine / RegExp', 'unindexed DFAs ms (10M tests)', 'DFAs / RegExp', 'matches'],
      res.rows.engine.map((r) => [r.engine, r.workload === 'blueprint' ? 'blueprint-shaped' : 'no literal prefix', fmt(r.compileMs, 1), fmt(r.matchMs, 1), fmt(r.totalMs, 1), fmt(r.regexpBaselineMs, 1), `${fmt(r.ratioToRegexp, 2)}x`, fmt(r.unindexedDfaMs, 1), r.unindexedDfaRatioToRegexp === undefined ? '–' : `${fmt(r.unindexedDfaRatioToRegexp, 2)}x`, fmt(r.matches)])));
    parts.push('', 'total = PatternSet construction (compile) + `matching()` of every image: the engine as the image rules use it (literal-prefix and required-literal indexes, lazily built DFAs). '
      + 'RegExp loop: every pattern compiled once to an anchored JS RegExp, every normalized image tested against every pattern (10M tests, no index). '
      + 'Unindexed DFAs: the same 10M tests with the project\'s compiled matchers (per-test cost). All three give the same match count; PatternSet is also cross-checked against `matchImage` on a sample before timing.', '');
  }
  if (res.rows.overlap) {
    parts.push('### pattern overlap (all pairs, product automaton)', '');
    parts.push(table(['engine', 'pairs', 'overlapping', 'total ms', 'µs / pair'],
      res.rows.overlap.map((r) => [r.engine, fmt(r.pairs), fmt(r.overlaps), fmt(r.totalMs), fmt(r.usPerPair, 2)])));
    parts.push('');
  }
  if (res.rows.verify) {
    parts.push('### verify (loopback docker-registry, images signed by cosign v3.1.3 in the legacy .sig format, by digest)', '');
    if (res.rows.verify[0]?.skipped) parts.push(`**SKIPPED**: ${res.rows.verify[0].skipped}`);
    else {
      parts.push(table(['variant', 'runs', 'wall ms', 'ms / image', 'client CPU ms', 'registry CPU ms', 'registry floor ms', 'wall / floor', '(client + registry CPU) / cores ms', 'requests / image', 'TCP connections', 'max GETs per manifest', 'ms / image vs our batch', 'load (1 min) per run'],
        res.rows.verify.map((r) => [r.name.replace(/^verify \d+ signed images: /, ''), r.runs, fmt(r.wallMs), fmt(r.msPerImage, 2), fmt(r.clientCpuMs), fmt(r.registryCpuMs), fmt(r.registryFloorMs), r.ratioToFloor === undefined ? '–' : `${fmt(r.ratioToFloor, 2)}x`,
          fmt(r.cpuBoundMs), fmt(r.requestsPerImage, 2), r.connections ?? '–', r.maxGetsPerManifest, `${fmt(r.perImageVsOurBatch, 2)}x`, (r.loadAvg1 ?? []).join(' / ')])));
      parts.push('', 'requests by what they read (GET unless named; `manifest` = by digest; `sig` = the `.sig` tag; `fallback-tag` = `sha256-<hex>`):', '');
      for (const r of res.rows.verify) parts.push(`- ${r.variant}: ${Object.entries(r.requestKinds ?? {}).map(([k, c]) => `${k} ${c}`).join(', ')}`);
      parts.push('', 'registry floor = registry CPU / cores: the registry process alone needs that much wall time to serve the requests, so no client can be faster. '
        + '(client + registry CPU) / cores: the wall time on an otherwise idle machine if both kept every core busy (the client runs on the same cores). '
        + 'Client CPU of the cosign rows = CPU of the cosign processes. Under a load average above the core count, wall times stretch and the ratios mostly measure the load.');
    }
    parts.push('');
  }
  parts.push('### targets (DESIGN.md)', '');
  parts.push(table(['target', 'measured', 'limit', 'met'], res.verdicts.map((v) => [v.target, `${fmt(v.value, v.unit === 'x' ? 2 : 1)} ${v.unit}`, `${v.le ? '≤ ' : v.ge ? '≥ ' : '< '}${fmt(v.limit, v.unit === 'x' ? 2 : 1)} ${v.unit}`, v.met ? 'yes' : '**NO**'])));
  parts.push('', `bench took ${res.benchSeconds} s.`, '');
  return parts.join('\n');
}

main().catch((e) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exitCode = 1;
});
