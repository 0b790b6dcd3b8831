#!/usr/bin/env node
'use strict';
// Where a synth spends its time: runs the real CLI once under `node --cpu-prof` and prints the
// inclusive time per package / lib module and the top self-time functions.
//   node bench/profile.js [repos=1000] [--out-dir DIR]   (after compile; DIR defaults to bench/out)
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { writeOrg } = require('./gen');

const args = process.argv.slice(2);
const repos = Number(args.find((a) => /^\d+$/.test(a)) ?? 1000);
const outIdx = args.indexOf('--out-dir');
const base = outIdx >= 0 ? path.resolve(args[outIdx + 1]) : path.join(__dirname, 'out');
const dir = path.join(base, `profile-${repos}`);
fs.rmSync(dir, { recursive: true, force: true });
const config = writeOrg(dir, repos);
const profDir = path.join(dir, 'prof');
const r = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profDir}`, path.join(__dirname, '..', 'bin', 'image-signing-blueprint'),
  'synth', '--config', config, '--out', path.join(dir, 'dist')], { encoding: 'utf8' });
if (r.status !== 0) {
  process.stderr.write(r.stderr);
  process.exit(1);
}
const file = fs.readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
const prof = JSON.parse(fs.readFileSync(path.join(profDir, file), 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const samples = new Map();
prof.samples.forEach((s, i) => samples.set(s, (samples.get(s) ?? 0) + prof.timeDeltas[i]));
const total = prof.timeDeltas.reduce((a, b) => a + b, 0);

const where = (url) => {
  const m = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return `npm ${m[1]}`;
  const l = /\/lib\/(.+)\.js$/.exec(url);
  return l && url.includes(path.join(__dirname, '..')) ? `lib ${l[1]}` : undefined;
};
const self = new Map();
const inclusive = new Map();
for (const [id, t] of samples) {
  const n = byId.get(id);
  const cf = n.callFrame;
  const k = `${cf.functionName || '(anonymous)'} ${where(cf.url) ?? (cf.url || '(native)')}:${cf.lineNumber + 1}`;
  self.set(k, (self.get(k) ?? 0) + t);
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const w = where(byId.get(cur).callFrame.url);
    if (w && !seen.has(w)) {
      seen.add(w);
      inclusive.set(w, (inclusive.get(w) ?? 0) + t);
    }
  }
}
const ms = (us) => `${(us / 1000).toFixed(0).padStart(6)} ms`;
console.log(`synth of ${repos} repositories: ${ms(total)} of samples (profiler on), profile in ${profDir}`);
console.log('\ninclusive, by package / lib module:');
for (const [k, t] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${ms(t)}  ${k}`);
console.log('\nself time, top functions:');
for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${ms(t)}  ${k}`);
