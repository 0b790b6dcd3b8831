import * as fs from 'node:fs';
import * as path from 'node:path';
import { initTUF } from '@sigstore/tuf';
import { VerifyError } from './errors';
import { PUBLIC_GOOD_TUF_MIRROR } from './public-root';
import { isLoopbackHost } from './reference';

/*
 * A Sigstore trusted root refreshed through TUF (`@sigstore/tuf` over `tuf-js`): the client starts
 * from a pinned root.json (the one embedded in @sigstore/tuf for the public mirror, or the
 * operator's for a private TUF repository), walks every newer `N.root.json` the mirror signs,
 * then timestamp → snapshot → targets, and downloads the target `trusted_root.json` only when its
 * length and sha256 match the signed targets metadata. Expired metadata, a bad signature or a
 * tampered target fail closed with a code; nothing is ever used unverified.
 */

/** Where to refresh the trusted root from. */
export interface TufTrustedRootOptions {
  /**
   * The TUF repository's base URL (`https://tuf-repo-cdn.sigstore.dev` for the public Sigstore instance).
   */
  readonly mirrorUrl: string;
  /**
   * Folder for the verified metadata and targets (one sub-folder per mirror). While the cached
   * timestamp metadata has not expired, the cache is used without contacting the mirror.
   */
  readonly cacheDir: string;
  /**
   * The TUF repository's initial (pinned) `root.json`, for a private repository. Used to seed an
   * empty cache, or a cache whose root is older than this one.
   * @default - the root embedded in @sigstore/tuf (public mirror only)
   */
  readonly initialRootFile?: string;
  /**
   * The same as `initialRootFile`, as JSON text (a policy-controller TrustRoot's `spec.remote.root`).
   * @default - `initialRootFile`
   */
  readonly initialRootJson?: string;
  /**
   * Contact the mirror even while the cached metadata is still valid.
   * @default false
   */
  readonly forceRefresh?: boolean;
  /**
   * Timeout per request to the mirror, in milliseconds.
   * @default 5000
   */
  readonly timeoutMs?: number;
  /**
   * Retries of a failed request to the mirror.
   * @default 2
   */
  readonly retries?: number;
}

/** A trusted root that TUF verified. */
export interface TufTrustedRoot {
  /** the `trusted_root.json` target, verified against the signed TUF metadata */
  readonly json: string;
  /** for messages: mirror, root and timestamp versions, and when the timestamp expires */
  readonly source: string;
  /** the TUF root metadata version the client trusts after the refresh */
  readonly rootVersion: number;
  /** `expires` of the timestamp metadata that vouches for the target (ISO 8601) */
  readonly timestampExpires: string;
}

const TRUSTED_ROOT_TARGET = 'trusted_root.json';

/** `$XDG_CACHE_HOME/image-signing-blueprint/tuf`, else `$HOME/.cache/image-signing-blueprint/tuf`; undefined without either */
export function defaultTufCacheDir(env: Record<string, string | undefined>): string | undefined {
  const base = env.XDG_CACHE_HOME || (env.HOME ? path.join(env.HOME, '.cache') : undefined);
  return base ? path.join(base, 'image-signing-blueprint', 'tuf') : undefined;
}

/** The folder @sigstore/tuf caches a mirror's metadata in (its own naming: host + path, URI-encoded). */
function mirrorCacheDir(cacheDir: string, mirrorUrl: string): string {
  const url = new URL(mirrorUrl);
  return path.join(cacheDir, encodeURIComponent(url.host + url.pathname.replace(/\/$/, '')));
}

