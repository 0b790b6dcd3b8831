import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { ImageSigningBlueprint } from '../../src';
import { memoryIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { loadConfigFile, MAX_CONFIG_DEPTH } from '../../src/config/load';
import { ConfigError } from '../../src/config/problems';
import { isBlueprintError } from '../../src/errors';
import { keyConfig, projectDir, tempDir } from '../support/fixtures';
import { listFilesRecursive } from '../support/secrets-scan';

/*
 * Hostile configs, as TypeScript props and as YAML files: each ends in a BlueprintError that
 * names a config path (exit 1 from the CLI, no stack trace), never a crash, a hang, a read
 * outside the config's folder, or a written file.
 */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** a key-mode config that also sets the optional file fields */
function fullConfig(): any {
  return keyConfig({
    signing: { mode: 'key', key: { publicKeyFile: 'cosign.pub', previousPublicKeyFiles: ['old.pub'] } },
    clusters: [{ name: 'prod' }],
  });
}

/** every path (as segments) of a JSON value, with the value */
function paths(v: Json, at: (string | number)[] = []): { at: (string | number)[]; value: Json }[] {
  const out = [{ at, value: v }];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...at, i])));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  return out;
}

function configPath(at: (string | number)[]): string {
  return at.reduce<string>((acc, s) => (typeof s === 'number' ? `${acc}[${s}]` : acc === '' ? s : `${acc}.${s}`), '');
}

function setIn(root: any, at: (string | number)[], value: unknown): any {
  const copy = structuredClone(root);
  let o = copy;
  for (const s of at.slice(0, -1)) o = o[s];
  o[at[at.length - 1]] = value;
  return copy;
}

