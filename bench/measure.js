'use strict';
// Whole-process measurement with node only: spawn `node -r maxrss-preload.js <script> args…`,
// wall time from spawn to exit (node startup included), peak RSS reported by the child itself.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const PRELOAD = path.join(__dirname, 'maxrss-preload.js');

/** one run of a node script as its own process; throws when it fails */
function runNode(script, args, opts = {}) {
  const usageFile = path.join(os.tmpdir(), `isb-bench-rusage-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['-r', PRELOAD, script, ...args], {
    cwd: opts.cwd ?? path.join(__dirname, '..'),
    env: { ...process.env, ...(opts.env ?? {}), ISB_BENCH_RUSAGE: usageFile },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) {
    throw new Error(`${script} ${args.join(' ')} exited ${r.status}${r.signal ? ` (${r.signal})` : ''}:\n${(r.stderr || r.stdout || '').slice(-2000)}`);
  }
  const usage = JSON.parse(fs.readFileSync(usageFile, 'utf8'));
  fs.rmSync(usageFile, { force: true });
  return { wallMs, ...usage, stdout: r.stdout };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** runs `fn` `n` times (after `warmup` discarded runs); medians of every numeric field */
function repeat(n, fn, warmup = 0) {
  for (let i = 0; i < warmup; i++) fn(i);
  const runs = [];
  for (let i = 0; i < n; i++) runs.push(fn(i));
  const out = { runs: n };
  for (const k of Object.keys(runs[0])) {
    if (typeof runs[0][k] === 'number') {
      out[k] = median(runs.map((r) => r[k]));
      out[`${k}All`] = runs.map((r) => round(r[k], 1));
    }
  }
  return out;
}

async function repeatAsync(n, fn, warmup = 0) {
  for (let i = 0; i < warmup; i++) await fn(i);
  const runs = [];
  for (let i = 0; i < n; i++) runs.push(await fn(i));
  const out = { runs: n };
  for (const k of Object.keys(runs[0])) {
    if (typeof runs[0][k] === 'number') {
      out[k] = median(runs.map((r) => r[k]));
      out[`${k}All`] = runs.map((r) => round(r[k], 1));
    } else if (out[k] === undefined) {
      out[k] = runs[0][k];
    }
  }
  return out;
}

function round(x, digits = 0) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** ms since t0 (a process.hrtime.bigint()) */
function since(t0) {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

module.exports = { runNode, median, repeat, repeatAsync, round, since };
