'use strict';
// The floor: the synthesized files' objects serialized with no framework (no cdk8s/cdktf
// constructs): `yaml` with cdk8s' own options (YAML 1.1, lineWidth 0, docs joined by ---) and
// JSON.stringify(…, 2 spaces), then written. Run as its own process by synth.js.
const t0 = process.hrtime.bigint();
const fs = require('node:fs');
const path = require('node:path');
const YAML = require('yaml');

const [dumpFile, outDir] = process.argv.slice(2);
const files = JSON.parse(fs.readFileSync(dumpFile, 'utf8'));
const tLoaded = process.hrtime.bigint();
const texts = files.map((f) => {
  if (f.kind === 'yaml') return f.docs.map((d) => YAML.stringify(d, { keepUndefined: true, lineWidth: 0, version: '1.1' })).join('---\n');
  if (f.kind === 'json') return `${JSON.stringify(f.value, null, 2)}\n`;
  return f.text;
});
const tSerialized = process.hrtime.bigint();
const dirs = new Set();
files.forEach((f, i) => {
  const p = path.join(outDir, f.rel);
  const d = path.dirname(p);
  if (!dirs.has(d)) {
    fs.mkdirSync(d, { recursive: true });
    dirs.add(d);
  }
  fs.writeFileSync(p, texts[i]);
});
const tDone = process.hrtime.bigint();
const ms = (a, b) => Number(b - a) / 1e6;
process.stdout.write(JSON.stringify({ serializeMs: ms(tLoaded, tSerialized), writeMs: ms(tSerialized, tDone), totalInProcessMs: ms(t0, tDone) }));
