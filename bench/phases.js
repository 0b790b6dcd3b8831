#!/usr/bin/env node
'use strict';
// Where one synth spends its time, by phase (after compile): runs the real CLI `synth` in this
// process with timing wrappers around the lib functions each phase calls, and prints the
// inclusive wall time of each phase, the time outside them, and the peak RSS.
//   node bench/phases.js <blueprint.yaml> <outdir> [--jobs N] [--json]
// Wrapped: exported functions and classes of lib modules, as other modules call them through
// `module.exports`; a phase nested in another is counted in both (inclusive).
const path = require('node:path');
const LIB = path.join(__dirname, '..', 'lib');

const totals = new Map();
const stack = [];
function timed(name, fn, thisArg, args, construct) {
  const t0 = process.hrtime.bigint();
  stack.push(name);
  try {
    return construct ? Reflect.construct(fn, args) : fn.apply(thisArg, args);
  } finally {
    stack.pop();
    const dt = Number(process.hrtime.bigint() - t0) / 1e6;
    // recursion / nesting of the same phase counts once
    if (!stack.includes(name)) {
      const t = totals.get(name) ?? { ms: 0, calls: 0 };
      t.ms += dt;
      t.calls++;
      totals.set(name, t);
    }
  }
}
function wrap(mod, exportName, phase) {
  const m = require(path.join(LIB, mod));
  const orig = m[exportName];
  if (typeof orig !== 'function') throw new Error(`${mod}.${exportName} is not a function`);
  const isClass = /^class\b/.test(Function.prototype.toString.call(orig));
  const w = new Proxy(orig, {
    apply: (target, thisArg, args) => timed(phase, target, thisArg, args, false),
    construct: (target, args) => timed(phase, target, undefined, args, true),
  });
  Object.defineProperty(m, exportName, { value: w, writable: true, enumerable: true, configurable: true });
  return isClass;
}
function wrapMethod(proto, method, phase) {
  const orig = proto[method];
  proto[method] = function (...args) {
    return timed(phase, orig, this, args, false);
  };
}

wrap('config/load', 'loadConfigFile', 'config: load + validate file');
wrap('config/load', 'validateConfig', 'config: validate');
wrap('model/build', 'buildModel', 'model: build');
wrap('github/workflow', 'renderWorkflow', 'render: workflows (objects)');
wrap('github/workflow-yaml', 'workflowToYaml', 'render: workflows (YAML text)');
wrap('cluster/manifests', 'renderClusterObjects', 'render: cluster objects');
wrap('cluster/admission-chart', 'AdmissionChart', 'render: cdk8s chart construct');
wrap('github/sealed-box', 'planSealing', 'render: sealing plan');
wrap('github/signing-stack', 'GitHubSigningStack', 'render: cdktf stacks construct');
wrap('runbook/runbook', 'renderRunbook', 'render: runbook');
wrap('synth/artifacts', 'renderArtifacts', 'render: total (renderArtifacts)');
wrap('checks/run', 'checkArtifacts', 'checks: parse workflows back');
wrap('checks/run', 'runChecks', 'checks: rules');
wrap('checks/report/json', 'findingsToJson', 'checks: checks.json');
wrap('synth/write', 'writeArtifactsDetailed', 'write: files + manifest');
const cdk8s = require('cdk8s');
wrapMethod(cdk8s.Yaml, 'stringify', 'render: cdk8s Yaml.stringify');
const chartMod = require(path.join(LIB, 'cluster/admission-chart'));
const chartProto = Object.getPrototypeOf(Reflect.construct(Object, [], chartMod.AdmissionChart)) ?? chartMod.AdmissionChart.prototype;
if (chartProto._objects) wrapMethod(chartProto, '_objects', 'render: cdk8s chart toJson');
const cdktf = require('cdktf');
wrapMethod(cdktf.App.prototype, 'synth', 'render: cdktf App.synth');
wrapMethod(cdktf.TerraformStack.prototype, 'toTerraform', 'render: cdktf stack.toTerraform');
const fs = require('node:fs');
for (const f of ['writeFileSync', 'renameSync', 'mkdirSync', 'rmSync', 'rmdirSync', 'readFileSync', 'lstatSync', 'fsyncSync', 'mkdtempSync', 'readdirSync']) {
  const orig = fs[f];
  fs[f] = function (...args) {
    return timed(`fs: ${f}`, orig, this, args, false);
  };
}

const args = process.argv.slice(2);
const json = args.includes('--json');
const rest = args.filter((a) => a !== '--json');
const [config, out, ...more] = rest;
const t0 = process.hrtime.bigint();
const { runCli } = require(path.join(LIB, 'cli/main.js'));
const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
const origWrite = process.stdout.write.bind(process.stdout);
process.stdout.write = () => true; // the CLI's file list
Promise.resolve(runCli(['synth', '--config', config, '--out', out, ...more])).then(() => {
  process.stdout.write = origWrite;
  const totalMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const rows = [['require lib + frameworks', { ms: loadMs, calls: 1 }], ...[...totals].sort((a, b) => a[0].localeCompare(b[0]))];
  const rssMb = process.resourceUsage().maxRSS / 1024;
  if (json) {
    console.log(JSON.stringify({ totalMs, rssMb, phases: Object.fromEntries(rows) }));
    return;
  }
  console.log(`in-process total ${totalMs.toFixed(0)} ms (node startup not included), peak RSS ${rssMb.toFixed(0)} MB, exit code ${process.exitCode ?? 0}`);
  for (const [k, t] of rows) console.log(`${t.ms.toFixed(0).padStart(7)} ms ${String(t.calls).padStart(6)}x  ${k}`);
});
