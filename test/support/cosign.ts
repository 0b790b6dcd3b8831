import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './fixtures';
import { InteropTool, requireInteropTool } from './interop';

/**
 * Real cosign (built by interop/build.sh) run offline: HOME is a temp folder, TUF_ROOT an empty
 * temp folder and TUF_MIRROR points at a closed loopback port, so cosign never refreshes the
 * public Sigstore TUF root (it only logs "could not find cached root.json" and goes on). The
 * registry is a loopback one (127.0.0.1:PORT), which cosign reaches over plain HTTP by itself.
 */
export type CosignVersion = 'cosign-v2' | 'cosign-v3' | 'cosign-v3.0';

/** Every pinned cosign, oldest major first. */
export const COSIGN_VERSIONS: readonly CosignVersion[] = ['cosign-v2', 'cosign-v3.0', 'cosign-v3'];

export interface CosignResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** the command line, for messages */
  readonly command: string;
}

export interface CosignRunOptions {
  /** extra environment (merged over the offline environment) */
  readonly env?: Record<string, string>;
  /** COSIGN_PASSWORD; default '' when not given */
  readonly password?: string;
  readonly cwd?: string;
  /** default 120 s */
  readonly timeoutMs?: number;
}

let offlineHome: string | undefined;

/** The offline environment cosign runs with (one temp HOME and empty TUF_ROOT per test process). */
export function cosignEnv(extra: Record<string, string> = {}): Record<string, string> {
  if (!offlineHome || !fs.existsSync(offlineHome)) {
    offlineHome = tempDir('isb-cosign-home-');
    fs.mkdirSync(path.join(offlineHome, 'tuf'));
  }
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: offlineHome,
    TUF_ROOT: path.join(offlineHome, 'tuf'),
    TUF_MIRROR: 'http://127.0.0.1:9',
    SIGSTORE_NO_CACHE: 'true',
    COSIGN_EXPERIMENTAL: '0',
    ...extra,
  };
}

