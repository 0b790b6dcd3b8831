#!/usr/bin/env node
// Derives the admission engines' CRD schemas from their own published Go modules, at the versions
// pinned in interop/ (the same pins the engine builds use), and writes them as JSON Schema
// (draft-07) to .schemas/ (git-ignored). Nothing upstream is committed: a version bump is one pin.
//
//   node scripts/schemas.js           regenerate when .schemas/ is missing or made from other pins
//   node scripts/schemas.js --force   regenerate anyway
//   node scripts/schemas.js --check   exit 0 when up to date, 3 when stale (writes nothing)
//
// For each pinned module, `go mod download -json <module>@<version>` (run outside any module, so it
// only fetches that module's zip through the proxy) gives the folder of the module in the Go module
// cache; the CRD YAML that ships inside it is read from there and each served version's
// `openAPIV3Schema` is written unchanged, with `$schema`, `$id`, `title` and `x-source` on top.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const YAML = require('yaml');

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, '.schemas');
const STAMP = path.join(OUT, 'pins.json');

/** Which CRD files to take from which pinned module. `pin`: the interop folder whose go.mod pins it. */
const SOURCES = [
  {
    pin: 'kyverno-1.16', module: 'github.com/kyverno/kyverno', engine: 'kyverno-1.16',
    crds: ['config/crds/kyverno/kyverno.io_clusterpolicies.yaml',
      'config/crds/policies.kyverno.io/policies.kyverno.io_imagevalidatingpolicies.yaml'],
  },
  {
    pin: 'kyverno-1.19', module: 'github.com/kyverno/kyverno', engine: 'kyverno-1.19',
    crds: ['config/crds/kyverno/kyverno.io_clusterpolicies.yaml',
      'config/crds/policies.kyverno.io/policies.kyverno.io_imagevalidatingpolicies.yaml'],
  },
  {
    pin: 'policy-tester', module: 'github.com/sigstore/policy-controller', engine: 'policy-controller-0.15',
    crds: ['config/300-clusterimagepolicy.yaml', 'config/300-trustroot.yaml'],
  },
];

function fail(msg) {
  process.stderr.write(`schemas: ${msg}\n`);
  process.exit(1);
}

/** The version of `module` that interop/<pin>/go.mod requires. */
function pinnedVersion(pin, module) {
  const goMod = path.join(ROOT, 'interop', pin, 'go.mod');
  if (!fs.existsSync(goMod)) fail(`${path.relative(ROOT, goMod)} is missing`);
  const text = fs.readFileSync(goMod, 'utf8');
  const esc = module.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const m = new RegExp(`^\\s*(?:require\\s+)?${esc}\\s+(v\\S+)`, 'm').exec(text);
  if (!m) fail(`${path.relative(ROOT, goMod)} does not require ${module}`);
  return m[1];
}

function pins() {
  return Object.fromEntries(SOURCES.map((s) => [s.engine, `${s.module}@${pinnedVersion(s.pin, s.module)}`]));
}

function upToDate(want) {
  try {
    const have = JSON.parse(fs.readFileSync(STAMP, 'utf8'));
    return JSON.stringify(have.pins) === JSON.stringify(want)
      && have.files.every((f) => fs.existsSync(path.join(OUT, f)));
  } catch {
    return false;
  }
}

function moduleDir(moduleAtVersion) {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'isb-schemas-'));
  try {
    const out = execFileSync('go', ['mod', 'download', '-json', moduleAtVersion], {
      cwd, encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=mod', GO111MODULE: 'on' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const info = JSON.parse(out);
    if (info.Error || !info.Dir) fail(`go mod download ${moduleAtVersion}: ${info.Error ?? 'no folder'}`);
    return info.Dir;
  } catch (e) {
    if (e.code === 'ENOENT') fail('the go command is not on PATH (the CRD schemas come from the engines\' Go modules)');
    fail(`go mod download ${moduleAtVersion} failed: ${(e.stderr || e.message || '').toString().trim()}`);
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
}

/** kyverno.io_clusterpolicies.yaml + v1 -> "clusterpolicy-v1.json" */
function fileName(kind, version) {
  return `${kind.toLowerCase()}-${version}.json`;
}

function generate(want) {
  const tmp = `${OUT}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const files = [];
  for (const s of SOURCES) {
    const dir = moduleDir(want[s.engine]);
    fs.mkdirSync(path.join(tmp, s.engine));
    for (const rel of s.crds) {
      const full = path.join(dir, rel);
      if (!fs.existsSync(full)) fail(`${want[s.engine]} has no ${rel}`);
      const docs = YAML.parseAllDocuments(fs.readFileSync(full, 'utf8')).map((d) => d.toJS()).filter(Boolean);
      const crd = docs.find((d) => d.kind === 'CustomResourceDefinition');
      if (!crd) fail(`${want[s.engine]}/${rel} holds no CustomResourceDefinition`);
      const { group, names, versions } = crd.spec;
      for (const v of versions) {
        if (!v.served || !v.schema?.openAPIV3Schema) continue;
        const schema = {
          $schema: 'http://json-schema.org/draft-07/schema#',
          $id: `${s.engine}/${group}/${v.name}/${names.kind}`,
          title: `${names.kind} (${group}/${v.name}, ${want[s.engine]})`,
          'x-source': {
            module: want[s.engine], path: rel, crd: crd.metadata.name, version: v.name,
            served: Boolean(v.served), storage: Boolean(v.storage), deprecated: Boolean(v.deprecated),
          },
          ...v.schema.openAPIV3Schema,
        };
        const rel2 = path.join(s.engine, fileName(names.kind, v.name));
        fs.writeFileSync(path.join(tmp, rel2), JSON.stringify(schema, null, 2) + '\n');
        files.push(rel2);
      }
    }
  }
  fs.writeFileSync(path.join(tmp, 'pins.json'), JSON.stringify({ pins: want, files }, null, 2) + '\n');
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.renameSync(tmp, OUT);
  return files;
}

const args = process.argv.slice(2);
const want = pins();
if (args.includes('--check')) process.exit(upToDate(want) ? 0 : 3);
if (!args.includes('--force') && upToDate(want)) {
  process.stdout.write(`schemas: .schemas/ is up to date (${Object.values(want).join(', ')})\n`);
  process.exit(0);
}
const files = generate(want);
process.stdout.write(`schemas: wrote ${files.length} schemas to .schemas/ from ${Object.values(want).join(', ')}\n`);
