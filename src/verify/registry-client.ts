import { createHash } from 'node:crypto';
import { basicHeader, Challenge, CredentialResolver, parseChallenge } from './auth';
import { VerifyError } from './errors';
import { HttpResponse, HttpTransport, redact } from './http';
import { isLoopbackHost, referrersFallbackTag, RegistryRef } from './reference';


/** The OCI empty config descriptor type (`application/vnd.oci.empty.v1+json`). */
const OCI_EMPTY_CONFIG = 'application/vnd.oci.empty.v1+json';
export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

const MANIFEST_ACCEPT = [MEDIA_TYPES.ociManifest, MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifest, MEDIA_TYPES.dockerList].join(', ');
const INDEX_TYPES: readonly string[] = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerList];

/** An OCI content descriptor. */
export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly artifactType?: string;
  readonly platform?: { readonly os?: string; readonly architecture?: string; readonly variant?: string };
}

/** A manifest or index whose bytes were checked against its digest. */
export interface Manifest {
  readonly digest: string;
  readonly mediaType: string;
  readonly bytes: Buffer;
  readonly json: any;
}

export interface RegistryClientOptions {
  /** registries (host[:port]) that may be reached over plain HTTP; loopback always may */
  readonly insecureRegistries?: readonly string[];
  /** credentials per registry; default anonymous */
  readonly credentials?: CredentialResolver;
  /** per request, ms; default 30000 */
  readonly timeoutMs?: number;
  /** retries of a failed idempotent request (network error, timeout, 429, 5xx); default 2 */
  readonly retries?: number;
  /** concurrent requests; default 8 */
  readonly concurrency?: number;
  /** default 4 MiB (distribution's own manifest limit) */
  readonly maxManifestBytes?: number;
  /** default 16 MiB: the blobs read here are signature payloads and bundles */
  readonly maxBlobBytes?: number;
  /** delay before the first retry, doubled each time; default 200 ms */
  readonly retryDelayMs?: number;
}

const MAX_REDIRECTS = 5;
const MAX_TOKEN_BYTES = 1024 * 1024;

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

interface HostAuth {
  basic?: string;
  /** bearer token per scope */
  readonly tokens: Map<string, string>;
}

/**
 * A read-only OCI distribution client: manifests and blobs by digest (sha256 always checked),
 * tag resolution, referrers (API, else the `sha256-<hex>` fallback tag). Anonymous, Basic and
 * Bearer-token auth; credentials and tokens are only ever sent to the registry host itself (and
 * the token realm it names), never to another host a redirect points at.
 */
export class RegistryClient {
  private readonly transport: HttpTransport;
  private readonly auth = new Map<string, HostAuth>();
  private readonly manifests = new Map<string, Promise<Manifest | undefined>>();
  /** tag reads in flight: concurrent readers of one tag share one GET (tags are never cached past it) */
  private readonly tagReads = new Map<string, Promise<Manifest | undefined>>();
  /** referrers listings in flight, per repository and digest (signature and attestation lookups share one) */
  private readonly referrerReads = new Map<string, Promise<ReferrersListing>>();
  /**
   * Per host, whether it serves the referrers API: `false` once it answered 404 or 405 to
   * `/referrers/` in a repository that exists (the distribution spec: "If the registry supports
   * the referrers API, the registry MUST NOT return a 404 Not Found to a referrers API requests"),
   * `true` once it answered with an index; while the first probe is in flight, the promise of its
   * answer, which concurrent listings wait for instead of probing too. Unknown again after a
   * probe that failed.
   */
  private readonly referrersApi = new Map<string, boolean | Promise<boolean | undefined>>();
  private readonly insecure: ReadonlySet<string>;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private readonly maxManifestBytes: number;
  private readonly maxBlobBytes: number;

  constructor(private readonly opts: RegistryClientOptions = {}) {
    this.transport = new HttpTransport({ timeoutMs: opts.timeoutMs ?? 30_000, concurrency: opts.concurrency ?? 8 });
    this.insecure = new Set(opts.insecureRegistries ?? []);
    this.retries = opts.retries ?? 2;
    this.retryDelayMs = opts.retryDelayMs ?? 200;
    this.maxManifestBytes = opts.maxManifestBytes ?? 4 * 1024 * 1024;
    this.maxBlobBytes = opts.maxBlobBytes ?? 16 * 1024 * 1024;
  }

