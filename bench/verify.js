'use strict';
// verify rows: 200 signed images on a loopback docker-registry, through the project's
// ImageVerifier (BatchVerification: bounded concurrency, keep-alive, each manifest fetched
// once), the same verifier one image at a time, and a naive sequential baseline.
const { createHash, createPublicKey, generateKeyPairSync, sign, verify: cryptoVerify } = require('node:crypto');
const http = require('node:http');
const net = require('node:net');
const { ImageVerifier } = require('../lib/verify/image-verifier');
const { BatchVerification } = require('../lib/verify/batch');
const { REGISTRY_BIN, startRegistry, pushTinyImage, pushLegacySignature, simpleSigningPayload } = require('./registry');
const { repeatAsync, round, since } = require('./measure');

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

async function setup(reg, n) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const images = new Array(n);
  await pool(Array.from({ length: n }, (_, i) => i), 8, async (i) => {
    const repo = `acme/svc-${String(i).padStart(4, '0')}`;
    const digest = await pushTinyImage(reg, repo, 'v1', `hello ${i}\n`);
    const payload = simpleSigningPayload(`${reg.host}/${repo}`, digest);
    const sig = sign('sha256', payload, { key: privateKey, dsaEncoding: 'der' }).toString('base64');
    await pushLegacySignature(reg, repo, digest, payload, sig);
    images[i] = `${reg.host}/${repo}@${digest}`;
  });
  return { images, publicKeyPem };
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
 * The naive baseline: one image after the other, the same reads as the verifier (image manifest,
 * .sig manifest, payload blob, referrers API, referrers fallback tag), a new connection per
 * request, the same digest checks and the ECDSA check of the signature over the payload.
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

function requestStats(reqs) {
  const manifestGets = new Map();
  for (const [method, p] of reqs) {
    if (method === 'GET' && p.includes('/manifests/')) manifestGets.set(p, (manifestGets.get(p) ?? 0) + 1);
  }
  return { requests: reqs.length, manifestGets: [...manifestGets.values()].reduce((a, b) => a + b, 0), maxGetsPerManifest: Math.max(0, ...manifestGets.values()) };
}

async function benchVerify({ runs, images: n = 200, log }) {
  if (!REGISTRY_BIN) {
    const msg = '!!! docker-registry not found (Debian package docker-registry): the verify rows are SKIPPED !!!';
    process.stderr.write(`\n${msg}\n\n`);
    return [{ name: `verify ${n} signed images (loopback docker-registry)`, skipped: msg }];
  }
  const reg = await startRegistry();
  try {
    const tSetup = process.hrtime.bigint();
    const { images, publicKeyPem } = await setup(reg, n);
    log(`  pushed and signed ${n} images in ${round(since(tSetup))} ms`);
    const key = createPublicKey(publicKeyPem);
    const env = { HOME: '/nonexistent' }; // no docker credentials: anonymous
    const variants = [
      {
        name: `verify ${n} signed images: ImageVerifier + BatchVerification (concurrency 8 requests / 16 images)`,
        key: 'batch',
        run: async () => {
          const v = new ImageVerifier({ publicKeyPems: [publicKeyPem], insecureIgnoreTlog: true, environment: env });
          try {
            const r = await BatchVerification.verifyAll(v, images);
            return r.filter((e) => e.verified).length;
          } finally {
            v.close();
          }
        },
      },
      ...[2, 4, 16].map((c) => ({
        name: `verify ${n} signed images: ImageVerifier + BatchVerification (concurrency ${c} requests / ${2 * c} images)`,
        key: `batch-${c}`,
        sweep: true,
        run: async () => {
          const v = new ImageVerifier({ publicKeyPems: [publicKeyPem], insecureIgnoreTlog: true, environment: env, concurrency: c });
          try {
            const r = await BatchVerification.verifyAll(v, images, { concurrency: 2 * c });
            return r.filter((e) => e.verified).length;
          } finally {
            v.close();
          }
        },
      })),
      {
        name: `verify ${n} signed images: ImageVerifier, one image at a time`,
        key: 'sequential',
        run: async () => {
          const v = new ImageVerifier({ publicKeyPems: [publicKeyPem], insecureIgnoreTlog: true, environment: env });
          let ok = 0;
          try {
            for (const im of images) if ((await v.verify(im)).verified) ok++;
          } finally {
            v.close();
          }
          return ok;
        },
      },
      {
        name: `verify ${n} signed images: naive sequential baseline (new connection per request)`,
        key: 'naive',
        run: async () => {
          let ok = 0;
          for (const im of images) if (await naiveVerify(im, key)) ok++;
          return ok;
        },
      },
    ];
    const rows = [];
    for (const variant of variants) {
      await variant.run(); // warm-up (JIT, registry caches)
      const r = await repeatAsync(variant.sweep ? Math.min(3, runs) : runs, async () => {
        const from = reg.accessLog.length;
        const c0 = connects;
        const r0 = reg.cpuMs();
        const u0 = process.cpuUsage();
        const t0 = process.hrtime.bigint();
        const verified = await variant.run();
        const wallMs = since(t0);
        const u = process.cpuUsage(u0);
        const benchCpuMs = (u.user + u.system) / 1000;
        const registryCpuMs = r0 === undefined ? undefined : reg.cpuMs() - r0;
        const connections = connects - c0;
        const stats = requestStats(await reg.requestsSince(from));
        return { wallMs, verified, connections, clientCpuMs: benchCpuMs, registryCpuMs: registryCpuMs ?? -1, ...stats };
      });
      if (r.verified !== n) throw new Error(`${variant.name}: only ${r.verified} of ${n} images verified`);
      rows.push({
        name: variant.name,
        variant: variant.key,
        runs: r.runs,
        wallMs: round(r.wallMs, 1),
        wallMsAll: r.wallMsAll,
        msPerImage: round(r.wallMs / n, 2),
        clientCpuMs: round(r.clientCpuMs, 0),
        registryCpuMs: r.registryCpuMs < 0 ? undefined : round(r.registryCpuMs, 0),
        verified: r.verified,
        requests: r.requests,
        connections: r.connections,
        manifestGets: r.manifestGets,
        maxGetsPerManifest: r.maxGetsPerManifest,
      });
      log(`  ${variant.name}: ${round(r.wallMs)} ms, ${r.requests} requests over ${r.connections} connections`);
    }
    const naive = rows.find((r) => r.variant === 'naive');
    for (const r of rows) r.ratioToNaive = round(r.wallMs / naive.wallMs, 2);
    return rows;
  } finally {
    await reg.stop();
  }
}

module.exports = { benchVerify };
