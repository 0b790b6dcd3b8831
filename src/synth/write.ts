import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CACHE_FILE } from './render-cache';
import { BlueprintError } from '../errors';

/**
 * Where synth records what it wrote: relative path → sha256 of the content. A later synth only
 * replaces (or removes) files listed here whose content still hashes to the recorded value, so
 * a file the user edited, or put into the output folder, is never clobbered without `force`.
 */
export const MANIFEST_FILE = '.image-signing-blueprint-manifest.json';

/** Files named in one refusal message; the rest are counted. */
const MAX_NAMED = 20;

export interface WriteArtifactsOptions {
  /** overwrite (and remove stale) files even when they are not synth's or were edited */
  readonly force?: boolean;
  /** for tests: replaces fs.renameSync (to simulate a failure half way) */
  readonly renameSync?: (from: string, to: string) => void;
  /**
   * sha256 of files this synth has just read from the output folder (the render cache's reused
   * files, verified as regular files): not read again
   */
  readonly knownOnDisk?: ReadonlyMap<string, string>;
  /** sha256 of contents of `files` already computed (the render cache's), by path: not hashed again */
  readonly knownHashes?: ReadonlyMap<string, string>;
}

export interface WriteArtifactsResult {
  /** files written (new, or their bytes changed), relative to outdir, sorted */
  readonly written: string[];
  /** files already on disk with exactly these bytes: not rewritten (their mtime stays), sorted */
  readonly unchanged: string[];
  /** files an earlier synth wrote that are no longer produced, removed (unmodified), sorted */
  readonly removed: string[];
  /** sha256 of every file now in place (all of `files`) */
  readonly hashes: ReadonlyMap<string, string>;
}

/**
 * `files`: what synth wrote. `pending` (only while a synth is moving files into place): what was
 * on disk before, so a synth interrupted half way leaves every file recognizable as synth's.
 */
interface OutputManifest {
  readonly version: 1;
  readonly files: Record<string, string>;
  readonly pending?: Record<string, string>;
}

