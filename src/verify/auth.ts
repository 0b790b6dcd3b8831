import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Registry credentials (never logged, never put into errors). */
export interface BasicCredentials {
  readonly username: string;
  readonly password: string;
}

/** Where credentials for a registry come from; undefined = anonymous. */
export type CredentialResolver = (registry: string) => BasicCredentials | undefined;

/** env vars holding credentials for the registry of the image being verified (like cosign's --registry-username/--registry-password) */
export const USERNAME_ENV = 'ISB_REGISTRY_USERNAME';
export const PASSWORD_ENV = 'ISB_REGISTRY_PASSWORD';

/**
 * Credentials as the docker CLI stores them: `$DOCKER_CONFIG/config.json` (default
 * `~/.docker/config.json`) `auths[<registry>]` with `auth` (base64 `user:password`) or
 * `username`/`password`. Credential helpers (`credsStore`, `credHelpers`) are not run.
 * `ISB_REGISTRY_USERNAME`/`ISB_REGISTRY_PASSWORD` apply to `envRegistry` only.
 */
export function dockerConfigCredentials(env: Record<string, string | undefined>, envRegistry?: string): CredentialResolver {
  const dir = env.DOCKER_CONFIG ?? path.join(env.HOME ?? os.homedir(), '.docker');
  let auths: Record<string, any> = {};
  try {
    const parsed = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    if (parsed && typeof parsed.auths === 'object' && parsed.auths !== null) auths = parsed.auths;
  } catch {
    // no docker config: anonymous unless the env names credentials
  }
  const fromEnv = env[USERNAME_ENV] !== undefined && env[PASSWORD_ENV] !== undefined
    ? { username: env[USERNAME_ENV]!, password: env[PASSWORD_ENV]! } : undefined;
  return (registry) => {
    if (fromEnv && envRegistry !== undefined && registry === envRegistry) return fromEnv;
    for (const key of authKeys(registry)) {
      const entry = auths[key];
      if (!entry || typeof entry !== 'object') continue;
      if (typeof entry.auth === 'string' && entry.auth !== '') {
        const text = Buffer.from(entry.auth, 'base64').toString('utf8');
        const colon = text.indexOf(':');
        if (colon > 0) return { username: text.slice(0, colon), password: text.slice(colon + 1) };
      }
      if (typeof entry.username === 'string' && typeof entry.password === 'string') {
        return { username: entry.username, password: entry.password };
      }
    }
    return undefined;
  };
}

function authKeys(registry: string): string[] {
  if (registry === 'docker.io') return ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];
  return [registry, `https://${registry}`, `http://${registry}`, `https://${registry}/v1/`, `https://${registry}/v2/`];
}

/** One parsed `WWW-Authenticate` challenge. */
export interface Challenge {
  readonly scheme: 'basic' | 'bearer';
  readonly params: Readonly<Record<string, string>>;
}

/** parses `Bearer realm="…",service="…",scope="…"` / `Basic realm="…"` (first known scheme wins) */
export function parseChallenge(header: string | string[] | undefined): Challenge | undefined {
  const values = Array.isArray(header) ? header : header !== undefined ? [header] : [];
  for (const v of values) {
    const m = /^\s*(Basic|Bearer)\b\s*(.*)$/i.exec(v);
    if (!m) continue;
    const params: Record<string, string> = {};
    const re = /([A-Za-z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?/g;
    let p: RegExpExecArray | null;
    while ((p = re.exec(m[2])) !== null) {
      params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3];
    }
    return { scheme: m[1].toLowerCase() as 'basic' | 'bearer', params };
  }
  return undefined;
}

export function basicHeader(c: BasicCredentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')}`;
}
