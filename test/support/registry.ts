import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { tempDir } from './fixtures';

/**
 * A real Debian `docker-registry` (distribution 2.8) on 127.0.0.1 with temp storage, started per
 * test file and killed by its PID. Never binds anything but 127.0.0.1.
 */
export interface TestRegistry {
  /** `127.0.0.1:<port>` */
  readonly host: string;
  readonly baseUrl: string;
  readonly pid: number;
  /** Basic credentials when started with htpasswd */
  readonly auth?: { readonly username: string; readonly password: string };
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function startRegistry(opts: { htpasswd?: { username: string; password: string } } = {}): Promise<TestRegistry> {
  const dir = tempDir('isb-registry-');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  let authYaml = '';
  if (opts.htpasswd) {
    const r = spawnSync('htpasswd', ['-Bbn', opts.htpasswd.username, opts.htpasswd.password], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`htpasswd failed: ${r.stderr}`);
    fs.writeFileSync(path.join(dir, 'htpasswd'), r.stdout);
    authYaml = `auth:\n  htpasswd:\n    realm: isb-test\n    path: ${path.join(dir, 'htpasswd')}\n`;
  }
  fs.writeFileSync(path.join(dir, 'config.yml'), [
    'version: 0.1',
    'log:',
    '  level: error',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${path.join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${host}`,
    authYaml,
  ].join('\n'));
  const child: ChildProcess = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c) => { stderr += String(c); });
  const baseUrl = `http://${host}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}): ${stderr}`);
    try {
      const res = await fetch(`${baseUrl}/v2/`, { headers: opts.htpasswd ? { Authorization: basic(opts.htpasswd) } : {} });
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`docker-registry on ${host} not ready after 15 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host,
    baseUrl,
    pid: child.pid!,
    auth: opts.htpasswd,
    stop: async () => {
      const running = () => child.exitCode === null && child.signalCode === null;
      if (running()) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM'); // by this child's PID only
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([exited, new Promise((r) => { timer = setTimeout(r, 3000); })]);
        clearTimeout(timer);
        if (running()) child.kill('SIGKILL');
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function basic(c: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}

export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function headers(reg: TestRegistry, extra: Record<string, string> = {}): Record<string, string> {
  return reg.auth ? { ...extra, Authorization: basic(reg.auth) } : extra;
}

/** monolithic blob upload (POST then PUT ?digest=) */
export async function pushBlob(reg: TestRegistry, repo: string, bytes: Buffer): Promise<{ digest: string; size: number }> {
  const digest = sha256(bytes);
  const start = await fetch(`${reg.baseUrl}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers: headers(reg) });
  if (start.status !== 202) throw new Error(`blob upload start: ${start.status} ${await start.text()}`);
  const location = new URL(start.headers.get('location')!, reg.baseUrl);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, { method: 'PUT', headers: headers(reg, { 'Content-Type': 'application/octet-stream' }), body: bytes });
  if (put.status !== 201) throw new Error(`blob upload: ${put.status} ${await put.text()}`);
  return { digest, size: bytes.length };
}

export async function pushManifest(reg: TestRegistry, repo: string, reference: string, manifest: unknown, mediaType?: string): Promise<string> {
  const bytes = Buffer.from(JSON.stringify(manifest));
  const type = mediaType ?? (manifest as any).mediaType;
  const res = await fetch(`${reg.baseUrl}/v2/${repo}/manifests/${reference}`, { method: 'PUT', headers: headers(reg, { 'Content-Type': type }), body: bytes });
  if (res.status !== 201) throw new Error(`manifest push ${repo}:${reference}: ${res.status} ${await res.text()}`);
  return sha256(bytes);
}

/** a one-file tar archive (ustar), built by hand */
export function tarOf(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${content.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const pad = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, pad, Buffer.alloc(1024)]);
}

export interface PushedImage {
  readonly repo: string;
  readonly digest: string;
  readonly manifest: any;
}

/** a tiny OCI image (one gzipped tar layer + config), pushed as repo:tag */
export async function pushTinyImage(reg: TestRegistry, repo: string, tag: string, content = `hello ${tag}\n`, arch = 'amd64'): Promise<PushedImage> {
  const tar = tarOf('hello.txt', Buffer.from(content));
  const layer = gzipSync(tar, { level: 9 });
  const config = Buffer.from(JSON.stringify({ architecture: arch, os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [sha256(tar)] } }));
  const l = await pushBlob(reg, repo, layer);
  const c = await pushBlob(reg, repo, config);
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: c.digest, size: c.size },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size }],
  };
  const digest = await pushManifest(reg, repo, tag, manifest);
  return { repo, digest, manifest };
}

/** an OCI index of the given platform manifests, pushed as repo:tag */
export async function pushIndex(reg: TestRegistry, repo: string, tag: string, platforms: { image: PushedImage; arch: string }[]): Promise<string> {
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: platforms.map((p) => ({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: p.image.digest,
      size: Buffer.byteLength(JSON.stringify(p.image.manifest)),
      platform: { os: 'linux', architecture: p.arch },
    })),
  };
  return pushManifest(reg, repo, tag, index);
}

/**
 * go-containerregistry's `registry` (interop/ggcr, built by interop/build.sh): an in-memory OCI
 * registry, a second implementation next to docker-registry. Its only flag is `-port`; it listens
 * on `localhost:<port>` (cmd/registry/main.go), i.e. loopback only; `-port 0` picks a free port,
 * which it logs as "serving on port N". Killed by its PID.
 */
export async function startGgcrRegistry(bin: string): Promise<TestRegistry> {
  const child: ChildProcess = spawn(bin, ['-port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`ggcr registry not ready after 15 s: ${stderr}`)); }, 15_000);
    child.stderr?.on('data', (c) => {
      stderr += String(c);
      const m = /serving on port (\d+)/.exec(stderr);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`ggcr registry exited (${code}): ${stderr}`)); });
  });
  child.stderr?.removeAllListeners('data');
  child.stderr?.resume(); // its request log is not needed; keep the pipe drained
  const host = `127.0.0.1:${port}`;
  const res = await fetch(`http://${host}/v2/`);
  if (res.status !== 200) throw new Error(`ggcr registry on ${host}: GET /v2/ ${res.status}`);
  return {
    host,
    baseUrl: `http://${host}`,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM'); // by this child's PID only
        await exited;
      }
    },
  };
}
