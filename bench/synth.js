'use strict';
// synth rows: the real CLI, whole process, on the key-based example and on synthetic orgs.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const YAML = require('yaml');
const { writeOrg } = require('./gen');
const { runNode, repeat, round, median } = require('./measure');

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'image-signing-blueprint');
const OUT = path.join(__dirname, 'out');

/**
 * Flushes dirty pages before a timed run (not timed): this VM's disk is slow, and without it a run
 * pays for the writeback of the runs before it (sys time swung 1 → 3 s on the same synth).
 */
function settle() {
  spawnSync('sync', [], { stdio: 'ignore' });
}

/*
 * Output folders of earlier runs are moved aside, not deleted, and deleted only when the bench
 * ends (removeSetAside): on this VM's ext4, writing a tree where a tree of the same shape was just
 * deleted costs more kernel time with every cycle (4,005 files: 0.3 s, then 1.4, 2.8, 3.6 s for
 * rm + write at one path; a path whose old tree was renamed away stays at 0.2–0.4 s). A user's
 * first synth writes into a folder that was not just deleted thousands of times.
 */
const setAside = [];
let setAsideCount = 0;

function moveAside(dir) {
  if (!fs.existsSync(dir)) return;
  const to = `${dir}.old-${process.pid}-${setAsideCount++}`;
  fs.renameSync(dir, to);
  setAside.push(to);
}

/** deletes every folder moved aside (call when no timed run follows) */
function removeSetAside() {
  for (const d of setAside.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

function synthOnce(config, outDir, extra = []) {
  moveAside(outDir);
  settle();
  return runNode(CLI, ['synth', '--config', config, '--out', outDir, ...extra]);
}

/** `--jobs 1` and `--jobs 2` into an empty folder, interleaved pair by pair (same load for both) */
function jobsPairs(config, outDir, pairs) {
  const one = [];
  const two = [];
  for (let i = 0; i < pairs; i++) {
    for (const j of i % 2 === 0 ? [1, 2] : [2, 1]) (j === 1 ? one : two).push(synthOnce(config, outDir, ['--jobs', String(j)]));
  }
  return { jobs1: medianOf(one), jobs2: medianOf(two) };
}

function fileStats(dir) {
  let files = 0;
  let bytes = 0;
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        files++;
        bytes += fs.statSync(p).size;
      }
    }
  };
  walk(dir);
  return { files, bytes };
}

/** every output file as the objects it holds (for the no-framework floor) */
function dumpObjects(dir, dumpFile) {
  const files = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) { walk(p); continue; }
      const rel = path.relative(dir, p);
      const text = fs.readFileSync(p, 'utf8');
      if (/\.ya?ml$/.test(p)) files.push({ rel, kind: 'yaml', docs: YAML.parseAllDocuments(text).map((d) => d.toJS()) });
      else if (p.endsWith('.json')) files.push({ rel, kind: 'json', value: JSON.parse(text) });
      else files.push({ rel, kind: 'text', text });
    }
  };
  walk(dir);
  fs.writeFileSync(dumpFile, JSON.stringify(files));
  return files.length;
}

const loadavg = () => require('node:os').loadavg().map((x) => round(x, 2));

/**
 * Re-synth into the existing output after one repository's image changed (the config is changed
 * and restored around each run): what `synth` costs when almost every file is unchanged.
 */
function resynth(config, outDir, runs) {
  const original = fs.readFileSync(config, 'utf8');
  const doc = YAML.parse(original);
  const changed = YAML.stringify({ ...doc, repositories: doc.repositories.map((r, i) => (i === 0 ? { ...r, images: [`${r.images[0]}-v2`, ...r.images.slice(1)] } : r)) });
  let report;
  try {
    const r = repeat(runs, () => {
      fs.writeFileSync(config, original);
      runNode(CLI, ['synth', '--config', config, '--out', outDir]); // back to the original output (not timed)
      fs.writeFileSync(config, changed);
      settle();
      const one = runNode(CLI, ['synth', '--config', config, '--out', outDir]);
      report = [/\): (.*)$/m.exec(one.stdout)?.[1], /^render cache: .*$/m.exec(one.stdout)?.[0]].filter(Boolean).join('; ');
      return one;
    });
    return { ...pick(r), report };
  } finally {
    fs.writeFileSync(config, original);
    runNode(CLI, ['synth', '--config', config, '--out', outDir]);
  }
}

