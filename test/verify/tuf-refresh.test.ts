import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { SigstoreTuf } from '../../src/verify/tuf-root';
import { tempDir } from '../support/fixtures';
import { describeWithPythonTuf, StaticServer, TufRepo } from '../support/tuf-repo';

/*
 * The trusted root refreshed through TUF against a real TUF repository: python-tuf writes it
 * (root, targets, snapshot, timestamp, ed25519 keys, consistent snapshots, hash-prefixed targets),
 * a static server on 127.0.0.1 serves it, and our client (@sigstore/tuf over tuf-js) refreshes
 * from the pinned 1.root.json. The target is a private instance's trusted_root.json.
 */

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'sigstore', 'private-trusted-root.json');

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function refreshError(p: Promise<unknown>): Promise<{ code: string; message: string; fix?: string }> {
  try {
    await p;
  } catch (e) {
    return e as any;
  }
  throw new Error('the refresh succeeded, but it must fail');
}

describeWithPythonTuf('trusted root refreshed through TUF from a python-tuf repository on 127.0.0.1', () => {
  let repo: TufRepo;
  let server: StaticServer;
  beforeAll(async () => {
    repo = TufRepo.create({ 'trusted_root.json': FIXTURE });
    server = await StaticServer.start(repo.dir);
  });
  afterAll(async () => server?.close());
  beforeEach(() => server.requests.splice(0));

  test('refresh: verified against the pinned root, returns the target byte for byte; the second time the cache answers offline', async () => {
    const cacheDir = tempDir('isb-tuf-cache-');
    const r = await SigstoreTuf.refreshTrustedRoot({ mirrorUrl: server.url, cacheDir, initialRootFile: repo.initialRoot, retries: 0 });
    expect(r.json).toBe(fs.readFileSync(FIXTURE, 'utf8'));
    expect(TrustedRoot.fromJSON(JSON.parse(r.json)).certificateAuthorities[0].uri).toBe('https://fulcio.sigstore.acme.internal');
    expect(r.rootVersion).toBe(1);
    expect(r.timestampExpires).toBe(repo.metadata('timestamp.json').signed.expires);
    // the TUF client workflow, in order: next root (absent), timestamp, the versioned snapshot and
    // targets, then the target under its sha256 prefix
    const sha = path.basename(repo.targetFile('trusted_root.json')).split('.')[0];
    expect(server.requests).toEqual(['/2.root.json', '/timestamp.json', '/1.snapshot.json', '/1.targets.json', `/targets/${sha}.trusted_root.json`]);
    expect(r.source).toContain(`from ${server.url} (root v1, timestamp v1`);

    // second time: no request at all, same bytes (the cached timestamp is still valid)
    server.requests.splice(0);
    const again = await SigstoreTuf.refreshTrustedRoot({ mirrorUrl: server.url, cacheDir, initialRootFile: repo.initialRoot, retries: 0 });
    expect(again.json).toBe(r.json);
    expect(server.requests).toEqual([]);
    // and with the mirror gone entirely
    const offline = await SigstoreTuf.refreshTrustedRoot({ mirrorUrl: `http://127.0.0.1:${await closedPort()}`, cacheDir: path.join(cacheDir, 'other'), initialRootFile: repo.initialRoot, retries: 0 })
      .catch((e) => e);
    expect(offline.code).toBe('TUF_MIRROR_UNREACHABLE'); // another mirror URL = another cache: nothing cached there
  });

  test('forceRefresh contacts the mirror even with a valid cache', async () => {
    const cacheDir = tempDir('isb-tuf-cache-');
    await SigstoreTuf.refreshTrustedRoot({ mirrorUrl: server.url, cacheDir, initialRootFile: repo.initialRoot, retries: 0 });
    server.requests.splice(0);
    await SigstoreTuf.refreshTrustedRoot({ mirrorUrl: server.url, cacheDir, initialRootFile: repo.initialRoot, retries: 0, forceRefresh: true });
    expect(server.requests).toEqual(['/2.root.json', '/timestamp.json']);
  });

  test('a private mirror without --tuf-root and an empty cache: TUF_ROOT_REQUIRED (nothing is trusted on first use)', async () => {
    const e = await refreshError(SigstoreTuf.refreshTrustedRoot({ mirrorUrl: server.url, cacheDir: tempDir('isb-tuf-cache-'), retries: 0 }));
    expect(e.code).toBe('TUF_ROOT_REQUIRED');
    expect(e.fix).toContain('--tuf-root FILE');
    expect(server.requests).toEqual([]);
  });

  test('--tuf-root that is not TUF root metadata (the Sigstore trusted_root.json by mistake): TUF_ROOT_INVALID', async () => {
    const e = await refreshError(SigstoreTuf.refreshTrustedRoot({ mirrorUrl: server.url, cacheDir: tempDir('isb-tuf-cache-'), initialRootFile: FIXTURE, retries: 0 }));
    expect(e.code).toBe('TUF_ROOT_INVALID');
    expect(e.fix).toContain('not the Sigstore trusted_root.json');
  });

  test('an unreachable mirror with an empty cache: TUF_MIRROR_UNREACHABLE naming --trusted-root', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const e = await refreshError(SigstoreTuf.refreshTrustedRoot({ mirrorUrl: url, cacheDir: tempDir('isb-tuf-cache-'), initialRootFile: repo.initialRoot, retries: 0 }));
    expect(e.code).toBe('TUF_MIRROR_UNREACHABLE');
    expect(e.message).toContain(url);
    expect(e.fix).toContain('--trusted-root FILE');
  });

  test('the public mirror starts from the root embedded in @sigstore/tuf (v14, expired: allowed as the initial root); unreachable here: TUF_MIRROR_UNREACHABLE', async () => {
    const cacheDir = tempDir('isb-tuf-cache-');
    const r = await SigstoreTuf.refreshTrustedRoot({ mirrorUrl: 'https://tuf-repo-cdn.sigstore.dev', cacheDir, retries: 0, timeoutMs: 3000 }).catch((e) => e);
    if (r.json !== undefined) {
      // a machine that reaches the public mirror: the chain from v14 was walked
      expect(r.rootVersion).toBeGreaterThan(14);
    } else {
      // no network to the public mirror (this project's machines): the refresh fails closed, nothing from the seed is returned
      expect(r.code).toBe('TUF_MIRROR_UNREACHABLE');
      const seeded = JSON.parse(fs.readFileSync(path.join(cacheDir, 'tuf-repo-cdn.sigstore.dev', 'root.json'), 'utf8'));
      expect([seeded.signed._type, seeded.signed.version, seeded.signed.expires]).toEqual(['root', 14, '2026-06-22T13:27:01Z']);
    }
  });

  test('plain http to a non-loopback mirror is refused', async () => {
    const e = await refreshError(SigstoreTuf.refreshTrustedRoot({ mirrorUrl: 'http://tuf.example.com', cacheDir: tempDir('isb-tuf-cache-') }));
    expect(e.code).toBe('VERIFY_OPTIONS_INVALID');
  });
});

