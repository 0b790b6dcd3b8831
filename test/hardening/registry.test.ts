import * as http from 'node:http';
import { json, listen, REPO, signedRegistry } from './fake-registry';
import { HttpTransport } from '../../src/verify/http';
import { ImageVerificationResult, ImageVerifier } from '../../src/verify/image-verifier';
import { sha256Digest } from '../../src/verify/registry-client';
import { tempDir } from '../support/fixtures';
import { newCosignKey, TestKey } from '../verify/signing';

/*
 * A hostile registry, end to end through ImageVerifier.verify: a signed image served by a fake
 * registry on 127.0.0.1 verifies; each fault injected into that same registry makes verification
 * fail closed with its code, and is never reported as verified. (`localhost` names a second
 * "host" on the same 127.0.0.1 socket: another origin for redirects and token realms.)
 * Faults the client tests already cover one by one (test/verify/registry-client.test.ts) are
 * repeated here only where the end-to-end verdict is the point.
 */

let key: TestKey;
let reg: Awaited<ReturnType<typeof signedRegistry>>;
const open: { close(): unknown }[] = [];

beforeAll(async () => {
  key = await newCosignKey();
  reg = await signedRegistry(key);
});
afterAll(() => reg.close());
afterEach(async () => {
  reg.fault = undefined;
  reg.requests.length = 0;
  await Promise.all(open.splice(0).map((o) => o.close()));
});

function verifier(extra: Partial<ConstructorParameters<typeof ImageVerifier>[0]> = {}): ImageVerifier {
  const v = new ImageVerifier({
    publicKeyPems: [key.publicKeyPem],
    insecureIgnoreTlog: true,
    retries: 0,
    timeoutMs: 1500,
    environment: { HOME: tempDir(), DOCKER_CONFIG: tempDir() },
    ...extra,
  });
  open.push(v);
  return v;
}

/** the verdict, or the error code when verify throws: either way, `verified` is the only success */
async function outcome(image: string, v = verifier()): Promise<{ verified: boolean; code?: string; result?: ImageVerificationResult }> {
  try {
    const result = await v.verify(image);
    return { verified: result.verified, code: result.code, result };
  } catch (e) {
    return { verified: false, code: (e as { code?: string }).code ?? 'THROWN' };
  }
}

const onManifest = (name: string, req: http.IncomingMessage) => req.url === `/v2/${REPO}/manifests/${name}`;
const sigTag = () => `${reg.digest.replace(':', '-')}.sig`;