export function sha256Hex(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/**
 * The previous manifest: relative path → the sha256 values synth wrote there (two while a synth
 * was interrupted). An unreadable or corrupt manifest counts as empty (fails closed: nothing is synth's).
 */
export function readOutputManifest(outdir: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  let text: string;
  try {
    text = fs.readFileSync(path.join(outdir, MANIFEST_FILE), 'utf8');
  } catch {
    return out;
  }
  let doc: any;
  try {
    doc = JSON.parse(text);
  } catch {
    return out;
  }
  const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (doc?.version !== 1 || !isMap(doc.files) || (doc.pending !== undefined && !isMap(doc.pending))) return out;
  for (const entries of [doc.files, doc.pending ?? {}] as Record<string, unknown>[]) {
    for (const [rel, hash] of Object.entries(entries)) {
      if (typeof hash !== 'string' || !/^[a-f0-9]{64}$/.test(hash) || !safeRelative(rel)) continue;
      if (!out.has(rel)) out.set(rel, new Set());
      out.get(rel)!.add(hash);
    }
  }
  return out;
}

function manifestText(files: Record<string, string>, pending?: Record<string, string>): string {
  const sorted = (r: Record<string, string>) => Object.fromEntries(Object.keys(r).sort().map((k) => [k, r[k]]));
  const doc: OutputManifest = pending ? { version: 1, files: sorted(files), pending: sorted(pending) } : { version: 1, files: sorted(files) };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function safeRelative(rel: string): boolean {
  return rel !== '' && !path.isAbsolute(rel) && !rel.split(/[\\/]/).some((s) => s === '..' || s === '') && !rel.includes('\0');
}

/** sha256 of the regular file at `abs`, 'missing' when absent, 'not-a-file' for directories, symlinks, devices */
function diskState(abs: string): string {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(abs);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return 'missing';
    throw e;
  }
  if (!st.isFile()) return 'not-a-file';
  return sha256Hex(fs.readFileSync(abs));
}

/** What a folder below outdir is: a real folder, a symbolic link, or missing (created as a real folder). */
type FolderKind = 'dir' | 'link' | 'missing';

/** the first folder of `rel` (below outdir) that is a symbolic link, if any; `seen` caches lstat per folder */
function symlinkedParent(outdir: string, rel: string, seen: Map<string, FolderKind> = new Map()): string | undefined {
  const parts = rel.split('/').slice(0, -1);
  for (let i = 1; i <= parts.length; i++) {
    const sub = parts.slice(0, i).join('/');
    let kind = seen.get(sub);
    if (kind === undefined) {
      try {
        kind = fs.lstatSync(path.join(outdir, sub)).isSymbolicLink() ? 'link' : 'dir';
      } catch {
        kind = 'missing';
      }
      seen.set(sub, kind);
    }
    if (kind === 'link') return sub;
    if (kind === 'missing') return undefined;
  }
  return undefined;
}

/** the shallowest folder of `rel` that did not exist below outdir when synth looked (from the symlinkedParent cache) */
function firstMissingFolder(rel: string, seen: ReadonlyMap<string, FolderKind>): string | undefined {
  const parts = rel.split('/').slice(0, -1);
  for (let i = 1; i <= parts.length; i++) {
    const sub = parts.slice(0, i).join('/');
    if (seen.get(sub) === 'missing') return sub;
  }
  return undefined;
}

/** mkdir -p, once per folder of one synth */
function folderMaker(): (dir: string) => void {
  const made = new Set<string>();
  return (dir) => {
    if (made.has(dir)) return;
    fs.mkdirSync(dir, { recursive: true });
    for (let d = dir; !made.has(d); d = path.dirname(d)) {
      made.add(d);
      if (path.dirname(d) === d) break;
    }
  };
}

function ensureDir(outdir: string): void {
  try {
    fs.mkdirSync(outdir, { recursive: true });
  } catch (e) {
    throw new BlueprintError('OUTPUT_NOT_WRITABLE', `cannot create the output folder ${outdir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      { fix: 'pass --out <folder> naming a folder you can write (not an existing file)', cause: e });
  }
  if (!fs.statSync(outdir).isDirectory()) {
    throw new BlueprintError('OUTPUT_NOT_WRITABLE', `the output path ${outdir} is not a folder`, { fix: 'pass --out <folder>' });
  }
}

/**
 * Writes every changed file or none: a file whose bytes on disk already equal the new content is
 * left alone (counted as unchanged); the others are first written to a staging folder inside
 * `outdir`, then each is renamed into place and the manifest updated. A failure while
 * staging leaves `outdir` as it was. When nothing changed, nothing is written at all (not even
 * the manifest).
 *
 * Refuses (OUTPUT_CONFLICT, nothing written) when a target exists that the last synth did not
 * write, or that was changed since; files the last synth wrote and this one does not produce
 * are removed when unmodified, so the folder holds exactly the current output. `force` skips
 * the refusal.
 */
export function writeArtifactsDetailed(outdir: string, files: ReadonlyMap<string, string>, opts: WriteArtifactsOptions = {}): WriteArtifactsResult {
  for (const rel of files.keys()) {
    if (!safeRelative(rel)) throw new BlueprintError('OUTPUT_PATH_INVALID', `refusing to write outside the output folder: ${JSON.stringify(rel)}`);
    if (rel === MANIFEST_FILE) throw new BlueprintError('OUTPUT_PATH_INVALID', `${MANIFEST_FILE} is synth's own manifest`);
    if (rel === CACHE_FILE) throw new BlueprintError('OUTPUT_PATH_INVALID', `${CACHE_FILE} is synth's own render cache`);
  }
  const previous = readOutputManifest(outdir);
  const conflicts: string[] = [];
  const stale: string[] = [];
  const folders = new Map<string, FolderKind>();
  // what is on disk at each target now (sha256, missing, not-a-file): read once
  const before = new Map<string, string>();
  const hashes: Record<string, string> = {};
  for (const [rel, content] of files) hashes[rel] = opts.knownHashes?.get(rel) ?? sha256Hex(content);
  for (const rel of [...files.keys()].sort()) {
    const link = symlinkedParent(outdir, rel, folders);
    if (link !== undefined) {
      throw new BlueprintError('OUTPUT_CONFLICT', `refusing to write ${rel}: its folder ${path.join(outdir, link)} is a symbolic link (synth writes only inside the output folder, even with --force)`,
        { fix: `replace the link ${path.join(outdir, link)} by a real folder, or pass another --out` });
    }
    const state = opts.knownOnDisk?.get(rel) ?? diskState(path.join(outdir, rel));
    before.set(rel, state);
    if (state === 'missing' || previous.get(rel)?.has(state) || state === hashes[rel]) continue;
    conflicts.push(`${rel} (${state === 'not-a-file' ? 'not a regular file' : !previous.has(rel) ? 'not written by synth' : 'modified since the last synth'})`);
  }
  for (const rel of [...previous.keys()].sort()) {
    if (files.has(rel) || symlinkedParent(outdir, rel, folders) !== undefined) continue; // never delete through a link
    const state = diskState(path.join(outdir, rel));
    before.set(rel, state);
    if (state === 'missing') continue;
    if (previous.get(rel)!.has(state)) stale.push(rel);
    else conflicts.push(`${rel} (no longer produced, and modified since the last synth)`);
  }
  if (conflicts.length > 0 && !opts.force) {
    const named = conflicts.slice(0, MAX_NAMED).map((c) => `\n  - ${c}`).join('');
    const more = conflicts.length > MAX_NAMED ? `\n  ... and ${conflicts.length - MAX_NAMED} more` : '';
    throw new BlueprintError('OUTPUT_CONFLICT',
      `refusing to overwrite ${conflicts.length} file${conflicts.length === 1 ? '' : 's'} in ${outdir} that synth did not write (or that changed since):${named}${more}`,
      { fix: `move your changes out of ${outdir} (synth owns the files it writes; customize through the config), or pass --force to overwrite them` });
  }
  if (opts.force) {
    // forced: previously written files no longer produced go too, edited or not
    for (const rel of previous.keys()) {
      const skip = files.has(rel) || stale.includes(rel) || symlinkedParent(outdir, rel, folders) !== undefined;
      const state = skip ? 'missing' : before.get(rel) ?? diskState(path.join(outdir, rel));
      if (state !== 'missing' && state !== 'not-a-file') stale.push(rel);
    }
  }

  // only what differs is written: an unchanged file keeps its bytes and mtime
  const changed = [...files.keys()].filter((rel) => before.get(rel) !== hashes[rel]).sort();
  const unchanged = [...files.keys()].filter((rel) => before.get(rel) === hashes[rel]).sort();
  const finalManifest = manifestText(hashes);
  ensureDir(outdir);
  const manifestPath = path.join(outdir, MANIFEST_FILE);
  if (changed.length === 0 && stale.length === 0 && readText(manifestPath) === finalManifest) {
    return { written: [], unchanged, removed: [], hashes: new Map(Object.entries(hashes)) };
  }
  const rename = opts.renameSync ?? fs.renameSync;
  const staging = fs.mkdtempSync(path.join(outdir, '.isb-staging-'));
  const written: string[] = [];
  const removed: string[] = [];
  // what is on disk now and will be replaced or removed: recorded as synth's until the end
  const pending: Record<string, string> = {};
  for (const rel of [...changed, ...stale]) {
    const state = before.get(rel) ?? diskState(path.join(outdir, rel));
    if (state !== 'missing' && state !== 'not-a-file') pending[rel] = state;
  }
  const mkdirp = folderMaker();
  try {
    for (const rel of changed) {
      const target = path.join(staging, rel);
      mkdirp(path.dirname(target));
      fs.writeFileSync(target, files.get(rel)!, { mode: 0o644 });
    }
    const writeManifest = (text: string) => {
      const tmp = path.join(staging, MANIFEST_FILE);
      fs.writeFileSync(tmp, text, { mode: 0o644 });
      rename(tmp, manifestPath);
    };
    // first the union (interrupted from here on, every file is still recognizably synth's) ...
    writeManifest(manifestText({ ...hashes }, pending));
    // a folder that did not exist is moved in one rename (it holds only this synth's files): a first
    // synth of a large blueprint renames a few folders instead of thousands of files
    const moved = new Set<string>();
    for (const rel of changed) {
      const dest = path.join(outdir, rel);
      const newFolder = firstMissingFolder(rel, folders);
      if (newFolder !== undefined) {
        if (!moved.has(newFolder)) {
          mkdirp(path.dirname(path.join(outdir, newFolder)));
          rename(path.join(staging, newFolder), path.join(outdir, newFolder));
          moved.add(newFolder);
        }
        written.push(rel);
        continue;
      }
      if (before.get(rel) === 'not-a-file') fs.rmSync(dest, { recursive: true, force: true }); // only reached with force
      mkdirp(path.dirname(dest));
      rename(path.join(staging, rel), dest);
      written.push(rel);
    }
    for (const rel of stale.sort()) {
      fs.rmSync(path.join(outdir, rel), { force: true });
      removed.push(rel);
      removeEmptyParents(outdir, path.dirname(rel));
    }
    // ... then exactly what this synth wrote
    writeManifest(finalManifest);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return { written, unchanged, removed, hashes: new Map(Object.entries(hashes)) };
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function removeEmptyParents(outdir: string, relDir: string): void {
  let d = relDir;
  while (d !== '.' && d !== '' && d !== path.sep) {
    try {
      fs.rmdirSync(path.join(outdir, d)); // only succeeds when empty
    } catch {
      return;
    }
    d = path.dirname(d);
  }
}
