#!/usr/bin/env node
'use strict';
// Before/after on a shared machine: the real CLI of two builds, interleaved run for run
// (A B A B ...), on the same generated org, each into an empty output folder on disk, and then a
// re-synth after one repository's image changed. Prints wall, CPU, peak RSS and the load average
// of every run, and the medians; writes bench/out/ab-<repos>.json.
//   node bench/ab.js <other checkout with a compiled lib/> [repos=1000] [pairs=2]
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const YAML = require('yaml');
const { writeOrg } = require('./gen');
const { runNode, median, round } = require('./measure');

const [otherRoot, reposArg, pairsArg] = process.argv.slice(2);
if (!otherRoot) {
  process.stderr.write('usage: node bench/ab.js <other checkout with lib/> [repos] [pairs]\n');
  process.exit(2);
}
const repos = Number(reposArg ?? 1000);
const pairs = Number(pairsArg ?? 2);
const builds = { A: path.resolve(otherRoot), B: path.join(__dirname, '..') };
const dir = path.join(__dirname, 'out', `ab-${repos}`);
fs.rmSync(dir, { recursive: true, force: true });
const config = writeOrg(dir, repos);
const original = fs.readFileSync(config, 'utf8');
const doc = YAML.parse(original);
const changed = YAML.stringify({ ...doc, repositories: doc.repositories.map((r, i) => (i === 0 ? { ...r, images: [`${r.images[0]}-v2`, ...r.images.slice(1)] } : r)) });
const load = () => os.loadavg().map((x) => round(x, 2));
const cli = (b) => path.join(builds[b], 'bin', 'image-signing-blueprint');

const runs = [];
for (let i = 0; i < pairs; i++) {
  for (const b of i % 2 === 0 ? ['A', 'B'] : ['B', 'A']) {
    const out = path.join(dir, `dist-${b}`);
    fs.rmSync(out, { recursive: true, force: true });
    fs.writeFileSync(config, original);
    const l0 = load();
    const full = runNode(cli(b), ['synth', '--config', config, '--out', out]);
    fs.writeFileSync(config, changed);
    const re = runNode(cli(b), ['synth', '--config', config, '--out', out]);
    fs.writeFileSync(config, original);
    const row = {
      build: b, load: l0,
      full: { wallMs: round(full.wallMs), cpuMs: round(full.userMs + full.systemMs), rssMb: round(full.maxRssKb / 1024) },
      resynth: { wallMs: round(re.wallMs), cpuMs: round(re.userMs + re.systemMs), rssMb: round(re.maxRssKb / 1024) },
    };
    runs.push(row);
    process.stderr.write(`${b}: full ${row.full.wallMs} ms wall / ${row.full.cpuMs} ms CPU / ${row.full.rssMb} MB; re-synth ${row.resynth.wallMs} ms wall / ${row.resynth.cpuMs} ms CPU; load ${l0.join(' ')}\n`);
  }
}
const summary = {};
for (const b of ['A', 'B']) {
  const mine = runs.filter((r) => r.build === b);
  const m = (f) => round(median(mine.map(f)));
  summary[b] = { root: builds[b], fullWallMs: m((r) => r.full.wallMs), fullCpuMs: m((r) => r.full.cpuMs), fullRssMb: m((r) => r.full.rssMb), resynthWallMs: m((r) => r.resynth.wallMs), resynthCpuMs: m((r) => r.resynth.cpuMs) };
}
const result = { repos, date: new Date().toISOString(), runs, summary };
fs.writeFileSync(path.join(__dirname, 'out', `ab-${repos}.json`), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(summary, null, 2));
