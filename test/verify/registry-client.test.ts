import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { dockerConfigCredentials, parseChallenge } from '../../src/verify/auth';
import { parseRegistryRef } from '../../src/verify/reference';
import { RegistryClient, sha256Digest } from '../../src/verify/registry-client';
import { tempDir } from '../support/fixtures';

/*
 * The OCI client against small fake servers on 127.0.0.1 / localhost (no docker-registry needed):
 * what a real registry never does on purpose (wrong bytes, huge bodies, redirects, token flows).
 */

interface Fake {
  readonly host: string;
  readonly requests: { url: string; authorization?: string }[];
  close(): Promise<void>;
}

async function fake(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void, bind = '127.0.0.1'): Promise<Fake> {
  const requests: { url: string; authorization?: string }[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    requests.push({ url: req.url ?? '', authorization: req.headers.authorization });
    handler(req, res);
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    host: `${bind}:${port}`,
    requests,
    close: () => new Promise<void>((r) => { sockets.forEach((s) => s.destroy()); server.close(() => r()); }),
  };
}

const MANIFEST = Buffer.from(JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${'a'.repeat(64)}`, size: 2 },
  layers: [],
}));
const DIGEST = sha256Digest(MANIFEST);

function serveManifest(res: http.ServerResponse, body = MANIFEST): void {
  res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json', 'Content-Length': body.length });
  res.end(body);
}

describe('RegistryClient', () => {
  const open: { close(): unknown }[] = [];
  const client = (opts: ConstructorParameters<typeof RegistryClient>[0] = {}) => {
    const c = new RegistryClient({ retries: 0, timeoutMs: 2000, ...opts });
    open.push(c);
    return c;
  };
  const server = async (...args: Parameters<typeof fake>) => {
    const f = await fake(...args);
    open.push(f);
    return f;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((o) => o.close()));
  });

  test('a manifest whose bytes do not hash to the requested digest is rejected (MANIFEST_DIGEST_MISMATCH)', async () => {
    const evil = Buffer.from(MANIFEST.toString().replace('"layers":[]', '"layers":[] '));
    const f = await server((_req, res) => serveManifest(res, evil));
    const ref = parseRegistryRef(`${f.host}/acme/web@${DIGEST}`);
    await expect(client().getManifest(ref, DIGEST)).rejects.toMatchObject({ code: 'MANIFEST_DIGEST_MISMATCH' });
  });

  test('a Docker-Content-Digest header that disagrees with the bytes of a tag is rejected', async () => {
    const f = await server((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json', 'Docker-Content-Digest': `sha256:${'b'.repeat(64)}` });
      res.end(MANIFEST);
    });
    await expect(client().getManifest(parseRegistryRef(`${f.host}/acme/web:v1`), 'v1')).rejects.toMatchObject({ code: 'MANIFEST_DIGEST_MISMATCH' });
  });

  test('a blob whose hash differs from its descriptor is rejected (BLOB_DIGEST_MISMATCH)', async () => {
    const f = await server((_req, res) => { res.writeHead(200); res.end('not the blob'); });
    const desc = { mediaType: 'x', digest: sha256Digest(Buffer.from('the blob')), size: 12 };
    await expect(client().getBlob(parseRegistryRef(`${f.host}/acme/web:v1`), desc)).rejects.toMatchObject({ code: 'BLOB_DIGEST_MISMATCH' });
  });

  test('oversize bodies are aborted, declared or streamed (RESPONSE_TOO_LARGE)', async () => {
    const big = Buffer.alloc(64 * 1024, 0x20);
    const declared = await server((_req, res) => { res.writeHead(200, { 'Content-Length': big.length }); res.end(big); });
    await expect(client({ maxManifestBytes: 1024 }).getManifest(parseRegistryRef(`${declared.host}/a/b:v1`), 'v1'))
      .rejects.toMatchObject({ code: 'RESPONSE_TOO_LARGE' });
    const chunked = await server((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' }); // no length: chunked
      const t = setInterval(() => { if (!res.write(big)) return; }, 1);
      res.on('close', () => clearInterval(t));
    });
    await expect(client({ maxManifestBytes: 100_000 }).getManifest(parseRegistryRef(`${chunked.host}/a/b:v1`), 'v1'))
      .rejects.toMatchObject({ code: 'RESPONSE_TOO_LARGE' });
  });

  test('a registry that never answers times out (REGISTRY_TIMEOUT); 500s are retried a bounded number of times', async () => {
    const silent = await server(() => { /* never answers */ });
    await expect(client({ timeoutMs: 200 }).getManifest(parseRegistryRef(`${silent.host}/a/b:v1`), 'v1')).rejects.toMatchObject({ code: 'REGISTRY_TIMEOUT' });

    const failing = await server((_req, res) => { res.writeHead(500); res.end('{"errors":[{"code":"UNKNOWN","message":"boom"}]}'); });
    await expect(client({ retries: 2, retryDelayMs: 1 }).getManifest(parseRegistryRef(`${failing.host}/a/b:v1`), 'v1'))
      .rejects.toMatchObject({ code: 'REGISTRY_ERROR', message: expect.stringContaining('HTTP 500') });
    expect(failing.requests).toHaveLength(3);
  });

  test('malformed manifests are MANIFEST_INVALID', async () => {
    const f = await server((_req, res) => serveManifest(res, Buffer.from('{"schemaVersion":2')));
    await expect(client().getManifest(parseRegistryRef(`${f.host}/a/b:v1`), 'v1')).rejects.toMatchObject({ code: 'MANIFEST_INVALID' });
  });

  test('Bearer challenge: token fetched from the realm with Basic credentials; the token goes only to the registry', async () => {
    const token = 'tok-123';
    const tokenServer = await server((req, res) => {
      const url = new URL(req.url!, 'http://x');
      if (req.headers.authorization !== `Basic ${Buffer.from('alice:s3cret').toString('base64')}`) {
        res.writeHead(401); res.end(); return;
      }
      expect(url.searchParams.get('scope')).toBe('repository:acme/web:pull');
      expect(url.searchParams.get('service')).toBe('test-registry');
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ token }));
    }, 'localhost');
    const registry = await server((req, res) => {
      if (req.headers.authorization !== `Bearer ${token}`) {
        res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://${tokenServer.host}/token",service="test-registry",scope="repository:acme/web:pull"` });
        res.end(); return;
      }
      serveManifest(res);
    });
    const c = client({ credentials: (r) => (r === registry.host ? { username: 'alice', password: 's3cret' } : undefined) });
    const m = await c.getManifest(parseRegistryRef(`${registry.host}/acme/web@${DIGEST}`), DIGEST);
    expect(m.digest).toBe(DIGEST);
    expect(tokenServer.requests.every((r) => r.authorization?.startsWith('Basic '))).toBe(true);
    expect(registry.requests.map((r) => r.authorization)).toEqual([undefined, `Bearer ${token}`]);
    // without credentials the token service refuses: REGISTRY_UNAUTHORIZED, not a silent anonymous pass
    await expect(client().getManifest(parseRegistryRef(`${registry.host}/acme/web:v1`), 'v1')).rejects.toMatchObject({ code: 'REGISTRY_UNAUTHORIZED' });
  });

  test('a redirect to another host drops the credentials; plain-HTTP redirects to non-loopback hosts are refused', async () => {
    const blob = Buffer.from('blob bytes');
    const storage = await server((_req, res) => { res.writeHead(200); res.end(blob); }, 'localhost');
    const registry = await server((req, res) => {
      if (req.headers.authorization === undefined) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="r"' }); res.end(); return;
      }
      if (req.url!.includes('/blobs/')) {
        const evil = req.url!.includes(sha256Digest(Buffer.from('x')));
        res.writeHead(307, { Location: evil ? 'http://example.invalid/blob' : `http://${storage.host}/storage/blob` }); res.end(); return;
      }
      serveManifest(res);
    });
    const c = client({ credentials: () => ({ username: 'bob', password: 'pw' }) });
    const ref = parseRegistryRef(`${registry.host}/acme/web:v1`);
    expect(await c.getBlob(ref, { mediaType: 'x', digest: sha256Digest(blob), size: blob.length })).toEqual(blob);
    expect(storage.requests).toHaveLength(1);
    expect(storage.requests[0].authorization).toBeUndefined();
    expect(registry.requests.some((r) => r.authorization?.startsWith('Basic '))).toBe(true);
    await expect(c.getBlob(ref, { mediaType: 'x', digest: sha256Digest(Buffer.from('x')), size: 1 })).rejects.toMatchObject({ code: 'REGISTRY_INSECURE_REFUSED' });
  });

  test('HTTPS by default; plain HTTP only for loopback or --insecure-registry', async () => {
    // .invalid never resolves (RFC 2606): the error shows the URL that was attempted, nothing is sent
    const ref = parseRegistryRef('registry.invalid/acme/web:v1');
    await expect(client().getManifest(ref, 'v1')).rejects.toMatchObject({
      code: 'REGISTRY_ERROR', message: expect.stringContaining('https://registry.invalid/v2/acme/web/manifests/v1'),
    });
    await expect(client({ insecureRegistries: ['registry.invalid'] }).getManifest(ref, 'v1')).rejects.toMatchObject({
      message: expect.stringContaining('http://registry.invalid/v2/acme/web/manifests/v1'),
    });
  });
});

