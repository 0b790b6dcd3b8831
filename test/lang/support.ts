/*
 * The language tests (issue 18): build the jsii bindings with jsii-pacmak once per content hash
 * of the compiled library, and compare trees synthesized from other languages with TypeScript's.
 * Everything they build lives in the git-ignored .lang-cache/ at the repository root.
 */
import { spawnSync, SpawnSyncOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
/** ISB_LANG_CACHE moves it (.ci/run keeps it in a machine cache, so the upstream bindings are built once) */
export const CACHE = process.env.ISB_LANG_CACHE ?? path.join(ROOT, '.lang-cache');
export const EXAMPLES = path.join(ROOT, 'examples');

const ENV = { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' };

export interface RunResult { readonly stdout: string; readonly stderr: string; readonly ms: number }

/** runs a command, throws with its output when it fails */
export function run(cmd: string, args: string[], opts: SpawnSyncOptions = {}): RunResult {
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...opts, env: { ...ENV, ...opts.env } });
  const ms = Date.now() - t0;
  if (r.error) throw r.error;
  const stdout = String(r.stdout ?? '');
  const stderr = String(r.stderr ?? '');
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}\n--- stdout (tail)\n${stdout.slice(-4000)}\n--- stderr (tail)\n${stderr.slice(-4000)}`);
  }
  return { stdout, stderr, ms };
}

function filesUnder(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...filesUnder(dir, r));
    else if (e.isFile()) out.push(r);
  }
  return out.sort();
}

/**
 * Hash of what the bindings are generated from: the assembly (.jsii holds the API, not the
 * implementation), every compiled file in lib/ (the JS the bindings embed) and package.json.
 */
export function libraryHash(): string {
  const jsii = path.join(ROOT, '.jsii');
  if (!fs.existsSync(jsii) || !fs.existsSync(path.join(ROOT, 'lib', 'index.js'))) {
    throw new Error('no compiled library (.jsii, lib/): run `npx projen compile` first (npm test does)');
  }
  const h = createHash('sha256');
  for (const f of ['.jsii', 'package.json']) h.update(f).update(fs.readFileSync(path.join(ROOT, f)));
  for (const f of filesUnder(path.join(ROOT, 'lib'))) h.update(`lib/${f}`).update(fs.readFileSync(path.join(ROOT, 'lib', f)));
  return h.digest('hex').slice(0, 16);
}

export interface Bindings {
  /** folder holding the target's artifacts (pacmak's `<outdir>/<target>`) */
  readonly dir: string;
  /** true when this call ran pacmak, false when the cached build was reused */
  readonly built: boolean;
  /** pacmak wall time of the build that produced them, in ms */
  readonly pacmakMs: number;
}

/**
 * jsii-pacmak for one target into .lang-cache/pacmak/<target>/<hash>/, reused while the
 * library is unchanged; older builds of that target are removed.
 */
export function ensureBindings(target: 'python' | 'java' | 'go', extraArgs: string[] = []): Bindings {
  const hash = libraryHash();
  const base = path.join(CACHE, 'pacmak', target);
  const out = path.join(base, hash);
  const done = path.join(out, 'DONE.json');
  if (fs.existsSync(done)) {
    return { dir: path.join(out, target), built: false, pacmakMs: JSON.parse(fs.readFileSync(done, 'utf8')).pacmakMs };
  }
  if (fs.existsSync(base)) for (const old of fs.readdirSync(base)) fs.rmSync(path.join(base, old), { recursive: true, force: true });
  const r = run(path.join(ROOT, 'node_modules', '.bin', 'jsii-pacmak'), ['--target', target, '--outdir', out, '--no-npmignore', ...extraArgs]);
  fs.writeFileSync(done, JSON.stringify({ pacmakMs: r.ms, at: new Date().toISOString(), loadavg: fs.readFileSync('/proc/loadavg', 'utf8').trim() }));
  return { dir: path.join(out, target), built: true, pacmakMs: r.ms };
}

/** every file under dir, by relative path */
export function readTree(dir: string): Map<string, Buffer> {
  return new Map(filesUnder(dir).map((f) => [f, fs.readFileSync(path.join(dir, f))]));
}

/**
 * A precise difference of two trees ('' when byte-identical): files only on one side, and for
 * each differing file its first differing line with both versions.
 */
export function treeDiff(expected: Map<string, Buffer>, actual: Map<string, Buffer>, labels = ['typescript', 'other']): string {
  const out: string[] = [];
  for (const f of expected.keys()) if (!actual.has(f)) out.push(`only in ${labels[0]}: ${f}`);
  for (const f of actual.keys()) if (!expected.has(f)) out.push(`only in ${labels[1]}: ${f}`);
  for (const [f, a] of expected) {
    const b = actual.get(f);
    if (!b || a.equals(b)) continue;
    const la = a.toString('utf8').split('\n');
    const lb = b.toString('utf8').split('\n');
    let i = 0;
    while (i < la.length && i < lb.length && la[i] === lb[i]) i++;
    out.push(`${f}: ${a.length} vs ${b.length} bytes, first difference at line ${i + 1}:\n  ${labels[0]}: ${JSON.stringify(la[i] ?? '<end of file>')}\n  ${labels[1]}: ${JSON.stringify(lb[i] ?? '<end of file>')}`);
  }
  return out.join('\n');
}

/** the installed version of an npm package (the tests pin the other languages' peers to it) */
export function npmVersion(pkg: string): string {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;
}

export function loadavg(): string {
  return fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/**
 * Bindings of an upstream jsii package from node_modules (cdktf, @cdktf/provider-github, cdk8s),
 * generated by jsii-pacmak --code-only into .lang-cache/upstream/<target>/<name>-<version>/.
 * Upstream publishes exactly these (pacmak over the same assembly) to Maven Central and the Go
 * proxy; the registries this project's machines reach do not serve them (README).
 */
export function ensureUpstreamSources(pkg: string, target: 'java' | 'go'): Bindings {
  const version = npmVersion(pkg);
  const pacmak = npmVersion('jsii-pacmak');
  const out = path.join(CACHE, 'upstream', target, `${pkg.replace(/[@/]/g, '_')}-${version}-pacmak${pacmak}`);
  const done = path.join(out, 'DONE.json');
  if (fs.existsSync(done)) {
    return { dir: path.join(out, target), built: false, pacmakMs: JSON.parse(fs.readFileSync(done, 'utf8')).pacmakMs };
  }
  fs.rmSync(out, { recursive: true, force: true });
  const r = run(path.join(ROOT, 'node_modules', '.bin', 'jsii-pacmak'),
    ['--target', target, '--code-only', '--outdir', out, '--no-npmignore', path.join(ROOT, 'node_modules', pkg)]);
  fs.writeFileSync(done, JSON.stringify({ pacmakMs: r.ms, at: new Date().toISOString(), loadavg: loadavg() }));
  return { dir: path.join(out, target), built: true, pacmakMs: r.ms };
}