  /** closes keep-alive sockets */
  public close(): void {
    this.transport.close();
  }

  /** a manifest by tag or digest; MANIFEST_NOT_FOUND when the registry has none */
  public async getManifest(ref: RegistryRef, reference: string): Promise<Manifest> {
    const m = await this.findManifest(ref, reference);
    if (!m) {
      throw new VerifyError('MANIFEST_NOT_FOUND', `${ref.registry}/${ref.repository}${reference.startsWith('sha256:') ? '@' : ':'}${reference} not found`);
    }
    return m;
  }

  /** like getManifest, but undefined on 404 (each manifest is fetched once per client) */
  public findManifest(ref: RegistryRef, reference: string): Promise<Manifest | undefined> {
    const key = `${ref.host}/${ref.repository}@${reference}`;
    const isDigest = reference.startsWith('sha256:');
    if (isDigest) {
      let p = this.manifests.get(key);
      if (!p) {
        p = this.fetchManifest(ref, reference);
        this.manifests.set(key, p);
        p.catch(() => this.manifests.delete(key));
      }
      return p;
    }
    // only digests are immutable: a tag is re-read by a later call, but callers asking while a
    // read is in flight get its answer
    return singleFlight(this.tagReads, key, () => this.fetchManifest(ref, reference));
  }

  /** the digest a tag points at now (tags move: verify the digest, not the tag) */
  public async resolveTag(ref: RegistryRef, tag: string): Promise<Manifest> {
    return this.getManifest(ref, tag);
  }

  /** a blob by descriptor; its size and sha256 are checked */
  public async getBlob(ref: RegistryRef, desc: Descriptor): Promise<Buffer> {
    checkDigestSyntax(desc.digest);
    if (typeof desc.size === 'number' && desc.size > this.maxBlobBytes) {
      throw new VerifyError('RESPONSE_TOO_LARGE', `blob ${desc.digest} declares ${desc.size} bytes, above the limit of ${this.maxBlobBytes}`);
    }
    const res = await this.get(ref, `/v2/${ref.repository}/blobs/${desc.digest}`, '*/*', this.maxBlobBytes);
    if (res.status !== 200) throw statusError(res, `blob ${desc.digest} of ${ref.registry}/${ref.repository}`);
    const actual = sha256Digest(res.body);
    if (actual !== desc.digest) {
      throw new VerifyError('BLOB_DIGEST_MISMATCH', `blob ${desc.digest} of ${ref.registry}/${ref.repository}: received bytes hash to ${actual}`);
    }
    if (typeof desc.size === 'number' && res.body.length !== desc.size) {
      throw new VerifyError('BLOB_DIGEST_MISMATCH', `blob ${desc.digest}: ${res.body.length} bytes received, descriptor says ${desc.size}`);
    }
    return res.body;
  }

  /**
   * Referrers of `digest`: the referrers API (`GET /v2/<repo>/referrers/<digest>`); when the
   * registry has none (404, as distribution 2.8), the fallback tag `sha256-<hex>` index.
   */
  public async referrers(ref: RegistryRef, digest: string, artifactType?: string): Promise<ReferrersListing> {
    checkDigestSyntax(digest);
    const listing = await singleFlight(this.referrerReads, `${ref.host}/${ref.repository}@${digest}`, () => this.listReferrers(ref, digest));
    // cosign v2.6.5 and v3.0.6 (go-containerregistry < 0.21.7) write the fallback-tag index entry
    // with the empty config's type as artifactType, the real one only in the manifest itself: keep
    // those entries too (the caller checks the manifest's artifactType)
    const wanted = (d: Descriptor) => d.artifactType === artifactType || d.artifactType === OCI_EMPTY_CONFIG || d.artifactType === undefined;
    return { descriptors: artifactType ? listing.descriptors.filter(wanted) : listing.descriptors, via: listing.via };
  }

