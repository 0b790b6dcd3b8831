import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse } from 'yaml';
import { ImageSigningBlueprint } from '../../src/blueprint';
import { checkArtifacts } from '../../src/checks/run';
import { plainJson } from '../../src/synth/plain-json';
import { keyConfig, projectDir } from '../support/fixtures';

/*
 * The checks read each workflow as the value its YAML text encodes. Render keeps the value the
 * text was made from (a JSON copy of the plain rendered object) instead of parsing the text back;
 * this holds only if `yaml` reads back exactly what it wrote: checked here on every example and a
 * spread of configs, and for the cases where it would not hold (non-plain values) render parses.
 */

const EXAMPLES = path.join(__dirname, '..', '..', 'examples');

function blueprints(): [string, ImageSigningBlueprint][] {
  const out: [string, ImageSigningBlueprint][] = [];
  for (const name of fs.readdirSync(EXAMPLES)) {
    const file = path.join(EXAMPLES, name, 'blueprint.yaml');
    if (fs.existsSync(file)) out.push([`examples/${name}`, ImageSigningBlueprint.fromFile(file)]);
  }
  const dir = projectDir();
  const repos = [{ name: 'web', images: ['ghcr.io/acme/web', 'docker.io/acme/web'], workflow: { tags: ['v*'], platforms: ['linux/amd64', 'linux/arm64'] } }, { name: 'api', images: ['ghcr.io/acme/api'] }];
  const variants: Record<string, unknown>[] = [
    {},
    { repositories: repos, signing: { mode: 'key', key: { publicKeyFile: 'cosign.pub' }, cosign: { version: 'v2.6.1' } } },
    { repositories: repos, signing: { mode: 'keyless', cosign: { version: 'v3.0.6', signatureFormat: 'bundle' } }, attestations: { sbom: { format: 'spdx' }, provenance: true } },
    { repositories: repos, signing: { mode: 'key', key: { publicKeyFile: 'cosign.pub' }, transparencyLog: false }, attestations: { sbom: { format: 'cyclonedx' } } },
  ];
  variants.forEach((v, i) => out.push([`variant ${i}`, new ImageSigningBlueprint({ config: keyConfig(v), baseDir: dir })]));
  return out;
}

describe('the workflow values the checks read are what the files say', () => {
  test.each(blueprints())('%s: yaml.parse(text) equals the kept value, and the checks read that value', (_name, bp) => {
    const artifacts = bp._render();
    const values = artifacts.workflowValues!;
    expect(values.size).toBeGreaterThan(0);
    const checked = checkArtifacts(bp._model(), artifacts).workflows;
    for (const [file, { text, value }] of values) {
      expect(artifacts.files.get(file)).toBe(text);
      expect({ file, equal: isDeepStrictEqual(parse(text), value) }).toEqual({ file, equal: true });
      expect(checked.get(file)!.workflow).toBe(value);
    }
  });

  test('a workflow a customizer made non-plain (a Date) is parsed back from its text', () => {
    const bp = new ImageSigningBlueprint({ config: keyConfig(), baseDir: projectDir() });
    bp.customizeWorkflows({ customize: (wf: any) => { wf.env = { BUILT: new Date(0) }; } });
    const artifacts = bp._render();
    const [[, { text, value }]] = [...artifacts.workflowValues!];
    expect(value).toEqual(parse(text));
    expect(typeof value.env.BUILT).toBe('string');
  });

  test('an edited text is parsed, not the kept value (the rule tests edit texts)', () => {
    const bp = new ImageSigningBlueprint({ config: keyConfig(), baseDir: projectDir() });
    const artifacts = bp._render();
    const [file] = [...artifacts.workflowValues!.keys()];
    const files = new Map(artifacts.files).set(file, `${artifacts.files.get(file)}\nextra: true\n`);
    const w = checkArtifacts(bp._model(), { ...artifacts, files }).workflows.get(file)!.workflow;
    expect(w.extra).toBe(true);
  });

  test('plainJson: plain data only, shared objects allowed, cycles and odd values refused', () => {
    const shared = { a: 1 };
    expect(plainJson({ x: shared, y: [shared], u: undefined, n: null, s: 'é', b: false })).toBe('{"x":{"a":1},"y":[{"a":1}],"n":null,"s":"é","b":false}');
    const cyclic: any = { a: {} };
    cyclic.a.back = cyclic;
    const odd = [{ d: new Date(0) }, { m: new Map() }, [undefined], [1, , 2], { n: Number.NaN }, { z: -0 }, { f: () => 1 }, { big: 1n }];
    for (const bad of [cyclic, ...odd]) {
      expect(plainJson(bad)).toBeUndefined();
    }
  });
});
