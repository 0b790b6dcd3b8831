'use strict';
// verify rows (issue 15 part 5): 200 images on a loopback docker-registry (distribution 2.8, no
// referrers API), each signed once by real cosign v3.1.3 in the legacy .sig format the product's
// workflow writes, then verified, in turns, by:
//   - our batch (BatchVerification: bounded concurrency, keep-alive, .sig first),
//   - our batch reading every kind (SignatureLookup.ALL: also the referrers fallback tag),
//   - our verifier one image at a time,
//   - a naive client (a new connection per request, the reads the verifier made before issue 15),
//   - `cosign verify` (v2.6.5 and v3.1.3), one process per image, one image after the other.
// Per row: wall time, our CPU, the registry process's CPU (/proc/<pid>/stat), the registry-bound
// floor (registry CPU / cores: no client can finish before the registry has served it), requests
// per image from the registry's access log, TCP connections.
const { createHash, createPublicKey, verify: cryptoVerify } = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { ImageVerifier, SignatureLookup } = require('../lib/verify/image-verifier');
const { BatchVerification } = require('../lib/verify/batch');
const { REGISTRY_BIN, startDockerRegistry, pushTinyImage } = require('../test/support/oci-registry');
const cosign = require('./cosign');
const { median, round, since } = require('./measure');

const PASSWORD = 'bench-pw';

// sockets opened by this process (keep-alive shows as few connections for many requests)
let connects = 0;
const origConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function countedConnect(...args) {
  connects++;
  return origConnect.apply(this, args);
};

async function pool(items, limit, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  }));
}

/** n tiny images, one repository each, signed by cosign v3.1.3 (legacy .sig, key, no tlog) */
async function setup(reg, n, cosignV3) {
  const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'isb-bench-keys-'));
  await cosign.must(cosignV3, ['generate-key-pair'], { password: PASSWORD, cwd: keyDir });
  const pub = path.join(keyDir, 'cosign.pub');
  const images = new Array(n);
  await pool(Array.from({ length: n }, (_, i) => i), 2, async (i) => {
    const repo = `acme/svc-${String(i).padStart(4, '0')}`;
    const img = await pushTinyImage(reg, repo, 'v1', `hello ${i}\n`);
    images[i] = `${reg.host}/${repo}@${img.digest}`;
    // the workflow's signing flags (README: legacy .sig on cosign v3), offline: no TUF signing config, no Rekor
    await cosign.must(cosignV3, ['sign', '--yes', '--key', path.join(keyDir, 'cosign.key'), '--new-bundle-format=false',
      '--use-signing-config=false', '--tlog-upload=false', images[i]], { password: PASSWORD });
  });
  return { images, pub, publicKeyPem: fs.readFileSync(pub, 'utf8'), keyDir };
}