describe('a hostile registry: verification fails closed', () => {
  test('control: the signed image verifies by tag and by digest; an unsigned one does not', async () => {
    expect(await outcome(`${reg.host}/${REPO}:v1`)).toMatchObject({ verified: true });
    expect(await outcome(`${reg.host}/${REPO}@${reg.digest}`)).toMatchObject({ verified: true });
    expect(await outcome(`${reg.host}/${REPO}@${reg.unsignedDigest}`)).toMatchObject({ verified: false, code: 'NO_SIGNATURES' });
  });

  test('asked for an unsigned digest, the registry serves the signed manifest: MANIFEST_DIGEST_MISMATCH, not verified', async () => {
    reg.fault = (req, res) => {
      if (!onManifest(reg.unsignedDigest, req)) return false;
      res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' });
      res.end(reg.manifest);
      return true;
    };
    expect(await outcome(`${reg.host}/${REPO}@${reg.unsignedDigest}`)).toEqual({ verified: false, code: 'MANIFEST_DIGEST_MISMATCH' });
  });

  test('a tag whose Docker-Content-Digest disagrees with the bytes: MANIFEST_DIGEST_MISMATCH', async () => {
    reg.fault = (req, res) => {
      if (!onManifest('v1', req)) return false;
      res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json', 'Docker-Content-Digest': reg.unsignedDigest });
      res.end(reg.manifest);
      return true;
    };
    expect(await outcome(`${reg.host}/${REPO}:v1`)).toEqual({ verified: false, code: 'MANIFEST_DIGEST_MISMATCH' });
  });

  test.each([
    ['HTML instead of a manifest', 'text/html', Buffer.from('<html>login</html>'), 'MANIFEST_INVALID'],
    ['truncated JSON', 'application/vnd.oci.image.manifest.v1+json', Buffer.from('{"schemaVersion":2,"layers":['), 'MANIFEST_INVALID'],
    ['a JSON array', 'application/json', Buffer.from('[]'), 'MANIFEST_INVALID'],
    ['an index without manifests', 'application/vnd.oci.image.index.v1+json', json({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json' }), 'MANIFEST_INVALID'],
  ])('the image manifest is %s (%s): not verified', async (_what, type, body, code) => {
    reg.fault = (req, res) => {
      if (!onManifest('v1', req)) return false;
      res.writeHead(200, { 'Content-Type': type });
      res.end(body);
      return true;
    };
    expect(await outcome(`${reg.host}/${REPO}:v1`)).toEqual({ verified: false, code });
  });

  test.each([
    ['malformed JSON', (res: http.ServerResponse) => { res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' }); res.end('{"layers":[{'); }, 'REGISTRY_ERROR'],
    ['signature layer with the wrong media type', (res: http.ServerResponse) => {
      const m = structuredClone(reg.sigManifest);
      m.layers[0].mediaType = 'application/octet-stream';
      res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' });
      res.end(json(m));
    }, 'NO_SIGNATURES'],
    ['oversized (5 MiB, over the 4 MiB manifest cap)', (res: http.ServerResponse) => {
      res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' }); // chunked: no declared length
      res.end(Buffer.alloc(5 * 1024 * 1024, 0x20));
    }, 'REGISTRY_ERROR'],
    ['a signature layer whose blob is not what its descriptor names', (res: http.ServerResponse) => {
      const m = structuredClone(reg.sigManifest);
      m.layers[0].digest = sha256Digest(Buffer.from('something else'));
      res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' });
      res.end(json(m));
    }, 'REGISTRY_ERROR'],
  ])('the .sig manifest is %s: not verified', async (_what, serve, code) => {
    reg.fault = (req, res) => {
      if (!onManifest(sigTag(), req)) return false;
      serve(res);
      return true;
    };
    const r = await outcome(`${reg.host}/${REPO}@${reg.digest}`);
    expect(r.verified).toBe(false);
    if (code !== 'REGISTRY_ERROR' || r.result?.failures.length === 0) expect(r.code).toBe(code);
    else expect(['REGISTRY_ERROR', 'BLOB_DIGEST_MISMATCH', 'MANIFEST_NOT_FOUND', 'PAYLOAD_INVALID']).toContain(r.code);
  });

  test('an oversized signature payload blob is aborted (RESPONSE_TOO_LARGE), not verified', async () => {
    reg.fault = (req, res) => {
      if (!req.url?.includes('/blobs/')) return false;
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const t = setInterval(() => res.write(chunk), 1);
      res.on('close', () => clearInterval(t));
      return true;
    };
    const r = await outcome(`${reg.host}/${REPO}@${reg.digest}`, verifier({ maxBlobBytes: 256 * 1024 }));
    expect(r.verified).toBe(false);
    expect(r.result?.failures.map((f) => f.code)).toContain('RESPONSE_TOO_LARGE');
  });

  test('slow loris: headers at once, then one byte every 100 ms: REGISTRY_TIMEOUT within the deadline', async () => {
    reg.fault = (req, res) => {
      if (!onManifest('v1', req)) return false;
      res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json', 'Content-Length': reg.manifest.length });
      let i = 0;
      const t = setInterval(() => { if (i < reg.manifest.length) res.write(reg.manifest.subarray(i, ++i)); }, 100);
      res.on('close', () => clearInterval(t));
      return true;
    };
    const t0 = Date.now();
    expect(await outcome(`${reg.host}/${REPO}:v1`, verifier({ timeoutMs: 500 }))).toEqual({ verified: false, code: 'REGISTRY_TIMEOUT' });
    expect(Date.now() - t0).toBeLessThan(3000);
  }, 10_000);

  test('slow loris on the signature: the timeout is a registry error, never "no signature needed"', async () => {
    reg.fault = (req, res) => {
      if (!onManifest(sigTag(), req)) return false;
      res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' });
      const t = setInterval(() => res.write(' '), 100);
      res.on('close', () => clearInterval(t));
      return true;
    };
    const r = await outcome(`${reg.host}/${REPO}@${reg.digest}`, verifier({ timeoutMs: 500 }));
    expect(r).toMatchObject({ verified: false, code: 'REGISTRY_ERROR' });
    expect(r.result!.message).toMatch(/REGISTRY_TIMEOUT/);
  }, 10_000);

  test('redirect loops (to itself, and between two hosts) stop after 5 hops: not verified', async () => {
    const other = await listen((req, res) => { res.writeHead(302, { Location: `http://${reg.host}${req.url}` }); res.end(); });
    open.push(other);
    reg.fault = (req, res) => {
      if (!onManifest('v1', req)) return false;
      const self = req.headers.host === reg.host;
      res.writeHead(302, { Location: self && reg.requests.length % 2 === 0 ? req.url! : `http://localhost:${other.port}${req.url}` });
      res.end();
      return true;
    };
    const r = await outcome(`${reg.host}/${REPO}:v1`);
    expect(r).toEqual({ verified: false, code: 'REGISTRY_ERROR' });
    expect(reg.requests.length).toBeLessThanOrEqual(6);
  });

  test('Bearer token flow: the token goes only to the registry, never to a host a redirect names, nor back to the realm', async () => {
    const token = 'registry-token-0123456789';
    const realmSeen: (string | undefined)[] = [];
    const realm = await listen((req, res) => {
      realmSeen.push(req.headers.authorization);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ token }));
    });
    const storageSeen: (string | undefined)[] = [];
    const storage = await listen((req, res) => {
      storageSeen.push(req.headers.authorization);
      const digest = req.url!.split('/').pop()!;
      const blob = reg.blobs.get(digest);
      res.writeHead(blob ? 200 : 404);
      res.end(blob);
    });
    open.push(realm, storage);
    reg.fault = (req, res) => {
      if (req.headers.authorization !== `Bearer ${token}`) {
        res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://localhost:${realm.port}/token",service="fake",scope="repository:${REPO}:pull"` });
        res.end();
        return true;
      }
      if (req.url?.includes('/blobs/')) {
        res.writeHead(307, { Location: `http://localhost:${storage.port}/store/${req.url.split('/').pop()}` });
        res.end();
        return true;
      }
      return false;
    };
    const env = { HOME: tempDir(), ISB_REGISTRY_USERNAME: 'alice', ISB_REGISTRY_PASSWORD: 'pa55word-never-forwarded' };
    const r = await outcome(`${reg.host}/${REPO}:v1`, verifier({ environment: env }));
    expect(r.verified).toBe(true);
    expect(storageSeen.length).toBeGreaterThan(0);
    expect(storageSeen.every((a) => a === undefined)).toBe(true);
    expect(realmSeen.every((a) => a === `Basic ${Buffer.from('alice:pa55word-never-forwarded').toString('base64')}`)).toBe(true);
    expect(reg.requests.filter((q) => q.authorization !== undefined).every((q) => q.authorization === `Bearer ${token}`)).toBe(true);
  });

  test.each([
    ['no realm at all', 'Bearer service="fake"', 'REGISTRY_UNAUTHORIZED'],
    ['a realm that is not a URL', 'Bearer realm="::not a url::"', 'REGISTRY_UNAUTHORIZED'],
    ['a plain-HTTP realm on another host', 'Bearer realm="http://token.example.invalid/token"', 'REGISTRY_INSECURE_REFUSED'],
    ['a file: realm', 'Bearer realm="file:///etc/passwd"', 'REGISTRY_INSECURE_REFUSED'],
    ['an unknown scheme', 'Negotiate abc', 'REGISTRY_UNAUTHORIZED'],
  ])('401 with %s: %s, no credentials sent anywhere', async (_what, challenge, code) => {
    reg.fault = (_req, res) => {
      res.writeHead(401, { 'WWW-Authenticate': challenge });
      res.end();
      return true;
    };
    const env = { HOME: tempDir(), ISB_REGISTRY_USERNAME: 'alice', ISB_REGISTRY_PASSWORD: 'pw' };
    expect(await outcome(`${reg.host}/${REPO}:v1`, verifier({ environment: env }))).toEqual({ verified: false, code });
    expect(reg.requests.every((q) => q.authorization === undefined)).toBe(true);
  });

  test('a token realm that answers with a redirect or no token: REGISTRY_UNAUTHORIZED (the redirect is not followed with credentials)', async () => {
    const seen: string[] = [];
    const elsewhere = await listen((req, res) => { seen.push(String(req.headers.authorization)); res.writeHead(200); res.end('{"token":"x"}'); });
    const realm = await listen((req, res) => {
      if (req.url!.startsWith('/redirect')) { res.writeHead(302, { Location: `http://localhost:${elsewhere.port}/token` }); res.end(); return; }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"nothing":true}');
    });
    open.push(elsewhere, realm);
    for (const p of ['redirect', 'empty']) {
      reg.fault = (_req, res) => {
        res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://127.0.0.1:${realm.port}/${p}"` });
        res.end();
        return true;
      };
      const env = { HOME: tempDir(), ISB_REGISTRY_USERNAME: 'alice', ISB_REGISTRY_PASSWORD: 'pw' };
      expect(await outcome(`${reg.host}/${REPO}:v1`, verifier({ environment: env }))).toEqual({ verified: false, code: 'REGISTRY_UNAUTHORIZED' });
    }
    expect(seen).toEqual([]);
  });

  test('a redirect target that answers 401 with its own realm: not answered, no credentials or token leave for it', async () => {
    const realmSeen: string[] = [];
    const evilRealm = await listen((req, res) => {
      realmSeen.push(String(req.headers.authorization));
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"token":"t"}');
    });
    const storage = await listen((_req, res) => {
      res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://localhost:${evilRealm.port}/token"` });
      res.end();
    });
    open.push(evilRealm, storage);
    reg.fault = (req, res) => {
      if (req.headers.authorization === undefined) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="fake"' });
        res.end();
        return true;
      }
      if (!req.url?.includes('/blobs/')) return false;
      res.writeHead(307, { Location: `http://localhost:${storage.port}/store` });
      res.end();
      return true;
    };
    const env = { HOME: tempDir(), ISB_REGISTRY_USERNAME: 'alice', ISB_REGISTRY_PASSWORD: 'pw-for-the-registry-only' };
    const r = await outcome(`${reg.host}/${REPO}@${reg.digest}`, verifier({ environment: env }));
    expect(r.verified).toBe(false);
    expect(r.result?.failures.map((f) => f.code)).toContain('REGISTRY_UNAUTHORIZED');
    expect(realmSeen).toEqual([]);
  });

  test('oversized response headers and redirects to non-HTTP schemes: REGISTRY_ERROR', async () => {
    reg.fault = (req, res) => {
      if (!onManifest('v1', req)) return false;
      res.writeHead(200, { 'X-Padding': 'x'.repeat(100_000) });
      res.end(reg.manifest);
      return true;
    };
    expect(await outcome(`${reg.host}/${REPO}:v1`)).toEqual({ verified: false, code: 'REGISTRY_ERROR' });
    for (const location of ['file:///etc/passwd', 'ftp://127.0.0.1/x', 'data:,{}']) {
      reg.fault = (req, res) => {
        if (!onManifest('v1', req)) return false;
        res.writeHead(302, { Location: location });
        res.end();
        return true;
      };
      expect(await outcome(`${reg.host}/${REPO}:v1`)).toEqual({ verified: false, code: 'REGISTRY_ERROR' });
    }
  });

  test('a body cut short (connection closed before Content-Length bytes): not verified', async () => {
    reg.fault = (req, res) => {
      if (!onManifest('v1', req)) return false;
      res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json', 'Content-Length': reg.manifest.length });
      res.write(reg.manifest.subarray(0, 20));
      setTimeout(() => res.socket?.destroy(), 20);
      return true;
    };
    expect(await outcome(`${reg.host}/${REPO}:v1`)).toEqual({ verified: false, code: 'REGISTRY_ERROR' });
  });

  test('HTTP where HTTPS was expected: a plain-HTTP server on an https:// URL fails the TLS handshake (REGISTRY_ERROR)', async () => {
    const plain = await listen((_req, res) => { res.writeHead(200); res.end(reg.manifest); });
    open.push(plain);
    const t = new HttpTransport({ timeoutMs: 2000, concurrency: 1 });
    open.push(t);
    await expect(t.request({ method: 'GET', url: new URL(`https://127.0.0.1:${plain.port}/v2/`), headers: {}, maxBytes: 1024 }))
      .rejects.toMatchObject({ code: 'REGISTRY_ERROR' });
  });

  test('a refused port: REGISTRY_ERROR, not verified', async () => {
    const srv = await listen(() => undefined);
    const port = srv.port;
    await srv.close();
    expect(await outcome(`127.0.0.1:${port}/${REPO}:v1`)).toEqual({ verified: false, code: 'REGISTRY_ERROR' });
  });
});