describeWithPythonTuf('TUF refresh fails closed', () => {
  // each case gets its own repository: they change it
  let repo: TufRepo;
  let server: StaticServer;
  beforeEach(async () => {
    repo = TufRepo.create({ 'trusted_root.json': FIXTURE });
    server = await StaticServer.start(repo.dir);
  });
  afterEach(async () => server?.close());
  const refresh = (cacheDir = tempDir('isb-tuf-cache-')) => SigstoreTuf.refreshTrustedRoot({ mirrorUrl: server.url, cacheDir, initialRootFile: repo.initialRoot, retries: 0 });

  test('a tampered target (same length, one byte changed): TUF_TARGET_TAMPERED, nothing returned or cached', async () => {
    const file = repo.targetFile('trusted_root.json');
    const orig = fs.readFileSync(file, 'utf8');
    const tampered = orig.replace('fulcio.sigstore.acme.internal', 'fulcio.sigstore.evil.internal');
    expect(tampered.length).toBe(orig.length);
    fs.writeFileSync(file, tampered);
    const cacheDir = tempDir('isb-tuf-cache-');
    const e = await refreshError(refresh(cacheDir));
    expect(e.code).toBe('TUF_TARGET_TAMPERED');
    expect(e.message).toMatch(/Expected hash [0-9a-f]{64} but got [0-9a-f]{64}/);
    // the tampered bytes are not in the cache
    const cached = fs.readdirSync(cacheDir, { recursive: true }).map(String).filter((f) => f.endsWith('trusted_root.json'));
    expect(cached).toEqual([]);
  });

  test('a longer tampered target: TUF_TARGET_TAMPERED (length bound)', async () => {
    const file = repo.targetFile('trusted_root.json');
    fs.writeFileSync(file, `${fs.readFileSync(file, 'utf8')} `);
    expect((await refreshError(refresh())).code).toBe('TUF_TARGET_TAMPERED');
  });

  test('expired timestamp metadata (properly signed, expiry in the past): TUF_METADATA_EXPIRED', async () => {
    repo.run('timestamp', '--expires', '2026-01-01T00:00:00Z');
    expect(repo.metadata('timestamp.json').signed.version).toBe(2);
    const e = await refreshError(refresh());
    expect(e.code).toBe('TUF_METADATA_EXPIRED');
    expect(e.message).toContain('timestamp.json is expired');
    expect(e.message).toContain('never used');
  });

  test('a cache whose timestamp expired meanwhile refreshes from the mirror, and fails when the mirror is stale too', async () => {
    const cacheDir = tempDir('isb-tuf-cache-');
    await refresh(cacheDir);
    // the cache now holds a properly signed timestamp (v2) whose expiry has passed, and so does the mirror
    repo.run('timestamp', '--expires', '2026-01-01T00:00:00Z');
    const mirrorDir = fs.readdirSync(cacheDir)[0];
    fs.copyFileSync(path.join(repo.dir, 'timestamp.json'), path.join(cacheDir, mirrorDir, 'timestamp.json'));
    server.requests.splice(0);
    const e = await refreshError(refresh(cacheDir));
    expect(server.requests).toContain('/timestamp.json');
    expect(e.code).toBe('TUF_METADATA_EXPIRED');
  });

  test('targets metadata signed by a key the root does not trust: TUF_METADATA_INVALID', async () => {
    repo.run('rogue-targets');
    const e = await refreshError(refresh());
    expect(e.code).toBe('TUF_METADATA_INVALID');
    expect(e.message).toMatch(/signed by 0\/1 keys|failed to verify/);
  });

  test('a repository whose targets do not list trusted_root.json: TUF_TARGET_NOT_FOUND', async () => {
    const empty = TufRepo.create({});
    const s2 = await StaticServer.start(empty.dir);
    try {
      const e = await refreshError(SigstoreTuf.refreshTrustedRoot({ mirrorUrl: s2.url, cacheDir: tempDir('isb-tuf-cache-'), initialRootFile: empty.initialRoot, retries: 0 }));
      expect(e.code).toBe('TUF_TARGET_NOT_FOUND');
      expect(e.fix).toContain('"trusted_root.json"');
    } finally {
      await s2.close();
    }
  });

  test('a root rotation signed by the old and the new root key is followed (root v2), from the pinned v1', async () => {
    repo.run('rotate-root');
    repo.run('publish');
    const r = await refresh();
    expect(r.rootVersion).toBe(2);
    expect(server.requests.slice(0, 2)).toEqual(['/2.root.json', '/3.root.json']);
  });
});