/** GET with a new TCP connection per request (no agent, no keep-alive) */
function naiveGet(url, accept) {
  return new Promise((resolve, reject) => {
    http.get(url, { agent: false, headers: { Accept: accept } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

const MANIFEST_ACCEPT = 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json';
const hash = (b) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/**
 * The naive baseline: one image after the other, the reads the verifier made before issue 15
 * (image manifest, .sig manifest, payload blob, referrers API, referrers fallback tag), a new
 * connection per request, the same digest checks and the ECDSA check over the payload.
 */
async function naiveVerify(image, key) {
  const [name, digest] = image.split('@');
  const slash = name.indexOf('/');
  const base = `http://${name.slice(0, slash)}/v2/${name.slice(slash + 1)}`;
  const m = await naiveGet(`${base}/manifests/${digest}`, MANIFEST_ACCEPT);
  if (m.status !== 200 || hash(m.body) !== digest) return false;
  const tag = digest.replace(':', '-');
  const s = await naiveGet(`${base}/manifests/${tag}.sig`, MANIFEST_ACCEPT);
  await naiveGet(`${base}/referrers/${digest}`, 'application/vnd.oci.image.index.v1+json');
  await naiveGet(`${base}/manifests/${tag}`, MANIFEST_ACCEPT);
  if (s.status !== 200) return false;
  let ok = false;
  for (const layer of JSON.parse(s.body.toString()).layers) {
    const b = await naiveGet(`${base}/blobs/${layer.digest}`, '*/*');
    if (b.status !== 200 || hash(b.body) !== layer.digest) continue;
    const sig = Buffer.from(layer.annotations['dev.cosignproject.cosign/signature'], 'base64');
    const payload = JSON.parse(b.body.toString());
    if (payload.critical.image['docker-manifest-digest'] === digest && cryptoVerify('sha256', b.body, key, sig)) ok = true;
  }
  return ok;
}

/** what a logged request read: image or bundle manifest by digest, .sig tag, fallback tag, referrers API, blob, other */
function kindOf(r) {
  if (r.path.includes('/referrers/')) return 'referrers';
  if (r.path.includes('/blobs/')) return 'blob';
  const m = /\/manifests\/(.+)$/.exec(r.path);
  if (!m) return r.path === '/v2/' ? 'ping' : 'other';
  if (m[1].startsWith('sha256:')) return 'manifest';
  if (m[1].endsWith('.sig')) return 'sig';
  return /^sha256-[a-f0-9]{64}$/.test(m[1]) ? 'fallback-tag' : 'other';
}

function requestStats(reqs) {
  const manifestGets = new Map();
  const kinds = {};
  for (const r of reqs) {
    if (r.method === 'GET' && r.path.includes('/manifests/')) manifestGets.set(r.path, (manifestGets.get(r.path) ?? 0) + 1);
    const k = `${r.method === 'GET' ? '' : `${r.method} `}${kindOf(r)}${r.status === 404 ? ' (404)' : ''}`;
    kinds[k] = (kinds[k] ?? 0) + 1;
  }
  return { requests: reqs.length, maxGetsPerManifest: Math.max(0, ...manifestGets.values()), kinds };
}

async function benchVerify({ runs, images: n = 200, log }) {
  const name = `verify ${n} images signed by cosign v3.1.3 (loopback docker-registry)`;
  const cosignV3 = cosign.tool('cosign-v3');
  const cosignV2 = cosign.tool('cosign-v2');
  const missing = [!REGISTRY_BIN && 'docker-registry (Debian package docker-registry)', !cosignV3 && 'cosign-v3', !cosignV2 && 'cosign-v2'].filter(Boolean);
  if (missing.length > 0) {
    const msg = `!!! ${missing.join(', ')} not found (INTEROP_BIN=${process.env.INTEROP_BIN ?? 'interop/bin'}; npm run interop:build): the verify rows are SKIPPED !!!`;
    process.stderr.write(`\n${msg}\n\n`);
    return [{ name, skipped: msg }];
  }
  const cores = os.cpus().length;
  const reg = await startDockerRegistry({ accessLog: true });
  let keyDir;
  try {
    const tSetup = process.hrtime.bigint();
    const s = await setup(reg, n, cosignV3);
    keyDir = s.keyDir;
    const { images, publicKeyPem } = s;
    log(`  pushed ${n} images and signed each with cosign v3.1.3 in ${round(since(tSetup))} ms`);
    const key = createPublicKey(publicKeyPem);
    const env = { HOME: '/nonexistent' }; // no docker credentials: anonymous
    const newVerifier = () => new ImageVerifier({ publicKeyPems: [publicKeyPem], insecureIgnoreTlog: true, environment: env });
    const ours = async (fn) => {
      const v = newVerifier();
      try {
        return await fn(v);
      } finally {
        v.close();
      }
    };
    const cosignRow = (bin) => async () => {
      let ok = 0;
      for (const im of images) {
        const r = await cosign.run(bin, ['verify', '--key', s.pub, '--insecure-ignore-tlog=true', im]);
        if (r.code === 0) ok++;
        else if (ok === 0) log(`  ${path.basename(bin)} verify failed: ${r.stderr.trim().split('\n').pop()}`);
      }
      return ok;
    };
    const variants = [
      {
        key: 'batch',
        name: 'ours: BatchVerification (16 images / 8 requests in flight, .sig first)',
        run: () => ours(async (v) => (await BatchVerification.verifyAll(v, images)).filter((e) => e.verified).length),
      },
      {
        key: 'batch-all',
        name: 'ours: BatchVerification, every kind read (SignatureLookup.ALL)',
        run: () => ours(async (v) => (await BatchVerification.verifyAll(v, images, { lookup: SignatureLookup.ALL })).filter((e) => e.verified).length),
      },
      {
        key: 'sequential',
        name: 'ours: ImageVerifier.verify, one image at a time (.sig first)',
        run: () => ours(async (v) => {
          let ok = 0;
          for (const im of images) if ((await v.verify(im, { lookup: SignatureLookup.UNTIL_VERIFIED })).verified) ok++;
          return ok;
        }),
      },
      {
        key: 'naive',
        name: 'naive sequential client (new connection per request, 5 reads per image)',
        run: async () => {
          let ok = 0;
          for (const im of images) if (await naiveVerify(im, key)) ok++;
          return ok;
        },
      },
      { key: 'cosign-v2', name: '`cosign verify` v2.6.5, one process per image, sequential', cosign: true, run: cosignRow(cosignV2) },
      { key: 'cosign-v3', name: '`cosign verify` v3.1.3, one process per image, sequential', cosign: true, run: cosignRow(cosignV3) },
    ];
    const cosignRuns = Math.min(runs, 3);
    const samples = new Map(variants.map((v) => [v.key, []]));
    for (const variant of variants) {
      if (!variant.cosign) await variant.run(); // warm-up (JIT, registry caches)
    }
    // rounds: every variant once per round, so a change in the machine's load hits all of them
    for (let round_ = 0; round_ < runs; round_++) {
      for (const variant of variants) {
        if (variant.cosign && round_ >= cosignRuns) continue;
        const from = await reg.mark();
        const load = os.loadavg()[0];
        const c0 = connects;
        const r0 = reg.cpuMs();
        const k0 = cosign.childrenCpuMs();
        const u0 = process.cpuUsage();
        const t0 = process.hrtime.bigint();
        const verified = await variant.run();
        const wallMs = since(t0);
        const u = process.cpuUsage(u0);
        const registryCpuMs = r0 === undefined ? undefined : reg.cpuMs() - r0;
        const clientCpuMs = variant.cosign ? cosign.childrenCpuMs() - k0 : (u.user + u.system) / 1000;
        if (verified !== n) throw new Error(`${variant.name}: only ${verified} of ${n} images verified`);
        const stats = requestStats(await reg.requestsSince(from));
        samples.get(variant.key).push({ wallMs, clientCpuMs, registryCpuMs, connections: connects - c0, load, ...stats });
        log(`  round ${round_ + 1}: ${variant.key}: ${round(wallMs)} ms, ${stats.requests} requests (${Object.entries(stats.kinds).map(([k, c]) => `${k} ${c}`).join(', ')}), registry CPU ${round(registryCpuMs ?? -1)} ms, load ${round(load, 2)}`);
      }
    }
    const rows = variants.map((variant) => {
      const xs = samples.get(variant.key);
      const med = (k) => (xs.every((x) => x[k] !== undefined) ? median(xs.map((x) => x[k])) : undefined);
      const wallMs = med('wallMs');
      const registryCpuMs = med('registryCpuMs');
      const floorMs = registryCpuMs === undefined ? undefined : registryCpuMs / cores;
      return {
        name: `verify ${n} signed images: ${variant.name}`,
        variant: variant.key,
        runs: xs.length,
        wallMs: round(wallMs, 1),
        wallMsAll: xs.map((x) => round(x.wallMs, 1)),
        msPerImage: round(wallMs / n, 2),
        clientCpuMs: round(med('clientCpuMs'), 0),
        registryCpuMs: registryCpuMs === undefined ? undefined : round(registryCpuMs, 0),
        /** registry CPU / cores: the wall time the registry alone needs to serve these requests */
        registryFloorMs: floorMs === undefined ? undefined : round(floorMs, 0),
        ratioToFloor: floorMs ? round(wallMs / floorMs, 2) : undefined,
        ratioToFloorAll: xs.map((x) => (x.registryCpuMs ? round(x.wallMs / (x.registryCpuMs / cores), 2) : undefined)),
        /**
         * (client CPU + registry CPU) / cores: the wall time of a run on an otherwise idle machine
         * if client and registry kept every core busy; the client shares the cores with the registry
         */
        cpuBoundMs: registryCpuMs === undefined ? undefined : round((med('clientCpuMs') + registryCpuMs) / cores, 0),
        // each run makes the same requests: the median is the count
        requests: med('requests'),
        requestsPerImage: round(med('requests') / n, 2),
        connections: variant.cosign ? undefined : med('connections'),
        maxGetsPerManifest: med('maxGetsPerManifest'),
        /** the last run's requests by what they read (GET unless named; 404s apart) */
        requestKinds: xs[xs.length - 1].kinds,
        verified: n,
        loadAvg1: xs.map((x) => round(x.load, 2)),
      };
    });
    const batch = rows.find((r) => r.variant === 'batch');
    for (const r of rows) r.perImageVsOurBatch = round(r.msPerImage / batch.msPerImage, 2);
    return rows;
  } finally {
    await reg.stop();
    if (keyDir) fs.rmSync(keyDir, { recursive: true, force: true });
    cosign.cleanup();
  }
}

module.exports = { benchVerify };