function deepArray(depth: number): unknown {
  let v: unknown = 'x';
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

/** values of the wrong type for a leaf that holds `sample` */
function wrongTypeFor(sample: Json): fc.Arbitrary<unknown> {
  const all = fc.oneof(
    fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant({}), fc.constant([]),
    fc.constant({ nested: { deeper: [1, 2, 3] } }), fc.constant(deepArray(500)), fc.constant(Symbol('s')) as fc.Arbitrary<unknown>,
    fc.constant(() => 1) as fc.Arbitrary<unknown>, fc.constant(new Date(0)), fc.constant(1n) as fc.Arbitrary<unknown>,
    fc.string().map((s) => [s]),
  );
  return all.filter((v) => typeof v !== typeof sample || Array.isArray(v) !== Array.isArray(sample) || (v === null) !== (sample === null));
}

const BASE = fullConfig() as Json;
const LEAVES = paths(BASE).filter((p) => p.at.length > 0 && (typeof p.value === 'string' || typeof p.value === 'boolean'));
const OBJECTS = paths(BASE).filter((p) => p.value !== null && typeof p.value === 'object' && !Array.isArray(p.value));

function problemsOf(build: () => unknown): ConfigError | undefined {
  try {
    build();
  } catch (e) {
    if (!isBlueprintError(e)) throw new Error(`not a BlueprintError: ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  return undefined;
}

describe('hostile TypeScript props', () => {
  let dir: string;
  beforeAll(() => {
    dir = projectDir({ 'old.pub': fs.readFileSync(path.join(projectDir(), 'cosign.pub'), 'utf8') });
  });
  const construct = (config: unknown) => () => new ImageSigningBlueprint({ config: config as any, baseDir: dir });

  test('the unmutated config is valid (so every failure below is the mutation)', () => {
    expect(problemsOf(construct(BASE))).toBeUndefined();
  });

  test('a value of the wrong type anywhere: ConfigError at that path', () => {
    const mutation = fc.constantFrom(...LEAVES).chain((leaf) => fc.tuple(fc.constant(leaf), wrongTypeFor(leaf.value)));
    fc.assert(fc.property(mutation, ([leaf, bad]) => {
      const err = problemsOf(construct(setIn(BASE, leaf.at, bad)));
      expect(err).toBeDefined();
      expect(err!.problems.map((p) => p.path)).toContain(configPath(leaf.at));
      expect(err!.message.length).toBeLessThan(20_000);
    }), { numRuns: 150 });
  });

  test('unknown keys, including Object.prototype names: ConfigError naming the key', () => {
    const key = fc.oneof(fc.constantFrom('constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf', 'signin', 'Name', ''),
      fc.string({ minLength: 1, maxLength: 12 }));
    const mutation = fc.tuple(fc.constantFrom(...OBJECTS), key, fc.jsonValue());
    fc.assert(fc.property(mutation, ([o, k, v]) => {
      const known = Object.keys(o.value as object);
      fc.pre(!known.includes(k));
      const cfg = structuredClone(BASE) as any;
      let target = cfg;
      for (const s of o.at) target = target[s];
      Object.defineProperty(target, k, { value: v, enumerable: true, configurable: true, writable: true });
      const err = problemsOf(construct(cfg));
      expect(err).toBeDefined();
      expect(err!.problems.map((p) => p.path)).toContain(configPath([...o.at, k]));
    }), { numRuns: 150 });
  });

  test('huge strings: refused with the length, the value not echoed', () => {
    const huge = 'a'.repeat(200_000);
    for (const leaf of LEAVES.filter((l) => typeof l.value === 'string')) {
      const err = problemsOf(construct(setIn(BASE, leaf.at, huge)));
      expect(err).toBeDefined();
      expect(err!.message.length).toBeLessThan(5_000);
    }
  });

  test('huge unknown keys: refused fast, the key not echoed (TS props and a YAML explicit key)', () => {
    const t0 = Date.now();
    const err = problemsOf(construct({ ...structuredClone(BASE) as object, ['k'.repeat(1_000_000)]: 1 }));
    expect(err!.problems).toHaveLength(1);
    expect(err!.message.length).toBeLessThan(5_000);
    const dir2 = projectDir({ 'blueprint.yaml': `? ${'k'.repeat(1_000_000)}\n: 1\n${stringify(BASE)}` });
    expect(() => loadConfigFile(path.join(dir2, 'blueprint.yaml'))).toThrow(expect.objectContaining({
      code: 'CONFIG_INVALID', message: expect.stringMatching(/^[^]{0,5000}$/),
    }));
    // a hang guard (speed is measured in the bench): a loaded 2-core CI machine still stays far below it
    expect(Date.now() - t0).toBeLessThan(10_000);
  }, 30_000);

  test('cyclic and exotic objects do not crash the validator', () => {
    const cyclic: any = keyConfig();
    cyclic.github.self = cyclic;
    expect(problemsOf(construct(cyclic))!.problems.map((p) => p.path)).toContain('github.self');
    const arr: any = keyConfig();
    arr.repositories = new Array(3); // holes
    expect(problemsOf(construct(arr))).toBeDefined();
    for (const v of [null, undefined, 42, 'name: x', [], new Map(), Object.create(null)]) {
      expect(problemsOf(construct(v))).toBeDefined();
    }
  });
});

describe('file fields never read outside the config folder', () => {
  const FILE_FIELDS: [string, (v: string) => any][] = [
    ['signing.key.publicKeyFile', (v) => keyConfig({ signing: { mode: 'key', key: { publicKeyFile: v } } })],
    ['signing.key.privateKeyFile', (v) => keyConfig({ signing: { mode: 'key', key: { publicKeyFile: 'cosign.pub', privateKeyFile: v } } })],
    ['signing.key.previousPublicKeyFiles[0]', (v) => keyConfig({ signing: { mode: 'key', key: { publicKeyFile: 'cosign.pub', previousPublicKeyFiles: [v] } } })],
    ['signing.keyless.trustedRootFile', (v) => keyConfig({ signing: { mode: 'keyless', keyless: { trustedRootFile: v } } })],
    ['signing.keyless.tuf.rootFile', (v) => keyConfig({
      signing: { mode: 'keyless', keyless: { trustedRootFile: 'trusted_root.json', tuf: { mirror: 'https://tuf.example.com', rootFile: v } } },
    })],
  ];
  const outside = fc.oneof(
    fc.integer({ min: 1, max: 8 }).map((n) => `${'../'.repeat(n)}etc/passwd`),
    fc.constantFrom('/etc/passwd', '/etc/shadow', '/proc/self/environ', '/dev/zero', 'sub/../../x.pub', './../cosign.pub',
      'a/b/../../../x', '..', '../', '..\\..\\x'.replace(/\\/g, '/'), '/tmp/cosign.pub'),
    fc.array(fc.constantFrom('..', 'a', '.'), { minLength: 1, maxLength: 6 }).map((s) => [...s, '..', '..', '..', '..', '..', '..', '..', 'x'].join('/')),
  );

  // the files outside hold a valid public key: read and accepted, the config would be valid
  let dir: string;
  beforeAll(() => {
    const parent = tempDir();
    fs.writeFileSync(path.join(parent, 'outside.pub'), fs.readFileSync(path.join(projectDir(), 'cosign.pub')));
    dir = path.join(parent, 'project');
    fs.mkdirSync(dir);
    fs.copyFileSync(path.join(projectDir(), 'cosign.pub'), path.join(dir, 'cosign.pub'));
    fs.symlinkSync(path.join(parent, 'outside.pub'), path.join(dir, 'link.pub'));
    fs.symlinkSync('/etc/passwd', path.join(dir, 'passwd.pub'));
    fs.symlinkSync(parent, path.join(dir, 'up'));
  });

  test.each(FILE_FIELDS)('%s: traversal, absolute paths and symlinks out are refused at that path', (field, make) => {
    fc.assert(fc.property(fc.oneof(outside, fc.constantFrom('../outside.pub', 'link.pub', 'passwd.pub', 'up/outside.pub', 'up/project/../outside.pub')), (v) => {
      const err = problemsOf(() => new ImageSigningBlueprint({ config: make(v), baseDir: dir }));
      expect(err).toBeDefined();
      const p = err!.problems.find((x) => x.path === field);
      expect(p).toBeDefined();
      expect(p!.message).toMatch(/outside the config's folder|must be relative|symbolic link/);
    }), { numRuns: 40 });
  });
});

describe('hostile YAML files through the CLI: exit 1, a path, no stack, nothing written', () => {
  async function synthText(text: string | Buffer): Promise<{ code: number; stderr: string; dir: string; before: string[]; after: string[] }> {
    const dir = projectDir();
    fs.writeFileSync(path.join(dir, 'blueprint.yaml'), text);
    const before = listFilesRecursive(dir).sort();
    const io = memoryIo({ cwd: dir });
    const code = await main(['synth', '--config', 'blueprint.yaml', '--out', 'dist'], io);
    return { code, stderr: io.stderr(), dir, before, after: listFilesRecursive(dir).sort() };
  }
  const expectRefused = (r: Awaited<ReturnType<typeof synthText>>, msg: RegExp) => {
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.after).toEqual(r.before);
  };
  const valid = stringify(keyConfig());

  test('deep nesting (flow, block, JSON): refused before parsing', async () => {
    const deep = [
      `name: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`,
      `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`,
      `a:\n${Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i + 1)}- `).join('\n')}1\n`,
      `${'- '.repeat(5000)}1\n`,
    ];
    for (const text of deep) {
      const r = await synthText(text);
      expect([text.slice(0, 20), r.stderr.slice(0, 300)]).toEqual([text.slice(0, 20), expect.stringMatching(new RegExp(`nesting deeper than ${MAX_CONFIG_DEPTH} levels`))]);
      expectRefused(r, /nesting/);
    }
  });

  test('nesting just under the limit still parses (and fails on the schema, with a path)', async () => {
    const r = await synthText(`${valid}extra: ${'['.repeat(MAX_CONFIG_DEPTH - 1)}${']'.repeat(MAX_CONFIG_DEPTH - 1)}\n`);
    expectRefused(r, /extra: is not a known key/);
  });

  test('alias bombs (billion laughs) are refused', async () => {
    const names = 'abcdefghij';
    const lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
    for (let i = 1; i < names.length; i++) lines.push(`${names[i]}: &${names[i]} [${Array(9).fill(`*${names[i - 1]}`).join(', ')}]`);
    const t0 = Date.now();
    expectRefused(await synthText(`${lines.join('\n')}\n`), /alias/i);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  test('duplicate keys anywhere: refused', async () => {
    const lines = valid.split('\n').filter((l) => l.trim() !== '');
    await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: lines.length - 1 }), async (i) => {
      const dup = [...lines.slice(0, i + 1), lines[i], ...lines.slice(i + 1)].join('\n');
      const r = await synthText(`${dup}\n`);
      expect(r.code).toBe(1);
      expect(r.after).toEqual(r.before);
      expect(r.stderr).toMatch(/error/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }), { numRuns: 15 });
  });

  test('non-UTF-8 bytes anywhere: refused', async () => {
    const bytes = Buffer.from(valid);
    const invalid = fc.constantFrom([0xff], [0xc3, 0x28], [0xe2, 0x82], [0xed, 0xa0, 0x80]);
    await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: bytes.length }), invalid,
      async (at, bad) => {
        const r = await synthText(Buffer.concat([bytes.subarray(0, at), Buffer.from(bad), bytes.subarray(at)]));
        expectRefused(r, /not valid UTF-8/);
      }), { numRuns: 10 });
  });

  test('random YAML-ish garbage never crashes (exit 1, one error, nothing written)', async () => {
    const token = fc.constantFrom('name:', 'github:', ' owner:', 'repositories:', '- ', '  ', '\n', '[', ']', '{', '}', ',', '&a ', '*a', '!!str ', '!!binary ',
      '"', "'", '|', '>', '#', '---', '...', '%YAML 1.2', 'acme', '1e999', '0x1F', '~', 'null', 'true', ':', '? ', '\t', '\u0000', '\ufeff', 'é');
    await fc.assert(fc.asyncProperty(fc.array(token, { maxLength: 40 }), async (toks) => {
      const r = await synthText(toks.join(''));
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error/);
      expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
      expect(r.after).toEqual(r.before);
    }), { numRuns: 60 });
  });

  test('Unicode look-alikes in image names: ISB/config error at the image path', async () => {
    for (const img of ['ghcr.io/аcme/web', 'ghcr.io/acme/wеb', 'ghcr.io/acme/web\u200b', 'ｇhcr.io/acme/web']) {
      expectRefused(await synthText(stringify(keyConfig({ repositories: [{ name: 'web', images: [img] }] }))), /repositories\[0\]\.images\[0\]: .*ASCII/);
    }
  });

  test('a config that is not a file, or too large, is refused', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'blueprint.yaml'));
    const io = memoryIo({ cwd: dir });
    expect(await main(['synth'], io)).toBe(1);
    expect(io.stderr()).toMatch(/CONFIG_NOT_FOUND/);
    const big = projectDir({ 'blueprint.yaml': `${valid}# ${'x'.repeat(9 * 1024 * 1024)}\n` });
    const io2 = memoryIo({ cwd: big });
    expect(await main(['synth'], io2)).toBe(1);
    expect(io2.stderr()).toMatch(/CONFIG_TOO_LARGE/);
    expect(() => loadConfigFile('/dev/zero')).toThrow(/not a file/);
  });
});
