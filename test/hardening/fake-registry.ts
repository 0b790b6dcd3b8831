import * as http from 'node:http';
import * as net from 'node:net';
import { sha256Digest } from '../../src/verify/registry-client';
import { signLayer, simpleSigningPayload, TestKey } from '../verify/signing';

/*
 * A fake OCI registry on 127.0.0.1 holding one image (`acme/web:v1`) signed in cosign's legacy
 * `.sig` layout, plus an unsigned one; `fault` intercepts requests for fault injection.
 */

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => boolean | void;

export interface Fake {
  readonly port: number;
  readonly host: string;
  readonly requests: { url: string; host?: string; authorization?: string }[];
  fault?: Handler;
  close(): Promise<void>;
}

export const REPO = 'acme/web';
export const json = (o: unknown) => Buffer.from(JSON.stringify(o));

export function imageManifest(seed: string): Buffer {
  return json({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256Digest(Buffer.from(seed)), size: seed.length },
    layers: [],
  });
}

export interface Listening {
  readonly port: number;
  close(): Promise<void>;
}

export async function listen(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<Listening> {
  const sockets = new Set<net.Socket>();
  const server = http.createServer(handler);
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((r) => { sockets.forEach((s) => s.destroy()); server.close(() => r()); }),
  };
}

/** a registry holding one image (tag v1), signed with `key` in cosign's legacy .sig layout */
export interface SignedRegistry extends Fake {
  /** the signed image's digest (tag v1) */
  readonly digest: string;
  readonly manifest: Buffer;
  /** an image in the same repository without signatures */
  readonly unsignedDigest: string;
  /** the `.sig` manifest as JSON */
  readonly sigManifest: any;
  readonly blobs: Map<string, Buffer>;
}

export async function signedRegistry(key: TestKey): Promise<SignedRegistry> {
  const manifest = imageManifest('signed');
  const digest = sha256Digest(manifest);
  const unsigned = imageManifest('unsigned');
  const unsignedDigest = sha256Digest(unsigned);
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, Buffer>();
  const requests: Fake['requests'] = [];
  let fake!: SignedRegistry;
  const srv = await listen((req, res) => {
    requests.push({ url: req.url ?? '', host: req.headers.host, authorization: req.headers.authorization });
    if (fake.fault && fake.fault(req, res) === true) return;
    const m = /^\/v2\/(.+)\/(manifests|blobs|referrers)\/([^/?]+)$/.exec(req.url ?? '');
    if (req.url === '/v2/') { res.writeHead(200); res.end('{}'); return; }
    if (!m || m[1] !== REPO) { res.writeHead(404); res.end(); return; }
    const body = m[2] === 'manifests' ? manifests.get(m[3]) : m[2] === 'blobs' ? blobs.get(m[3]) : undefined;
    if (!body) { res.writeHead(404, { 'Content-Type': 'application/json' }); res.end('{"errors":[{"code":"NOT_FOUND"}]}'); return; }
    res.writeHead(200, {
      'Content-Type': m[2] === 'manifests' ? 'application/vnd.oci.image.manifest.v1+json' : 'application/octet-stream',
      'Content-Length': body.length,
      ...(m[2] === 'manifests' ? { 'Docker-Content-Digest': sha256Digest(body) } : {}),
    });
    res.end(body);
  });
  const host = `127.0.0.1:${srv.port}`;
  const layer = signLayer(key, simpleSigningPayload(`${host}/${REPO}`, digest));
  const payloadDigest = sha256Digest(layer.payload);
  blobs.set(payloadDigest, layer.payload);
  const config = json({ architecture: '', os: '', rootfs: { type: 'layers', diff_ids: [payloadDigest] }, config: {} });
  blobs.set(sha256Digest(config), config);
  const sigManifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: config.length, digest: sha256Digest(config) },
    layers: [{
      mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
      size: layer.payload.length,
      digest: payloadDigest,
      annotations: { 'dev.cosignproject.cosign/signature': layer.signature },
    }],
  };
  const sigBytes = json(sigManifest);
  manifests.set('v1', manifest);
  manifests.set(digest, manifest);
  manifests.set(unsignedDigest, unsigned);
  manifests.set('unsigned', unsigned);
  manifests.set(`${digest.replace(':', '-')}.sig`, sigBytes);
  manifests.set(sha256Digest(sigBytes), sigBytes);
  fake = { port: srv.port, host, requests, close: srv.close, digest, manifest, unsignedDigest, sigManifest, blobs };
  return fake;
}

