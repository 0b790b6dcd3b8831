import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A GitHub REST stand-in on 127.0.0.1 for `tofu apply` of the synthesized stacks (GitHub's API
 * cannot run here). It emulates only what terraform-provider-github v6.6.0 calls for the resources
 * our stacks use (read from that release's github/*.go), under the GHES prefix `/api/v3/` that the
 * provider uses for any non-github.com `base_url`:
 *   - GET /orgs/:org (the provider's owner check), GET /repos/:o/:r (data github_repository)
 *   - Actions secrets public keys of repositories and the organization: one X25519 key pair each,
 *     made with libsodium; the private halves stay here, so the test can open what arrives
 *   - PUT/GET/DELETE of repository and organization Actions secrets (timestamps fixed at creation,
 *     so a refresh sees no drift), the selected repositories of an org secret
 *   - GET/PUT of repository contents and GET of the commit a PUT created
 * Everything else answers 404 and is recorded in `unhandled`. Tokens are not checked. Every
 * request is recorded (method, path, body) so the test can assert that nothing else landed.
 */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly body?: any;
}

export interface StoredSecret {
  readonly scope: 'repository' | 'organization';
  /** repository name or organization login */
  readonly owner: string;
  readonly name: string;
  readonly keyId: string;
  readonly encryptedValue: string;
  readonly visibility?: string;
  readonly selectedRepositoryIds?: number[];
}

interface KeyPair { readonly keyId: string; readonly publicKey: Uint8Array; readonly privateKey: Uint8Array }

export interface GitHubApiStandIn {
  /** `http://127.0.0.1:PORT/` (the provider's base_url / GITHUB_BASE_URL) */
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  readonly unhandled: RecordedRequest[];
  /** secrets as they were last PUT, by `scope:owner:name` */
  readonly secrets: Map<string, StoredSecret>;
  /** repository files as they were last PUT: `repo:path` → decoded content */
  files(): Record<string, string>;
  /** the Actions public key of a repository (or, with org true, of the organization), as the API answers */
  publicKey(name: string, org?: boolean): { keyId: string; key: string };
  /** opens an `encrypted_value` with the private key of `keyId` (throws when it does not open) */
  open(encryptedValue: string, keyId: string): string;
  stop(): Promise<void>;
}

export async function startGitHubApi(opts: { org: string; repositories: string[] }): Promise<GitHubApiStandIn> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sodium: typeof import('libsodium-wrappers') = require('libsodium-wrappers');
  await sodium.ready;
  const keys = new Map<string, KeyPair>();
  const byId = new Map<string, KeyPair>();
  let nextKeyId = 568250167242549743n;
  const keyFor = (k: string): KeyPair => {
    let kp = keys.get(k);
    if (!kp) {
      const p = sodium.crypto_box_keypair();
      kp = { keyId: String(nextKeyId++), publicKey: p.publicKey, privateKey: p.privateKey };
      keys.set(k, kp);
      byId.set(kp.keyId, kp);
    }
    return kp;
  };
  const repoIds = new Map(opts.repositories.map((r, i) => [r, 1000 + i]));
  const requests: RecordedRequest[] = [];
  const unhandled: RecordedRequest[] = [];
  const secrets = new Map<string, StoredSecret & { createdAt: string; updatedAt: string }>();
  const files = new Map<string, { content: string; sha: string; commit: string; message: string }>();
  let seq = 0;
  const stamp = () => new Date(Date.UTC(2026, 0, 1, 0, 0, seq++)).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const hex = (n: number) => n.toString(16).padStart(40, '0');
  let server: http.Server;
  let baseUrl = '';

  const repoJson = (name: string) => ({
    id: repoIds.get(name),
    node_id: `R_${name}`,
    name,
    full_name: `${opts.org}/${name}`,
    owner: { login: opts.org, type: 'Organization' },
    private: true,
    visibility: 'private',
    default_branch: 'main',
    html_url: `https://github.example/${opts.org}/${name}`,
    has_pages: false,
    archived: false,
    topics: [],
  });

  const handle = (method: string, p: string, body: any): [number, any] | undefined => {
    const m = (re: RegExp) => re.exec(p);
    let r: RegExpExecArray | null;
    if ((r = m(/^\/orgs\/([^/]+)$/)) && method === 'GET') return r[1] === opts.org ? [200, { login: opts.org, id: 42, type: 'Organization' }] : [404, { message: 'Not Found' }];
    if ((r = m(/^\/repos\/([^/]+)\/([^/]+)$/)) && method === 'GET') {
      return r[1] === opts.org && repoIds.has(r[2]) ? [200, repoJson(r[2])] : [404, { message: 'Not Found' }];
    }
    const secretRoute = (scope: 'repository' | 'organization', owner: string, rest: string): [number, any] | undefined => {
      const known = scope === 'organization' ? owner === opts.org : repoIds.has(owner);
      if (!known) return [404, { message: 'Not Found' }];
      if (rest === 'public-key' && method === 'GET') {
        const k = keyFor(`${scope}:${owner}`);
        return [200, { key_id: k.keyId, key: Buffer.from(k.publicKey).toString('base64') }];
      }
      const sel = /^([A-Za-z0-9_]+)\/repositories$/.exec(rest);
      if (sel && method === 'GET' && scope === 'organization') {
        const s = secrets.get(`${scope}:${owner}:${sel[1]}`);
        if (!s) return [404, { message: 'Not Found' }];
        const ids = s.selectedRepositoryIds ?? [];
        return [200, { total_count: ids.length, repositories: ids.map((id) => ({ id })) }];
      }
      const name = /^([A-Za-z0-9_]+)$/.exec(rest)?.[1];
      if (!name) return undefined;
      const key = `${scope}:${owner}:${name}`;
      if (method === 'PUT') {
        const prev = secrets.get(key);
        const t = stamp();
        secrets.set(key, {
          scope,
          owner,
          name,
          keyId: body?.key_id,
          encryptedValue: body?.encrypted_value,
          visibility: body?.visibility,
          selectedRepositoryIds: body?.selected_repository_ids,
          createdAt: prev?.createdAt ?? t,
          updatedAt: t,
        });
        return [prev ? 204 : 201, {}];
      }
      const s = secrets.get(key);
      if (method === 'GET') {
        return s ? [200, { name, created_at: s.createdAt, updated_at: s.updatedAt, ...(s.visibility ? { visibility: s.visibility } : {}) }] : [404, { message: 'Not Found' }];
      }
      if (method === 'DELETE') {
        secrets.delete(key);
        return [204, undefined];
      }
      return undefined;
    };
    if ((r = m(/^\/repos\/([^/]+)\/([^/]+)\/actions\/secrets\/(.+)$/)) && r[1] === opts.org) return secretRoute('repository', r[2], r[3]);
    if ((r = m(/^\/orgs\/([^/]+)\/actions\/secrets\/(.+)$/))) return secretRoute('organization', r[1], r[2]);
    if ((r = m(/^\/repos\/([^/]+)\/([^/]+)\/contents\/(.+)$/)) && r[1] === opts.org && repoIds.has(r[2])) {
      const repo = r[2];
      const file = decodeURIComponent(r[3]);
      const key = `${repo}:${file}`;
      const fileJson = (f: { content: string; sha: string }) => ({
        type: 'file',
        encoding: 'base64',
        name: file.split('/').pop(),
        path: file,
        sha: f.sha,
        size: Buffer.byteLength(f.content),
        content: Buffer.from(f.content).toString('base64'),
        url: `${baseUrl}api/v3/repos/${opts.org}/${repo}/contents/${file}?ref=main`,
      });
      if (method === 'GET') {
        const f = files.get(key);
        return f ? [200, fileJson(f)] : [404, { message: 'Not Found' }];
      }
      if (method === 'PUT') {
        const prev = files.get(key);
        if (prev && body?.sha !== prev.sha) return [409, { message: `${file} does not match ${body?.sha}` }];
        const n = ++seq;
        const f = { content: Buffer.from(String(body?.content ?? ''), 'base64').toString('utf8'), sha: hex(n * 2), commit: hex(n * 2 + 1), message: String(body?.message ?? '') };
        files.set(key, f);
        return [prev ? 200 : 201, { content: fileJson(f), commit: { sha: f.commit, message: f.message } }];
      }
    }
    if ((r = m(/^\/repos\/([^/]+)\/([^/]+)\/commits\/([0-9a-f]{40})$/)) && method === 'GET') {
      const f = [...files.entries()].find(([k, v]) => k.startsWith(`${r![2]}:`) && v.commit === r![3])?.[1];
      return f ? [200, { sha: f.commit, commit: { message: f.message, committer: { name: 'GitHub', email: 'noreply@github.com' } } }] : [404, { message: 'Not Found' }];
    }
    return undefined;
  };

  server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => { raw += String(c); });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      let body: any;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = raw;
      }
      const p = url.pathname.startsWith('/api/v3/') ? url.pathname.slice('/api/v3'.length) : undefined;
      const rec: RecordedRequest = { method: req.method ?? 'GET', path: p ?? url.pathname, body };
      requests.push(rec);
      const out = p ? handle(rec.method, p, body) : undefined;
      if (!out) unhandled.push(rec);
      const [status, json] = out ?? [404, { message: 'Not Found (not emulated by the stand-in)' }];
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(json === undefined ? undefined : JSON.stringify(json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  return {
    baseUrl,
    requests,
    unhandled,
    secrets,
    files: () => Object.fromEntries([...files.entries()].map(([k, v]) => [k, v.content])),
    publicKey(name, org) {
      const k = keyFor(`${org ? 'organization' : 'repository'}:${name}`);
      return { keyId: k.keyId, key: Buffer.from(k.publicKey).toString('base64') };
    },
    open(encryptedValue, keyId) {
      const kp = byId.get(keyId);
      if (!kp) throw new Error(`no key ${keyId}`);
      const opened = sodium.crypto_box_seal_open(new Uint8Array(Buffer.from(encryptedValue, 'base64')), kp.publicKey, kp.privateKey);
      return Buffer.from(opened).toString('utf8');
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