  private async listReferrers(ref: RegistryRef, digest: string): Promise<ReferrersListing> {
    let known = this.referrersApi.get(ref.host);
    if (known instanceof Promise) known = await known;
    if (known !== false) {
      const listed = await this.probeReferrers(ref, digest, known === undefined);
      if (listed) return listed;
    }
    const fallback = await this.findManifest(ref, referrersFallbackTag(digest));
    if (!fallback) return { descriptors: [], via: 'none' };
    return { descriptors: indexEntries(fallback.json, `referrers fallback tag ${referrersFallbackTag(digest)}`), via: 'fallback-tag' };
  }

  /** the referrers API's listing, or undefined when the registry has no such endpoint; `first`: record what the host answered */
  private async probeReferrers(ref: RegistryRef, digest: string, first: boolean): Promise<ReferrersListing | undefined> {
    let settle: (api: boolean | undefined) => void = () => {};
    if (first) {
      const answer = new Promise<boolean | undefined>((resolve) => { settle = resolve; });
      this.referrersApi.set(ref.host, answer);
    }
    let api: boolean | undefined;
    try {
      const res = await this.get(ref, `/v2/${ref.repository}/referrers/${digest}`, MEDIA_TYPES.ociIndex, this.maxManifestBytes);
      const ct = String(res.headers['content-type'] ?? '').split(';')[0].trim();
      if (res.status === 200 && ct === MEDIA_TYPES.ociIndex) {
        const descriptors = indexEntries(parseJson(res.body, `referrers of ${digest}`), `referrers of ${digest}`);
        api = true;
        return { descriptors, via: 'api' };
      }
      if (res.status !== 404 && res.status !== 200 && res.status !== 400 && res.status !== 405) {
        throw statusError(res, `referrers of ${ref.registry}/${ref.repository}@${digest}`);
      }
      // only answers that mean "no such endpoint" are remembered: a registry with the API may
      // answer 404 NAME_UNKNOWN for a repository it does not have
      if ((res.status === 404 || res.status === 405) && !hasErrorCode(res, 'NAME_UNKNOWN')) api = false;
      return undefined;
    } finally {
      if (first) {
        if (api === undefined) this.referrersApi.delete(ref.host);
        else this.referrersApi.set(ref.host, api);
        settle(api);
      }
    }
  }

