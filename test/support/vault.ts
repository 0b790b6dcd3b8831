import { generateKeyPairSync, KeyObject, randomBytes, sign } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { startUntil, stopChild } from './kms';
import { freePort } from './registry';

/** A Vault-compatible dev server (OpenBao's `bao server -dev -dev-tls`; HashiCorp Vault takes the same flags) on 127.0.0.1. */
export interface VaultDev {
  /** `https://127.0.0.1:PORT` */
  readonly addr: string;
  /** the dev server's CA certificate (VAULT_CACERT) */
  readonly caFile: string;
  /** the dev root token */
  readonly rootToken: string;
  /** one call of Vault's HTTP API with the root token (or `token`); the parsed JSON answer (or {} for 204) */
  api(method: string, apiPath: string, body?: unknown, token?: string): Promise<any>;
  stop(): Promise<void>;
}

/**
 * `<bin> server -dev -dev-tls`: in-memory storage, unsealed, a root token we choose, TLS with a CA
 * it writes to -dev-tls-cert-dir (vault-ca.pem). HOME is a temp folder and -dev-no-store-token
 * keeps the token out of ~/.vault-token. The API is called with node's https and the dev CA.
 */
export async function startVault(bin: string, dir: string): Promise<VaultDev> {
  fs.mkdirSync(path.join(dir, 'tls'), { recursive: true });
  const port = await freePort();
  const rootToken = `isb-${randomBytes(12).toString('hex')}`;
  const { child } = await startUntil(bin, ['server', '-dev', '-dev-tls', `-dev-tls-cert-dir=${path.join(dir, 'tls')}`,
    `-dev-listen-address=127.0.0.1:${port}`, `-dev-root-token-id=${rootToken}`, '-dev-no-store-token'],
  /server started/i, { HOME: dir, PATH: '/usr/bin:/bin' });
  const addr = `https://127.0.0.1:${port}`;
  const caFile = path.join(dir, 'tls', 'vault-ca.pem');
  const ca = fs.readFileSync(caFile, 'utf8');
  const api = (method: string, apiPath: string, body?: unknown, token = rootToken) => new Promise<any>((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request(`${addr}/v1/${apiPath}`, {
      method, ca, agent: false, headers: { 'x-vault-token': token, ...(data ? { 'content-type': 'application/json' } : {}) },
    }, (res) => {
      let text = '';
      res.on('data', (c) => { text += String(c); });
      res.on('end', () => {
        if ((res.statusCode ?? 0) >= 300) reject(new Error(`Vault ${method} ${apiPath}: HTTP ${res.statusCode} ${text}`));
        else resolve(text ? JSON.parse(text) : {});
      });
    });
    req.on('error', reject);
    req.end(data);
  });
  // ready when the API answers (the log line comes first)
  for (let i = 0; ; i++) {
    try {
      await api('GET', 'sys/health');
      break;
    } catch (e) {
      if (i > 100) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { addr, caFile, rootToken, api, stop: () => stopChild(child) };
}

/**
 * A stand-in for GitHub Actions' OIDC token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL, which only a
 * runner has): GET with `Authorization: bearer <request token>`, optional `audience` query; answers
 * `{"value": JWT}` with the claims GitHub documents (iss https://token.actions.githubusercontent.com,
 * aud default https://github.com/OWNER, sub repo:OWNER/REPO:ref:REF, repository, ref), signed ES256
 * with a key whose public half `publicKeyPem` a JWT auth method can be configured with.
 */
export interface GitHubOidcStandIn {
  readonly requestUrl: string;
  readonly requestToken: string;
  readonly publicKeyPem: string;
  readonly issued: Record<string, unknown>[];
  close(): Promise<void>;
}

/** `claims` is read at each request: change its fields to issue tokens for another repository or ref */
export async function startGitHubOidc(claims: { repository: string; ref: string }): Promise<GitHubOidcStandIn> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const requestToken = randomBytes(16).toString('hex');
  const issued: Record<string, unknown>[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.headers.authorization !== `bearer ${requestToken}` || url.pathname !== '/token') {
      res.writeHead(401);
      res.end();
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    const body = {
      iss: 'https://token.actions.githubusercontent.com',
      aud: url.searchParams.get('audience') ?? `https://github.com/${claims.repository.split('/')[0]}`,
      sub: `repo:${claims.repository}:ref:${claims.ref}`,
      repository: claims.repository,
      ref: claims.ref,
      iat: now,
      nbf: now - 5,
      exp: now + 300,
    };
    issued.push(body);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ value: es256Jwt(privateKey, body) }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    requestUrl: `http://127.0.0.1:${port}/token?api-version=2.0`,
    requestToken,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    issued,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

function es256Jwt(key: KeyObject, claims: Record<string, unknown>): string {
  const b64 = (x: unknown) => Buffer.from(JSON.stringify(x)).toString('base64url');
  const input = `${b64({ alg: 'ES256', typ: 'JWT', kid: 'isb-test' })}.${b64(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}