function readJsonFile(file: string): any {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** the error chain's messages and class names, innermost last */
function chain(e: unknown): { names: string[]; text: string; codes: string[] } {
  const names: string[] = [];
  const texts: string[] = [];
  const codes: string[] = [];
  for (let cur: any = e, depth = 0; cur && depth < 6; cur = cur.cause, depth++) {
    names.push(String(cur.constructor?.name ?? ''));
    texts.push(String(cur.message ?? cur));
    if (typeof cur.code === 'string') codes.push(cur.code);
  }
  return { names, text: texts.join(': '), codes };
}

/** Maps a tuf-js / @sigstore/tuf failure to one of our codes, with a message naming the mirror. */
function tufError(e: unknown, mirrorUrl: string): VerifyError {
  const { names, text, codes } = chain(e);
  const has = (...n: string[]) => names.some((x) => n.includes(x));
  const where = `TUF refresh from ${mirrorUrl}`;
  if (has('ExpiredMetadataError') || /\bis expired\b/.test(text)) {
    return new VerifyError('TUF_METADATA_EXPIRED', `${where}: the repository's metadata has expired (${text}); an expired trusted root is never used`, {
      fix: 'the TUF repository must re-sign its timestamp/snapshot metadata (a stale or frozen mirror); check the mirror, or pass --trusted-root FILE with a trusted_root.json you obtained out of band',
      cause: e,
    });
  }
  if (codes.includes('TUF_DOWNLOAD_TARGET_ERROR') && has('LengthOrHashMismatchError', 'DownloadLengthMismatchError')) {
    return new VerifyError('TUF_TARGET_TAMPERED', `${where}: the ${TRUSTED_ROOT_TARGET} the mirror served does not match the length and sha256 in the signed targets metadata (${text}); it was not used`, {
      fix: 'the mirror serves a modified target: do not trust it; check the mirror, or pass --trusted-root FILE',
      cause: e,
    });
  }
  if (has('UnsignedMetadataError', 'BadVersionError', 'LengthOrHashMismatchError', 'RepositoryError', 'ValueError')
    || /signed by \d+\/\d+ keys|failed to verify|signature|Expected (hash|length|version|')|version \d+ (is less|does not match)|doesn't match/i.test(text)) {
    return new VerifyError('TUF_METADATA_INVALID', `${where}: metadata failed TUF verification against the pinned root (${text}); nothing was used`, {
      fix: 'the mirror serves metadata the pinned root does not vouch for: check --tuf-mirror and --tuf-root (the repository\'s initial root.json)',
      cause: e,
    });
  }
  if (codes.includes('TUF_FIND_TARGET_ERROR')) {
    return new VerifyError('TUF_TARGET_NOT_FOUND', `${where}: the repository's targets metadata lists no ${TRUSTED_ROOT_TARGET}`, {
      fix: 'publish the trusted root as the target "trusted_root.json" (as the public Sigstore repository does)',
      cause: e,
    });
  }
  if (has('DownloadHTTPError', 'DownloadError', 'FetchError') || /Failed to download|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|network|timed out|socket/i.test(text)) {
    return new VerifyError('TUF_MIRROR_UNREACHABLE', `${where}: the mirror could not be read (${text}), and the cache in --tuf-cache holds no unexpired metadata`, {
      fix: 'check the URL and the network; offline, pass --trusted-root FILE with a trusted_root.json you obtained out of band',
      cause: e,
    });
  }
  return new VerifyError('TUF_REFRESH_FAILED', `${where}: ${text}`, { fix: 'check --tuf-mirror, --tuf-root and --tuf-cache', cause: e });
}

/**
 * Seeds the cache's root.json from `initialRootFile` when the cache has none, or an older one.
 * A cached root with a higher version was reached from a pinned root through signed rotations
 * and is kept.
 */
function seedRoot(dir: string, initialRootFile: string | undefined, mirrorUrl: string): boolean {
  const cached = path.join(dir, 'root.json');
  if (initialRootFile === undefined) {
    if (!fs.existsSync(cached) && mirrorUrl !== PUBLIC_GOOD_TUF_MIRROR) {
      throw new VerifyError('TUF_ROOT_REQUIRED', `TUF refresh from ${mirrorUrl}: no pinned root.json for this mirror (only ${PUBLIC_GOOD_TUF_MIRROR}'s is embedded), and the cache has none`, {
        fix: 'pass --tuf-root FILE: the private TUF repository\'s initial root.json, obtained out of band (it is the trust anchor of every refresh)',
      });
    }
    return false;
  }
  const given = readJsonFile(initialRootFile);
  if (given?.signed?._type !== 'root' || typeof given?.signed?.version !== 'number') {
    throw new VerifyError('TUF_ROOT_INVALID', `--tuf-root ${initialRootFile}: not a TUF root metadata file (expected {"signed": {"_type": "root", "version": N, …}, "signatures": […]})`, {
      fix: 'pass the TUF repository\'s root.json (for example its 1.root.json), not the Sigstore trusted_root.json',
    });
  }
  const have = readJsonFile(cached);
  return !(typeof have?.signed?.version === 'number' && have.signed.version >= given.signed.version);
}

async function refreshTrustedRoot(opts: TufTrustedRootOptions): Promise<TufTrustedRoot> {
  let url: URL;
  try {
    url = new URL(opts.mirrorUrl);
  } catch {
    throw new VerifyError('VERIFY_OPTIONS_INVALID', `--tuf-mirror ${opts.mirrorUrl}: not a URL`, { fix: 'give the TUF repository\'s base URL, e.g. https://tuf.sigstore.example.com' });
  }
  if (url.protocol !== 'https:' && !isLoopbackHost(url.host)) {
    throw new VerifyError('VERIFY_OPTIONS_INVALID', `--tuf-mirror ${opts.mirrorUrl}: only https (or http on the loopback interface) is accepted`, {
      fix: 'serve the TUF repository over https',
    });
  }
  const mirrorUrl = opts.mirrorUrl.replace(/\/+$/, '');
  const dir = mirrorCacheDir(opts.cacheDir, mirrorUrl);
  let forceInit: boolean;
  let initialRootFile = opts.initialRootFile;
  try {
    fs.mkdirSync(dir, { recursive: true });
    if (initialRootFile === undefined && opts.initialRootJson !== undefined) {
      initialRootFile = path.join(dir, 'pinned-root.json');
      fs.writeFileSync(initialRootFile, opts.initialRootJson);
    }
    forceInit = seedRoot(dir, initialRootFile, mirrorUrl);
  } catch (e) {
    if (e instanceof VerifyError) throw e;
    throw new VerifyError('TUF_CACHE_ERROR', `--tuf-cache ${opts.cacheDir}: ${(e as Error).message}`, { fix: 'give a writable folder', cause: e });
  }
  // The cache answers alone only while its timestamp metadata is unexpired. tuf-js's forceCache
  // skips the root update (5.3) when it finds no cached timestamp: never use it on a fresh cache,
  // or a root rotation (a revoked key) published since the pinned root would be missed.
  const cachedTimestamp = readJsonFile(path.join(dir, 'timestamp.json'));
  const cacheValid = !forceInit && Date.parse(String(cachedTimestamp?.signed?.expires)) > Date.now();
  let json: string;
  try {
    const client = await initTUF({
      mirrorURL: mirrorUrl,
      cachePath: opts.cacheDir,
      rootPath: initialRootFile,
      forceInit,
      forceCache: opts.forceRefresh !== true && cacheValid,
      timeout: opts.timeoutMs ?? 5000,
      retry: { retries: opts.retries ?? 2, factor: 1.5, minTimeout: 100, maxTimeout: 1000 },
    });
    json = await client.getTarget(TRUSTED_ROOT_TARGET);
  } catch (e) {
    throw tufError(e, mirrorUrl);
  }
  const root = readJsonFile(path.join(dir, 'root.json'));
  const ts = readJsonFile(path.join(dir, 'timestamp.json'));
  const rootVersion = Number(root?.signed?.version ?? 0);
  const timestampExpires = String(ts?.signed?.expires ?? '');
  return {
    json,
    rootVersion,
    timestampExpires,
    source: `the trusted root refreshed through TUF from ${mirrorUrl} (root v${rootVersion}, timestamp v${ts?.signed?.version ?? '?'} expires ${timestampExpires}; cache ${dir})`,
  };
}

/** The Sigstore trusted root through TUF (`verify --tuf-mirror`). */
export class SigstoreTuf {
  /**
   * Refreshes the Sigstore trusted root through TUF and returns the verified `trusted_root.json`
   * (pass its `json` as `ImageVerifierProps.trustedRootJson`). Fails closed with a VerifyError whose
   * code is TUF_METADATA_EXPIRED, TUF_TARGET_TAMPERED, TUF_METADATA_INVALID, TUF_MIRROR_UNREACHABLE,
   * TUF_TARGET_NOT_FOUND, TUF_ROOT_REQUIRED, TUF_ROOT_INVALID, TUF_CACHE_ERROR or TUF_REFRESH_FAILED.
   */
  public static async refreshTrustedRoot(options: TufTrustedRootOptions): Promise<TufTrustedRoot> {
    return refreshTrustedRoot(options);
  }

  private constructor() {}
}