  private async fetchManifest(ref: RegistryRef, reference: string): Promise<Manifest | undefined> {
    const byDigest = reference.startsWith('sha256:');
    if (byDigest) checkDigestSyntax(reference);
    const what = `${ref.registry}/${ref.repository}${byDigest ? '@' : ':'}${reference}`;
    const res = await this.get(ref, `/v2/${ref.repository}/manifests/${reference}`, MANIFEST_ACCEPT, this.maxManifestBytes);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw statusError(res, `manifest ${what}`);
    const digest = sha256Digest(res.body);
    if (byDigest && digest !== reference) {
      throw new VerifyError('MANIFEST_DIGEST_MISMATCH', `manifest ${what}: the registry's bytes hash to ${digest}, not the requested digest`);
    }
    const header = res.headers['docker-content-digest'];
    if (typeof header === 'string' && header !== '' && header !== digest) {
      throw new VerifyError('MANIFEST_DIGEST_MISMATCH', `manifest ${what}: Docker-Content-Digest ${header} differs from the sha256 of the bytes received (${digest})`);
    }
    const json = parseJson(res.body, `manifest ${what}`);
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new VerifyError('MANIFEST_INVALID', `manifest ${what} is not a JSON object`);
    }
    const mediaType = typeof json.mediaType === 'string' ? json.mediaType : String(res.headers['content-type'] ?? '').split(';')[0].trim();
    const indexLike = INDEX_TYPES.includes(mediaType) || Array.isArray(json.manifests);
    if (indexLike ? !Array.isArray(json.manifests) : !Array.isArray(json.layers)) {
      throw new VerifyError('MANIFEST_INVALID', `manifest ${what} (${mediaType || 'no media type'}) has no ${indexLike ? 'manifests' : 'layers'} list`);
    }
    return { digest, mediaType, bytes: res.body, json };
  }

  private scheme(host: string): 'http:' | 'https:' {
    return isLoopbackHost(host) || this.insecure.has(host) ? 'http:' : 'https:';
  }

  /** GET with retries, redirects (credentials dropped off-host) and the auth challenge flow */
  private async get(ref: RegistryRef, path: string, accept: string, maxBytes: number): Promise<HttpResponse> {
    const origin = `${this.scheme(ref.host)}//${ref.host}`;
    const scope = `repository:${ref.repository}:pull`;
    let challenged = false;
    for (;;) {
      const res = await this.follow(new URL(path, origin), origin, accept, maxBytes, this.authorization(ref.host, scope));
      if (res.status !== 401) return res;
      if (res.url.origin !== origin) {
        // a host a redirect pointed at does not get to choose where the registry's credentials go
        throw new VerifyError('REGISTRY_UNAUTHORIZED', `${redact(res.url)}, where ${ref.registry} redirected ${path}, answered 401; `
          + `its challenge is not answered: credentials go only to ${ref.registry} and the token service it names`);
      }
      const challenge = parseChallenge(res.headers['www-authenticate']);
      if (challenged || !challenge) {
        throw new VerifyError('REGISTRY_UNAUTHORIZED', `${ref.registry} refused ${path} (401)${challenged ? ' with the credentials given' : ' without an auth challenge'}`,
          { fix: `log in (docker login ${ref.registry}, stored in ~/.docker/config.json) or set ISB_REGISTRY_USERNAME/ISB_REGISTRY_PASSWORD` });
      }
      challenged = true;
      await this.answer(ref, challenge, scope);
    }
  }

  private authorization(host: string, scope: string): string | undefined {
    const a = this.auth.get(host);
    if (!a) return undefined;
    const token = a.tokens.get(scope);
    return token !== undefined ? `Bearer ${token}` : a.basic;
  }

  private async answer(ref: RegistryRef, challenge: Challenge, scope: string): Promise<void> {
    const creds = this.opts.credentials?.(ref.registry);
    const state = this.auth.get(ref.host) ?? { tokens: new Map<string, string>() };
    this.auth.set(ref.host, state);
    if (challenge.scheme === 'basic') {
      if (!creds) {
        throw new VerifyError('REGISTRY_UNAUTHORIZED', `${ref.registry} requires Basic authentication and no credentials are configured for it`,
          { fix: `docker login ${ref.registry}, or set ISB_REGISTRY_USERNAME/ISB_REGISTRY_PASSWORD` });
      }
      state.basic = basicHeader(creds);
      return;
    }
    const realm = challenge.params.realm;
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new VerifyError('REGISTRY_UNAUTHORIZED', `${ref.registry} sent a Bearer challenge without a valid realm URL`);
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && (isLoopbackHost(url.host) || this.insecure.has(url.host)))) {
      throw new VerifyError('REGISTRY_INSECURE_REFUSED', `token realm ${redact(url)} is not HTTPS; refusing to ask it for a token`);
    }
    if (challenge.params.service !== undefined) url.searchParams.set('service', challenge.params.service);
    url.searchParams.set('scope', challenge.params.scope ?? scope);
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (creds) headers.Authorization = basicHeader(creds);
    const res = await this.withRetries(() => this.transport.request({ method: 'GET', url, headers, maxBytes: MAX_TOKEN_BYTES }));
    if (res.status !== 200) {
      throw new VerifyError('REGISTRY_UNAUTHORIZED', `token service ${redact(url)} answered ${res.status} for ${scope}`,
        { fix: creds ? 'check the registry credentials' : `docker login ${ref.registry}` });
    }
    const body = parseJson(res.body, `token response of ${redact(url)}`);
    const token = typeof body?.token === 'string' ? body.token : typeof body?.access_token === 'string' ? body.access_token : undefined;
    if (!token) throw new VerifyError('REGISTRY_UNAUTHORIZED', `token service ${redact(url)} returned no token`);
    state.tokens.set(scope, token);
  }

  /** sends, following redirects; Authorization travels only to `origin` */
  private async follow(url: URL, origin: string, accept: string, maxBytes: number, authorization?: string): Promise<HttpResponse> {
    let current = url;
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { Accept: accept };
      if (authorization !== undefined && current.origin === origin) headers.Authorization = authorization;
      const res = await this.withRetries(() => this.transport.request({ method: 'GET', url: current, headers, maxBytes }));
      if (![301, 302, 303, 307, 308].includes(res.status)) return res;
      const location = res.headers.location;
      if (!location) return res;
      if (hop >= MAX_REDIRECTS) throw new VerifyError('REGISTRY_ERROR', `more than ${MAX_REDIRECTS} redirects from ${redact(url)}`);
      const next = new URL(location, current);
      if (next.protocol === 'http:' && !(isLoopbackHost(next.host) || this.insecure.has(next.host))) {
        throw new VerifyError('REGISTRY_INSECURE_REFUSED', `redirect from ${redact(current)} to plain HTTP ${redact(next)} refused`,
          { fix: `pass --insecure-registry ${next.host} only if that host is trusted` });
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new VerifyError('REGISTRY_ERROR', `redirect to unsupported URL scheme ${next.protocol}`);
      current = next;
    }
  }

  private async withRetries(send: () => Promise<HttpResponse>): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt++) {
      let res: HttpResponse | undefined;
      try {
        res = await send();
      } catch (e) {
        const transient = e instanceof VerifyError && (e.code === 'REGISTRY_ERROR' || e.code === 'REGISTRY_TIMEOUT');
        if (!transient || attempt >= this.retries) throw e;
      }
      if (res && !(res.status === 429 || res.status >= 500)) return res;
      if (res && attempt >= this.retries) return res;
      await new Promise((r) => setTimeout(r, this.retryDelayMs * 2 ** attempt));
    }
  }
}

