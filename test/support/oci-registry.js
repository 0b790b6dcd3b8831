'use strict';
// One implementation of the loopback registry and the push helpers, for the tests (through
// registry.ts, typed by oci-registry.d.ts) and for the bench (plain node, bench/verify.js).
// Plain CommonJS so that both load the same file: the bench runs without a TypeScript step.
const { spawn, spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { gzipSync } = require('node:zlib');

/** the Debian docker-registry (distribution 2.8), or undefined when it is not installed */
const REGISTRY_BIN = ['/usr/bin/docker-registry', '/usr/sbin/docker-registry'].find((p) => fs.existsSync(p));

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function basic(c) {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}

function sha256(bytes) {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** CPU ms (user + system) a process has used so far, from /proc/<pid>/stat; undefined off Linux */
function processCpuMs(pid) {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    // fields 14 and 15 of proc(5) (utime, stime), in clock ticks; USER_HZ is 100 on Linux
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

/**
 * A real docker-registry on 127.0.0.1 with its storage in `opts.dir` (a fresh temp folder by
 * default, removed on stop), stopped by its own PID only. With `accessLog`, its access log (one
 * line per request, on stdout) is collected for `requestsSince`.
 */
async function startDockerRegistry(opts = {}) {
  if (!REGISTRY_BIN) throw new Error('docker-registry is not installed (Debian package docker-registry)');
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'isb-registry-'));
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
  const child = spawn(REGISTRY_BIN, ['serve', path.join(dir, 'config.yml')], { stdio: ['ignore', opts.accessLog ? 'pipe' : 'ignore', 'pipe'] });
  const accessLog = [];
  let partial = '';
  child.stdout?.on('data', (c) => {
    const lines = (partial + String(c)).split('\n');
    partial = lines.pop();
    accessLog.push(...lines);
  });
  let stderr = '';
  child.stderr.on('data', (c) => { stderr += String(c); });
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
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    host,
    baseUrl,
    pid: child.pid,
    auth: opts.htpasswd,
    accessLog,
    cpuMs: () => processCpuMs(child.pid),
    mark: () => logMark(baseUrl, accessLog),
    /** the requests logged after the mark `from` (an earlier `mark()`) and before a new mark */
    requestsSince: async (from = 0) => {
      const to = await logMark(baseUrl, accessLog);
      return accessLog.slice(from, to - 1)
        .map((l) => /"(\w+) (\S+) HTTP\/[\d.]+" (\d+)/.exec(l))
        .filter(Boolean)
        .map((m) => ({ method: m[1], path: m[2], status: Number(m[3]) }));
    },
    stop: async () => {
      if (running()) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM'); // by this child's PID only
        let timer;
        await Promise.race([exited, new Promise((r) => { timer = setTimeout(r, 3000); })]);
        clearTimeout(timer);
        if (running()) child.kill('SIGKILL');
      }
      if (!opts.keepDir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

let marks = 0;

/**
 * A registry logs a request after answering it, so a log line can arrive after the client has its
 * answer. A mark is a request of its own (`GET /v2/isb-mark/manifests/<id>`, a 404) that is awaited
 * until its line is in `accessLog`: every request answered before the mark was sent is then
 * logged too. Resolves with the log's length after the mark's line.
 */
async function logMark(baseUrl, accessLog) {
  const id = `m${process.pid}-${++marks}`;
  await (await fetch(`${baseUrl}/v2/isb-mark/manifests/${id}`)).arrayBuffer();
  const deadline = Date.now() + 10_000;
  for (;;) {
    const i = accessLog.findIndex((l) => l.includes(`/isb-mark/manifests/${id}`));
    if (i >= 0) return i + 1;
    if (Date.now() > deadline) throw new Error(`the registry did not log the mark ${id} within 10 s (was it started with accessLog?)`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function authHeaders(reg, extra = {}) {
  return reg.auth ? { ...extra, Authorization: basic(reg.auth) } : extra;
}

/** monolithic blob upload (POST, then PUT ?digest=) */
async function pushBlob(reg, repo, bytes) {
  const digest = sha256(bytes);
  const start = await fetch(`${reg.baseUrl}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers: authHeaders(reg) });
  if (start.status !== 202) throw new Error(`blob upload start: ${start.status} ${await start.text()}`);
  const location = new URL(start.headers.get('location'), reg.baseUrl);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, { method: 'PUT', headers: authHeaders(reg, { 'Content-Type': 'application/octet-stream' }), body: bytes });
  if (put.status !== 201) throw new Error(`blob upload: ${put.status} ${await put.text()}`);
  return { digest, size: bytes.length };
}

async function pushManifest(reg, repo, reference, manifest, mediaType) {
  const bytes = Buffer.from(JSON.stringify(manifest));
  const type = mediaType ?? manifest.mediaType;
  const res = await fetch(`${reg.baseUrl}/v2/${repo}/manifests/${reference}`, { method: 'PUT', headers: authHeaders(reg, { 'Content-Type': type }), body: bytes });
  if (res.status !== 201) throw new Error(`manifest push ${repo}:${reference}: ${res.status} ${await res.text()}`);
  return sha256(bytes);
}

/** a one-file tar archive (ustar), built by hand */
function tarOf(name, content) {
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

/** a tiny OCI image (one gzipped tar layer + config), pushed as repo:tag */
async function pushTinyImage(reg, repo, tag, content = `hello ${tag}\n`, arch = 'amd64') {
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
async function pushIndex(reg, repo, tag, platforms) {
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

module.exports = {
  REGISTRY_BIN, freePort, basic, sha256, processCpuMs, logMark, startDockerRegistry, pushBlob, pushManifest, tarOf, pushTinyImage, pushIndex,
};
