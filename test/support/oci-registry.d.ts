// Types of oci-registry.js (the one implementation the tests and the bench share).

/** A real docker-registry (distribution 2.8) on 127.0.0.1, started by startDockerRegistry. */
export interface TestRegistry {
  /** `127.0.0.1:<port>` */
  readonly host: string;
  readonly baseUrl: string;
  readonly pid: number;
  /** Basic credentials when started with htpasswd */
  readonly auth?: { readonly username: string; readonly password: string };
  stop(): Promise<void>;
}

/** One line of the registry's access log. */
export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

export interface DockerRegistry extends TestRegistry {
  /** access log lines (only with `accessLog: true`) */
  readonly accessLog: string[];
  /** CPU ms the registry process has used so far (/proc); undefined off Linux */
  cpuMs(): number | undefined;
  /** waits until every request answered so far is logged; the log position after it */
  mark(): Promise<number>;
  /** requests logged after the mark `from` (an earlier `mark()`) up to a new mark */
  requestsSince(from?: number): Promise<LoggedRequest[]>;
}

export interface StartOptions {
  /** storage folder; default a fresh temp folder */
  readonly dir?: string;
  /** keep `dir` on stop (a store reused by a later run) */
  readonly keepDir?: boolean;
  readonly htpasswd?: { readonly username: string; readonly password: string };
  /** collect the access log */
  readonly accessLog?: boolean;
}

export interface PushedImage {
  readonly repo: string;
  readonly digest: string;
  readonly manifest: any;
}

export const REGISTRY_BIN: string | undefined;
export function freePort(): Promise<number>;
export function basic(c: { username: string; password: string }): string;
export function sha256(bytes: Uint8Array): string;
export function processCpuMs(pid: number): number | undefined;
export function logMark(baseUrl: string, accessLog: string[]): Promise<number>;
export function startDockerRegistry(opts?: StartOptions): Promise<DockerRegistry>;
export function pushBlob(reg: TestRegistry, repo: string, bytes: Buffer): Promise<{ digest: string; size: number }>;
export function pushManifest(reg: TestRegistry, repo: string, reference: string, manifest: unknown, mediaType?: string): Promise<string>;
export function tarOf(name: string, content: Buffer): Buffer;
export function pushTinyImage(reg: TestRegistry, repo: string, tag: string, content?: string, arch?: string): Promise<PushedImage>;
export function pushIndex(reg: TestRegistry, repo: string, tag: string, platforms: { image: PushedImage; arch: string }[]): Promise<string>;