/** How the referrers of a digest were listed, and what they are. */
export interface ReferrersListing {
  readonly descriptors: Descriptor[];
  /** `api`: the referrers API; `fallback-tag`: the `sha256-<hex>` index; `none`: neither exists */
  readonly via: 'api' | 'fallback-tag' | 'none';
}

/** one promise per key while it is pending: concurrent callers share a request, later ones make their own */
function singleFlight<T>(inFlight: Map<string, Promise<T>>, key: string, start: () => Promise<T>): Promise<T> {
  let p = inFlight.get(key);
  if (!p) {
    p = start();
    inFlight.set(key, p);
    const done = () => { inFlight.delete(key); };
    p.then(done, done);
  }
  return p;
}

/** does a distribution error body (`{"errors":[{"code":…}]}`) carry this code */
function hasErrorCode(res: HttpResponse, code: string): boolean {
  try {
    const errors = JSON.parse(res.body.toString('utf8'))?.errors;
    return Array.isArray(errors) && errors.some((e: any) => e?.code === code);
  } catch {
    return false;
  }
}

function checkDigestSyntax(digest: string): void {
  if (!/^sha256:[a-f0-9]{64}$/.test(digest)) throw new VerifyError('MANIFEST_INVALID', `not a sha256 digest: ${JSON.stringify(digest)}`);
}

function parseJson(body: Buffer, what: string): any {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new VerifyError('MANIFEST_INVALID', `${what} is not valid JSON`);
  }
}

function indexEntries(json: any, what: string): Descriptor[] {
  if (!json || !Array.isArray(json.manifests)) throw new VerifyError('MANIFEST_INVALID', `${what} is not an image index`);
  return json.manifests.filter((d: any) => d && typeof d.digest === 'string' && /^sha256:[a-f0-9]{64}$/.test(d.digest));
}

function statusError(res: HttpResponse, what: string): VerifyError {
  let detail = '';
  try {
    const e = JSON.parse(res.body.toString('utf8'))?.errors?.[0];
    if (e) detail = `: ${String(e.code ?? '')} ${String(e.message ?? '')}`.slice(0, 200);
  } catch {
    // not a distribution error body
  }
  if (res.status === 401 || res.status === 403) return new VerifyError('REGISTRY_UNAUTHORIZED', `${what}: HTTP ${res.status}${detail}`);
  return new VerifyError('REGISTRY_ERROR', `${what}: HTTP ${res.status}${detail}`);
}

export function isIndex(m: Manifest): boolean {
  return INDEX_TYPES.includes(m.mediaType) || Array.isArray(m.json.manifests);
}
