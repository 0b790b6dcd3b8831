'use strict';
// A real Debian `docker-registry` on 127.0.0.1 with temp storage (as test/support/registry.ts),
// plus the few pushes the verify bench needs. Stopped by its own PID only.
const { spawn } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { gzipSync } = require('node:zlib');

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

/** starts docker-registry; its access log (one line per request) is collected in `accessLog` */
async function startRegistry() {
  if (!REGISTRY_BIN) return undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isb-bench-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  fs.writeFileSync(path.join(dir, 'config.yml'), [
    'version: 0.1',
    'log:',
    '  level: error',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${path.join(dir, 'data')}`,
    'http:',
    `  addr: ${host}`,
    '',
  ].join('\n'));
  const child = spawn(REGISTRY_BIN, ['serve', path.join(dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const reg = { host, baseUrl: `http://${host}`, pid: child.pid, accessLog: [], stderr: '' };
  let partial = '';
  child.stdout.on('data', (c) => {
    const lines = (partial + String(c)).split('\n');
    partial = lines.pop();
    reg.accessLog.push(...lines);
  });
  child.stderr.on('data', (c) => { reg.stderr += String(c); });
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}): ${reg.stderr}`);
    try {
      const res = await fetch(`${reg.baseUrl}/v2/`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`docker-registry on ${host} not ready after 15 s: ${reg.stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  reg.stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM'); // this child's PID only
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000).unref())]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  /** CPU ms the registry process has used so far (Linux /proc; undefined elsewhere) */
  reg.cpuMs = () => {
    try {
      const f = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8');
      const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, USER_HZ 100
    } catch {
      return undefined;
    }
  };
  /** the GET lines logged since `from` (a previous accessLog.length): [method, path, status] */
  reg.requestsSince = async (from) => {
    await new Promise((r) => setTimeout(r, 100)); // let the log lines arrive
    return reg.accessLog.slice(from).map((l) => /"(\w+) (\S+) HTTP\/[\d.]+" (\d+)/.exec(l)).filter(Boolean).map((m) => [m[1], m[2], Number(m[3])]);
  };
  return reg;
}

function sha256(bytes) {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

async function pushBlob(reg, repo, bytes) {
  const digest = sha256(bytes);
  const start = await fetch(`${reg.baseUrl}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  if (start.status !== 202) throw new Error(`blob upload start: ${start.status} ${await start.text()}`);
  const location = new URL(start.headers.get('location'), reg.baseUrl);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: bytes });
  if (put.status !== 201) throw new Error(`blob upload: ${put.status} ${await put.text()}`);
  return { digest, size: bytes.length };
}

async function pushManifest(reg, repo, reference, manifest) {
  const bytes = Buffer.from(JSON.stringify(manifest));
  const res = await fetch(`${reg.baseUrl}/v2/${repo}/manifests/${reference}`, { method: 'PUT', headers: { 'Content-Type': manifest.mediaType }, body: bytes });
  if (res.status !== 201) throw new Error(`manifest push ${repo}:${reference}: ${res.status} ${await res.text()}`);
  return sha256(bytes);
}

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

/** a tiny OCI image (one gzipped tar layer + config) pushed as repo:tag; returns its digest */
async function pushTinyImage(reg, repo, tag, content) {
  const tar = tarOf('hello.txt', Buffer.from(content));
  const l = await pushBlob(reg, repo, gzipSync(tar));
  const c = await pushBlob(reg, repo, Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [sha256(tar)] } })));
  return pushManifest(reg, repo, tag, {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: c.digest, size: c.size },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size }],
  });
}

/** cosign's simple-signing payload (byte-exact Go json.Marshal output) */
function simpleSigningPayload(dockerReference, digest) {
  return Buffer.from(`{"critical":{"identity":{"docker-reference":"${dockerReference}"},"image":{"docker-manifest-digest":"${digest}"},`
    + '"type":"cosign container image signature"},"optional":null}');
}

/** `<repo>:sha256-<hex>.sig` with one simplesigning layer, as cosign (legacy format) writes it */
async function pushLegacySignature(reg, repo, imageDigest, payload, signatureB64) {
  const b = await pushBlob(reg, repo, payload);
  const layer = { mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', size: b.size, digest: b.digest, annotations: { 'dev.cosignproject.cosign/signature': signatureB64 } };
  const c = await pushBlob(reg, repo, Buffer.from(JSON.stringify({
    architecture: '', created: '0001-01-01T00:00:00Z', history: [{ created: '0001-01-01T00:00:00Z' }], os: '', rootfs: { type: 'layers', diff_ids: [b.digest] }, config: {},
  })));
  return pushManifest(reg, repo, `${imageDigest.replace(':', '-')}.sig`, {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: c.size, digest: c.digest },
    layers: [layer],
  });
}

module.exports = { REGISTRY_BIN, startRegistry, pushTinyImage, pushLegacySignature, simpleSigningPayload, sha256 };
