import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/*
 * The render cache of `synth`: which output file was rendered from which inputs. It lets a
 * re-synth take a file's bytes from the output folder instead of rendering them again, and only
 * when all of these hold:
 *
 * - the inputs are the same: the entry's key is the sha256 of exactly what the renderer reads (the
 *   workflow object and its pins, a stack's props, a cluster's final objects) plus the salt: this
 *   library's code (every source file's bytes), its version, the versions of cdktf, cdk8s,
 *   constructs, yaml and the GitHub provider, node's version, and the environment variables that
 *   change cdktf's output. A different salt drops the whole cache.
 * - the file on disk is the one this synth recorded: same device, inode, size and change time
 *   (ctime, which no user-level tool can set: an edit, a copy, a checkout, `touch` or `chmod`
 *   all change it), and its bytes hash to the recorded output hash.
 *
 * The cache holds hashes and file stamps only, never content: a cache file copied or committed
 * with the outputs is worthless elsewhere (every stamp differs), and forging one needs the exact
 * ctime of each file. It lives in the output folder next to the manifest, is rewritten by every
 * synth that uses it, and is removed by `--no-cache`.
 */

/** The cache file in the output folder (synth's own, like the manifest: never an output). */
export const CACHE_FILE = '.image-signing-blueprint-cache.json';

const FORMAT = 1;

/** What a renderer asks the cache: the bytes synth wrote at `rel` from exactly these inputs, if untouched since. */
export interface RenderCache {
  /** `inputs`: the serialized inputs of the renderer of `rel` (hashed with the salt) */
  get(rel: string, kind: string, inputs: string): string | undefined;
  /** records that `text` at `rel` was rendered from `inputs` */
  put(rel: string, kind: string, inputs: string, text: string): void;
}

interface Entry {
  readonly key: string;
  readonly out: string;
  readonly stamp: string;
}

/** What a re-synth reused and rendered (for the report and the tests). */
export interface CacheStats {
  /** output files taken from the output folder */
  readonly reused: string[];
  /** cacheable output files rendered (no entry, other inputs, or the file changed) */
  readonly rendered: string[];
}

function sha256(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
}