describe('auth helpers', () => {
  test('WWW-Authenticate parsing', () => {
    expect(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"')).toEqual({
      scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull' },
    });
    expect(parseChallenge('Basic realm="x"')?.scheme).toBe('basic');
    expect(parseChallenge('Negotiate')).toBeUndefined();
  });

  test('credentials from ~/.docker/config.json auths; env credentials only for the image\'s registry', () => {
    const home = tempDir();
    fs.mkdirSync(path.join(home, '.docker'));
    fs.writeFileSync(path.join(home, '.docker', 'config.json'), JSON.stringify({
      auths: {
        'ghcr.io': { auth: Buffer.from('octo:ghp_x:y').toString('base64') },
        'https://index.docker.io/v1/': { username: 'hub', password: 'pw' },
      },
    }));
    const r = dockerConfigCredentials({ HOME: home, ISB_REGISTRY_USERNAME: 'u', ISB_REGISTRY_PASSWORD: 'p' }, 'quay.io');
    expect(r('ghcr.io')).toEqual({ username: 'octo', password: 'ghp_x:y' });
    expect(r('docker.io')).toEqual({ username: 'hub', password: 'pw' });
    expect(r('quay.io')).toEqual({ username: 'u', password: 'p' });
    expect(r('evil.example')).toBeUndefined();
  });
});

describe('image references', () => {
  test('Docker Hub defaults and the API host', () => {
    expect(parseRegistryRef('nginx')).toMatchObject({ registry: 'docker.io', host: 'registry-1.docker.io', repository: 'library/nginx', tag: 'latest' });
    expect(parseRegistryRef('acme/web:v1')).toMatchObject({ registry: 'docker.io', repository: 'acme/web', tag: 'v1' });
    expect(parseRegistryRef(`ghcr.io/acme/web@sha256:${'c'.repeat(64)}`)).toMatchObject({ registry: 'ghcr.io', repository: 'acme/web', tag: undefined });
    expect(() => parseRegistryRef('GHCR.io/Acme/Web')).toThrow(expect.objectContaining({ code: 'IMAGE_REF_INVALID' }));
  });
});