function medianOf(runs) {
  const med = (k) => round(median(runs.map((x) => x[k])), 1);
  return { runs: runs.length, wallMs: med('wallMs'), wallMsAll: runs.map((x) => round(x.wallMs, 1)), cpuMs: round(median(runs.map((x) => x.userMs + x.systemMs))), maxRssMb: round(median(runs.map((x) => x.maxRssKb)) / 1024, 1) };
}

/** one run of cdktf + cdk8s alone on the bare resources of an n-repository blueprint (framework.js) */
function frameworkRun(n, outDir) {
  moveAside(outDir);
  settle();
  const r = runNode(path.join(__dirname, 'framework.js'), [String(n), outDir]);
  moveAside(outDir);
  return r;
}

function benchSynth({ sizes, runs, log }) {
  fs.mkdirSync(OUT, { recursive: true });
  const rows = [];

  // the key-based example, as shipped
  const example = path.join(ROOT, 'examples', 'repo-owner', 'blueprint.yaml');
  const exOut = path.join(OUT, 'synth-example');
  synthOnce(example, exOut); // warm the page cache
  const ex = repeat(runs, () => synthOnce(example, exOut));
  rows.push({ name: 'synth examples/repo-owner (key-based)', repos: 1, ...pick(ex), ...fileStats(exOut), floor: floor(exOut, runs) });
  log(`  example: ${round(ex.wallMs)} ms, ${round(ex.maxRssKb / 1024)} MB`);

  for (const n of sizes) {
    const dir = path.join(OUT, `org-${n}`);
    const config = writeOrg(dir, n);
    const outDir = path.join(dir, 'dist');
    const k = n > 1000 ? 1 : n === 1000 ? Math.min(3, runs) : runs;
    const load = loadavg();
    // the framework floor (cdktf + cdk8s alone on the same bare resources) interleaved with our synth,
    // run for run (A/B/A/B), so that both see the same load on a shared machine
    let fw;
    const r = repeat(k, (i) => {
      const one = synthOnce(config, outDir);
      if (n >= 100) fw = [...(fw ?? []), frameworkRun(n, path.join(dir, 'framework-out'))];
      return one;
    });
    const row = { name: `synth org ${n} repos x 2 images x 2 clusters`, repos: n, ...pick(r), ...fileStats(outDir), loadBefore: load, floor: n > 1000 ? undefined : floor(outDir, k) };
    if (fw) row.framework = medianOf(fw);
    if (n === 1000 || (n === Math.max(...sizes) && !sizes.includes(1000))) {
      row.resynth = resynth(config, outDir, k);
      row.jobs = jobsPairs(config, path.join(dir, 'dist-jobs'), Math.max(2, k));
      moveAside(path.join(dir, 'dist-jobs'));
    }
    row.loadAfter = loadavg();
    rows.push(row);
    log(`  ${n} repos: ${round(r.wallMs)} ms, ${round(r.maxRssKb / 1024)} MB${row.framework ? `, framework floor ${round(row.framework.wallMs)} ms` : ''}${row.resynth ? `, re-synth after one image changed ${round(row.resynth.wallMs)} ms (${row.resynth.report})` : ''}, load ${load.join(' ')}`);
  }
  // the same 1,000-repository org with --out on tmpfs: what is left without this disk's slow
  // file and folder creation (informational; the target row is the one above)
  const big = sizes.includes(1000) ? 1000 : Math.max(...sizes);
  if (big >= 1000 && !process.argv.includes('--no-tmpfs') && fs.existsSync('/dev/shm') && fs.statSync('/dev/shm').isDirectory()) {
    const config = path.join(OUT, `org-${big}`, 'blueprint.yaml');
    const outDir = fs.mkdtempSync('/dev/shm/isb-bench-');
    try {
      const k = Math.min(3, runs);
      const r = repeat(k, () => synthOnce(config, path.join(outDir, 'dist')));
      rows.push({
        name: `synth org ${big} repos, --out on tmpfs (/dev/shm)`, repos: big, tmpfs: true, ...pick(r), ...fileStats(path.join(outDir, 'dist')),
        floor: floor(path.join(outDir, 'dist'), k), framework: frameworkOnly(big, path.join(outDir, 'framework-out'), k),
      });
      log(`  ${big} repos on tmpfs: ${round(r.wallMs)} ms, ${round(r.maxRssKb / 1024)} MB`);
    } finally {
      fs.rmSync(outDir, { recursive: true, force: true });
    }
  }
  // per repository: raw, and marginal over the 1-repository run (startup and fixed cost removed)
  const base = rows.find((r) => r.repos === 1 && r.name.startsWith('synth org'));
  for (const r of rows) {
    if (!r.name.startsWith('synth org') || r.tmpfs) continue;
    r.msPerRepo = round(r.wallMs / r.repos, 2);
    if (r.repos > 1 && base) r.marginalMsPerRepo = round((r.wallMs - base.wallMs) / (r.repos - 1), 2);
  }
  // slope between consecutive sizes: grows when synth is superlinear in the repositories
  const orgs = rows.filter((r) => r.name.startsWith('synth org') && !r.tmpfs).sort((a, b) => a.repos - b.repos);
  for (let i = 1; i < orgs.length; i++) {
    orgs[i].slopeMsPerRepo = round((orgs[i].wallMs - orgs[i - 1].wallMs) / (orgs[i].repos - orgs[i - 1].repos), 2);
    orgs[i].slopeCpuMsPerRepo = round((orgs[i].cpuMs - orgs[i - 1].cpuMs) / (orgs[i].repos - orgs[i - 1].repos), 2);
  }
  return rows;
}