/** Run `cosign-<version> args…` with the offline environment. Never throws on a non-zero exit. */
export function cosign(version: CosignVersion, args: string[], opts: CosignRunOptions = {}): Promise<CosignResult> {
  const bin = requireInteropTool(version as InteropTool);
  const env = cosignEnv({ COSIGN_PASSWORD: opts.password ?? '', ...(opts.env ?? {}) });
  const command = `${version} ${args.join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => { stdout += String(c); });
    child.stderr.on('data', (c) => { stderr += String(c); });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr, command });
    });
  });
}

/** Throw with cosign's output unless it exited 0. */
export function ok(r: CosignResult): CosignResult {
  if (r.code !== 0) throw new Error(`${r.command} exited ${r.code}:\n${r.stderr}\n${r.stdout}`);
  return r;
}

export function isV3(version: CosignVersion): boolean {
  return version !== 'cosign-v2';
}

/** How a signature is stored: legacy `.sig`/`.att` tags, or a Sigstore bundle attached as an OCI referrer. */
export type CosignFormat = 'legacy' | 'bundle';

/**
 * Flags that sign offline (no Rekor upload, no Fulcio, no TUF signing config) in a format, per
 * version (cmd/cosign/cli/options/sign.go and signcommon/common.go of each pinned release):
 * v2 signs legacy by default and bundles with --new-bundle-format; v3 signs bundles by default with
 * the TUF signing config, which --tlog-upload=false conflicts with, so --use-signing-config=false.
 */
export function offlineSignFlags(version: CosignVersion, format: CosignFormat): string[] {
  if (!isV3(version)) return format === 'bundle' ? ['--new-bundle-format=true', '--tlog-upload=false'] : ['--tlog-upload=false'];
  return format === 'bundle'
    ? ['--use-signing-config=false', '--tlog-upload=false']
    : ['--new-bundle-format=false', '--use-signing-config=false', '--tlog-upload=false'];
}

/**
 * A TrustedRoot with no authorities: cosign v2 refuses to read a bundle without a trusted root
 * ("trusted root is required when using new bundle format") and would fetch the public one through
 * TUF; a key-signed bundle without a tlog entry needs none of its contents.
 */
export function emptyTrustedRoot(): string {
  const file = path.join(cosignEnv().HOME, 'empty-trusted-root.json');
  if (!fs.existsSync(file)) fs.writeFileSync(file, JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1' }));
  return file;
}

/** Flags that verify a key signature without a tlog in a format (v2 reads bundles only when told, and with a trusted root). */
export function offlineVerifyFlags(version: CosignVersion, format: CosignFormat): string[] {
  const f = ['--insecure-ignore-tlog=true'];
  if (format === 'bundle' && !isV3(version)) f.push('--new-bundle-format=true', '--trusted-root', emptyTrustedRoot());
  return f;
}

export interface SignOptions {
  /** private key file (cosign.key); with the password */
  readonly key: string;
  readonly password?: string;
  /** default 'legacy' for v2, 'bundle' for v3 */
  readonly format?: CosignFormat;
  /** more flags (e.g. --recursive, --certificate …, -a k=v) */
  readonly flags?: string[];
}

export function defaultFormat(version: CosignVersion): CosignFormat {
  return isV3(version) ? 'bundle' : 'legacy';
}

/** `cosign sign --yes --key … <offline flags> … image` */
export function cosignSign(version: CosignVersion, image: string, o: SignOptions): Promise<CosignResult> {
  const format = o.format ?? defaultFormat(version);
  return cosign(version, ['sign', '--yes', '--key', o.key, ...offlineSignFlags(version, format), ...(o.flags ?? []), image], { password: o.password });
}

export interface VerifyOptions {
  /** public key file; omit for certificate verification (give flags) */
  readonly key?: string;
  readonly format?: CosignFormat;
  readonly flags?: string[];
}

/** `cosign verify [--key …] <offline flags> … image` */
export function cosignVerify(version: CosignVersion, image: string, o: VerifyOptions): Promise<CosignResult> {
  const format = o.format ?? defaultFormat(version);
  const key = o.key ? ['--key', o.key] : [];
  return cosign(version, ['verify', ...key, ...offlineVerifyFlags(version, format), ...(o.flags ?? []), image]);
}

export interface AttestOptions extends SignOptions {
  /** predicate file */
  readonly predicate: string;
  /** --type: slsaprovenance, spdxjson, cyclonedx, custom or a URI */
  readonly type: string;
}

/** `cosign attest --yes --key … --type … --predicate … image` */
export function cosignAttest(version: CosignVersion, image: string, o: AttestOptions): Promise<CosignResult> {
  const format = o.format ?? defaultFormat(version);
  return cosign(version, ['attest', '--yes', '--key', o.key, ...offlineSignFlags(version, format), '--type', o.type, '--predicate', o.predicate, ...(o.flags ?? []), image], { password: o.password });
}

/** `cosign verify-attestation --key … --type … image` */
export function cosignVerifyAttestation(version: CosignVersion, image: string, o: VerifyOptions & { type: string }): Promise<CosignResult> {
  const format = o.format ?? defaultFormat(version);
  const key = o.key ? ['--key', o.key] : [];
  return cosign(version, ['verify-attestation', ...key, '--type', o.type, ...offlineVerifyFlags(version, format), ...(o.flags ?? []), image]);
}

/** `cosign generate-key-pair` in a fresh folder: the paths of cosign.key and cosign.pub. */
export async function cosignGenerateKeyPair(version: CosignVersion, password: string, dir = tempDir('isb-cosign-keys-')): Promise<{ dir: string; key: string; pub: string }> {
  ok(await cosign(version, ['generate-key-pair'], { password, cwd: dir }));
  return { dir, key: path.join(dir, 'cosign.key'), pub: path.join(dir, 'cosign.pub') };
}

/** `cosign public-key --key <file>`: the public key PEM cosign derives (stdout). */
export async function cosignPublicKey(version: CosignVersion, keyFile: string, password: string): Promise<string> {
  return ok(await cosign(version, ['public-key', '--key', keyFile], { password })).stdout;
}