function stampOf(st: fs.BigIntStats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.ctimeNs}`;
}

function packageVersion(name: string): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return String(require(`${name}/package.json`).version);
  } catch {
    return 'unknown';
  }
}

/** every source file of this library (lib/*.js when compiled, src/*.ts in tests), sorted */
function ownSources(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(js|ts)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
    }
  };
  walk(root);
  return out.sort();
}

let defaultSalt: string | undefined;

/**
 * The salt of this build: a change of any of our source files, of a framework version, of node
 * or of an environment variable that changes cdktf's output makes every entry a miss.
 */
export function cacheSalt(env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (defaultSalt === undefined) {
    const root = path.resolve(__dirname, '..');
    const h = createHash('sha256').update(`format ${FORMAT}\0node ${process.version}\0`);
    for (const name of ['cdktf', 'cdk8s', 'constructs', 'yaml', '@cdktf/provider-github']) h.update(`${name}@${packageVersion(name)}\0`);
    h.update(`self@${packageVersion(path.join(root, '..'))}\0`);
    for (const file of ownSources(root)) h.update(path.relative(root, file)).update('\0').update(fs.readFileSync(file)).update('\0');
    defaultSalt = h.digest('hex');
  }
  const cdktfEnv = Object.keys(env).filter((k) => k.startsWith('CDKTF_') || k === 'SYNTH_HCL_OUTPUT').sort().map((k) => `${k}=${env[k]}`);
  return cdktfEnv.length === 0 ? defaultSalt : sha256(defaultSalt, ...cdktfEnv);
}

/**
 * The cache of one output folder: read at the start of a synth, written after its files are in
 * place (`save`). A missing, unreadable or foreign cache file is an empty cache.
 */
export class OutputCache implements RenderCache {
  /** reads the cache of `outdir` (empty when absent, corrupt, or made with another salt) */
  public static open(outdir: string, salt: string): OutputCache {
    const entries = new Map<string, Entry>();
    let text: string | undefined;
    try {
      text = fs.readFileSync(path.join(outdir, CACHE_FILE), 'utf8');
    } catch {
      text = undefined;
    }
    if (text !== undefined) {
      try {
        const doc = JSON.parse(text);
        if (doc?.version === FORMAT && doc.salt === salt && typeof doc.entries === 'object' && doc.entries !== null) {
          for (const [rel, e] of Object.entries<any>(doc.entries)) {
            if (Array.isArray(e) && e.length === 3 && e.every((x) => typeof x === 'string')) entries.set(rel, { key: e[0], out: e[1], stamp: e[2] });
          }
        }
      } catch {
        // corrupt: empty
      }
    }
    return new OutputCache(outdir, salt, entries, text);
  }

  /** rel → [key, output hash] of what this synth rendered or reused */
  private readonly current = new Map<string, { key: string; out: string }>();
  private readonly reused: string[] = [];
  private readonly rendered: string[] = [];
  /** the key get() computed for a path, so that the put() after a miss does not hash the same inputs again */
  private readonly lastKey = new Map<string, { kind: string; inputs: string; key: string }>();

  private constructor(
    private readonly outdir: string,
    private readonly salt: string,
    private readonly previous: ReadonlyMap<string, Entry>,
    private readonly previousText: string | undefined,
  ) {}

  public get(rel: string, kind: string, inputs: string): string | undefined {
    const e = this.previous.get(rel);
    if (e === undefined) return undefined; // nothing recorded: no key to compare (put computes it)
    const key = this.keyOf(rel, kind, inputs);
    if (e.key !== key) return undefined;
    const abs = path.join(this.outdir, rel);
    let text: Buffer;
    try {
      const st = fs.lstatSync(abs, { bigint: true });
      if (!st.isFile() || stampOf(st) !== e.stamp) return undefined;
      text = fs.readFileSync(abs);
    } catch {
      return undefined;
    }
    if (createHash('sha256').update(text).digest('hex') !== e.out) return undefined;
    this.current.set(rel, { key, out: e.out });
    this.reused.push(rel);
    return text.toString('utf8');
  }

  public put(rel: string, kind: string, inputs: string, text: string): void {
    this.current.set(rel, { key: this.keyOf(rel, kind, inputs), out: createHash('sha256').update(text).digest('hex') });
    this.rendered.push(rel);
  }

  private keyOf(rel: string, kind: string, inputs: string): string {
    const k = this.lastKey.get(rel);
    if (k !== undefined && k.kind === kind && k.inputs === inputs) return k.key;
    const key = sha256(this.salt, kind, inputs);
    this.lastKey.set(rel, { kind, inputs, key });
    return key;
  }

  /** sha256 of each text this synth reused or rendered through the cache, by path */
  public hashes(): ReadonlyMap<string, string> {
    return new Map([...this.current].map(([rel, c]) => [rel, c.out]));
  }

  /** sha256 of each file reused (read and verified from the output folder), by path */
  public verified(): ReadonlyMap<string, string> {
    return new Map(this.reused.map((rel) => [rel, this.current.get(rel)!.out]));
  }

  public stats(): CacheStats {
    return { reused: [...this.reused].sort(), rendered: [...this.rendered].sort() };
  }

  /**
   * After the write: records each cacheable file with its stamp now on disk. `onDisk`: the sha256
   * of every file the write just put in place or found unchanged (the writer's own record); a
   * file whose bytes are not what was rendered is left out. Writes the cache file only when it
   * changed (temp file + rename).
   */
  public save(onDisk: ReadonlyMap<string, string>): void {
    const entries: Record<string, [string, string, string]> = {};
    for (const rel of [...this.current.keys()].sort()) {
      const c = this.current.get(rel)!;
      if (onDisk.get(rel) !== c.out) continue;
      let st: fs.BigIntStats;
      try {
        st = fs.lstatSync(path.join(this.outdir, rel), { bigint: true });
      } catch {
        continue;
      }
      if (st.isFile()) entries[rel] = [c.key, c.out, stampOf(st)];
    }
    const text = `${JSON.stringify({ version: FORMAT, salt: this.salt, entries })}\n`;
    if (text === this.previousText) return;
    const file = path.join(this.outdir, CACHE_FILE);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text, { mode: 0o644 });
    fs.renameSync(tmp, file);
  }
}

/** `--no-cache`: removes the cache file of `outdir`, if any (the next synth renders everything). */
export function removeOutputCache(outdir: string): void {
  fs.rmSync(path.join(outdir, CACHE_FILE), { force: true });
}