function pick(r) {
  return { runs: r.runs, wallMs: round(r.wallMs, 1), wallMsAll: r.wallMsAll, maxRssMb: round(r.maxRssKb / 1024, 1), cpuMs: round(r.userMs + r.systemMs, 0), userMs: round(r.userMs, 0), systemMs: round(r.systemMs, 0) };
}

/** cdktf + cdk8s alone on the bare resources of an n-repository blueprint (framework.js), written into outDir */
function frameworkOnly(n, outDir, runs) {
  const r = repeat(runs, () => {
    moveAside(outDir);
    settle();
    return runNode(path.join(__dirname, 'framework.js'), [String(n), outDir]);
  });
  moveAside(outDir);
  return { wallMs: round(r.wallMs, 1), cpuMs: round(r.userMs + r.systemMs, 0), maxRssMb: round(r.maxRssKb / 1024, 1) };
}

/** the floor: a plain node process that serializes the same objects with yaml / JSON.stringify and writes them */
function floor(outDir, runs) {
  const dump = `${outDir}.objects.json`;
  dumpObjects(outDir, dump);
  const floorOut = `${outDir}.floor`;
  const r = repeat(runs, () => {
    moveAside(floorOut);
    settle();
    const p = runNode(path.join(__dirname, 'floor.js'), [dump, floorOut]);
    const o = JSON.parse(p.stdout);
    return { ...p, serializeMs: o.serializeMs, writeMs: o.writeMs };
  });
  moveAside(floorOut);
  return { wallMs: round(r.wallMs, 1), serializeMs: round(r.serializeMs, 1), writeMs: round(r.writeMs, 1), maxRssMb: round(r.maxRssKb / 1024, 1) };
}

module.exports = { benchSynth, synthOnce, removeSetAside };
