import * as fs from 'node:fs';
import { BatchVerification } from '../../src/verify/batch';
import { ImageVerifier, SignatureLookup } from '../../src/verify/image-verifier';
import { parseRegistryRef } from '../../src/verify/reference';
import { RegistryClient } from '../../src/verify/registry-client';
import { cosignGenerateKeyPair, cosignSign, CosignFormat, ok } from '../support/cosign';
import { tempDir } from '../support/fixtures';
import { describeWithInterop, requireInteropTool } from '../support/interop';
import { DockerRegistry, LoggedRequest, pushTinyImage, startGgcrRegistry, startRegistry } from '../support/registry';
import { describeWithTool } from '../support/tools';

/**
 * Registry requests per verified image, counted in the registry's own request log (docker-registry's
 * access log; go-containerregistry's request log for the registry with the referrers API), for
 * images signed by real cosign v3.1.3 in each storage: legacy `.sig` tag, Sigstore bundle found
 * through the referrers fallback tag (distribution 2.8 has no referrers API), bundle found through
 * the referrers API (interop/referrers-registry). Issue 15 part 5's target: at most 3 requests per
 * legacy-signed image on a registry without the referrers API. Each bound below fails when the
 * verifier makes one request more per image.
 */
const PASSWORD = 'count-pw';
const N = 4;

type Kind = 'manifest' | 'tag' | 'sig' | 'att' | 'fallback-tag' | 'referrers' | 'blob' | 'other';

/** what a logged request read, from its path */
function kindOf(r: LoggedRequest): Kind {
  if (r.path.includes('/referrers/')) return 'referrers';
  if (r.path.includes('/blobs/')) return 'blob';
  const m = /\/manifests\/(.+)$/.exec(r.path);
  if (!m) return 'other';
  if (m[1].startsWith('sha256:')) return 'manifest';
  if (m[1].endsWith('.sig')) return 'sig';
  if (m[1].endsWith('.att')) return 'att';
  return /^sha256-[a-f0-9]{64}$/.test(m[1]) ? 'fallback-tag' : 'tag';
}

interface Counted {
  readonly total: number;
  /** requests per image (one repository per image) */
  readonly perImage: number[];
  readonly byKind: Partial<Record<Kind, number>>;
  /** how often the most-read URL was read */
  readonly maxPerUrl: number;
}

function tally(reqs: LoggedRequest[], repos: string[]): Counted {
  const byKind: Partial<Record<Kind, number>> = {};
  const perUrl = new Map<string, number>();
  for (const r of reqs) {
    byKind[kindOf(r)] = (byKind[kindOf(r)] ?? 0) + 1;
    perUrl.set(r.path, (perUrl.get(r.path) ?? 0) + 1);
  }
  return {
    total: reqs.length,
    perImage: repos.map((repo) => reqs.filter((r) => r.path.startsWith(`/v2/${repo}/`)).length),
    byKind,
    maxPerUrl: Math.max(0, ...perUrl.values()),
  };
}

describeWithTool('docker-registry', 'registry requests per verified image', () => {
  describeWithInterop(['cosign-v3', 'referrers-registry'], 'images signed by real cosign v3.1.3, requests counted in the registry\'s own log', () => {
    let docker: DockerRegistry;
    let withApi: DockerRegistry;
    let keys: { key: string; pub: string };
    let n = 0;
    const verifiers: ImageVerifier[] = [];
    const verifier = () => {
      const v = new ImageVerifier({ publicKeyPems: [fs.readFileSync(keys.pub, 'utf8')], insecureIgnoreTlog: true, environment: { HOME: tempDir() }, retries: 0 });
      verifiers.push(v);
      return v;
    };

    beforeAll(async () => {
      [docker, withApi, keys] = await Promise.all([
        startRegistry({ accessLog: true }),
        startGgcrRegistry(requireInteropTool('referrers-registry'), { accessLog: true }),
        cosignGenerateKeyPair('cosign-v3', PASSWORD),
      ]);
    }, 60_000);
    afterAll(async () => {
      verifiers.forEach((v) => v.close());
      await Promise.all([docker?.stop(), withApi?.stop()]);
    });

    /** N images, each in its own repository, signed by cosign v3.1.3 in `format` */
    async function signedImages(reg: DockerRegistry, format: CosignFormat): Promise<{ images: string[]; repos: string[] }> {
      const repos = Array.from({ length: N }, () => `count/${format}-${++n}`);
      const images: string[] = [];
      for (const repo of repos) {
        const img = await pushTinyImage(reg, repo, 'v1', `count ${n} ${repo}\n`);
        const ref = `${reg.host}/${repo}@${img.digest}`;
        ok(await cosignSign('cosign-v3', ref, { key: keys.key, password: PASSWORD, format }));
        images.push(ref);
      }
      return { images, repos };
    }

    /** a fresh verifier (nothing known yet about the registry) verifies the images as a batch */
    async function counted(reg: DockerRegistry, images: string[], repos: string[], lookup: SignatureLookup): Promise<Counted> {
      const from = await reg.mark();
      const results = await BatchVerification.verifyAll(verifier(), images, { lookup });
      expect(results.map((r) => [r.verified, r.code])).toEqual(images.map(() => [true, undefined]));
      return tally(await reg.requestsSince(from), repos);
    }

    test('legacy .sig on a registry without the referrers API: 3 requests per image (target ≤ 3), bundles not probed', async () => {
      const { images, repos } = await signedImages(docker, 'legacy');
      const c = await counted(docker, images, repos, SignatureLookup.UNTIL_VERIFIED);
      // image manifest, .sig manifest, the one payload blob
      expect(c.perImage).toEqual(images.map(() => 3));
      expect(c.byKind).toEqual({ manifest: N, sig: N, blob: N });
      expect(c.maxPerUrl).toBe(1);
      // by tag: the tag's manifest is the image manifest (not fetched again by its digest)
      const byTag = await counted(docker, images.map((im) => `${im.split('@')[0]}:v1`), repos, SignatureLookup.UNTIL_VERIFIED);
      expect(byTag.perImage).toEqual(images.map(() => 3));
      expect(byTag.byKind).toEqual({ tag: N, sig: N, blob: N });
    });

    test('legacy .sig, every kind read (SignatureLookup.ALL): 4 per image plus one referrers probe per registry', async () => {
      const { images, repos } = await signedImages(docker, 'legacy');
      const c = await counted(docker, images, repos, SignatureLookup.ALL);
      // the first listing learns that distribution 2.8 answers 404 to /referrers/; concurrent
      // listings wait for that answer instead of probing too
      expect(c.byKind).toEqual({ 'manifest': N, 'sig': N, 'blob': N, 'fallback-tag': N, 'referrers': 1 });
      expect(c.total).toBeLessThanOrEqual(4 * N + 1);
      expect(c.maxPerUrl).toBe(1);
    });

    test('bundle through the referrers fallback tag: 5 per image plus one referrers probe per registry', async () => {
      const { images, repos } = await signedImages(docker, 'bundle');
      for (const lookup of [SignatureLookup.UNTIL_VERIFIED, SignatureLookup.ALL]) {
        const c = await counted(docker, images, repos, lookup);
        // image manifest, .sig (404), fallback tag index, bundle manifest, bundle blob
        expect(c.byKind).toEqual({ 'manifest': 2 * N, 'sig': N, 'fallback-tag': N, 'blob': N, 'referrers': 1 });
        expect(c.total).toBeLessThanOrEqual(5 * N + 1);
        expect(c.maxPerUrl).toBe(1);
      }
    });

    test('bundle through the referrers API: 5 per image, no fallback tag read', async () => {
      const { images, repos } = await signedImages(withApi, 'bundle');
      for (const lookup of [SignatureLookup.UNTIL_VERIFIED, SignatureLookup.ALL]) {
        const c = await counted(withApi, images, repos, lookup);
        // image manifest, .sig (404), referrers API, bundle manifest, bundle blob
        expect(c.perImage).toEqual(images.map(() => 5));
        expect(c.byKind).toEqual({ manifest: 2 * N, sig: N, referrers: N, blob: N });
        expect(c.maxPerUrl).toBe(1);
      }
    });

    test('signature and attestation lookups of one image share the image manifest and the bundle reads', async () => {
      const { images, repos } = await signedImages(docker, 'bundle');
      const v = verifier();
      // concurrently, as evaluateBlueprint reads them: one listing, one read of each bundle
      let from = await docker.mark();
      const [sig, att] = await Promise.all([v.verify(images[0]), v.verifyAttestation(images[0], 'custom')]);
      // the signature bundle is read for both; for the attestation it is of another predicate type
      expect([sig.verified, att.verified, att.code]).toEqual([true, false, 'PREDICATE_TYPE_MISMATCH']);
      let c = tally(await docker.requestsSince(from), repos);
      // image manifest, .sig (404), .att (404), referrers probe, fallback tag, bundle manifest, bundle blob
      expect(c.byKind).toEqual({ 'manifest': 2, 'sig': 1, 'att': 1, 'referrers': 1, 'fallback-tag': 1, 'blob': 1 });
      // later, with the same verifier: nothing is read twice
      from = await docker.mark();
      const again = await v.verifyAttestation(images[0], 'custom');
      expect(again.code).toBe('PREDICATE_TYPE_MISMATCH');
      c = tally(await docker.requestsSince(from), repos);
      expect(c.total).toBe(0);
    });

    test('a 404 NAME_UNKNOWN from the referrers API (no such repository) is not taken for "no referrers API"', async () => {
      const { images } = await signedImages(withApi, 'bundle');
      const client = new RegistryClient({ retries: 0 });
      try {
        const ref = parseRegistryRef(images[0]);
        const missing = await client.referrers({ ...ref, repository: 'count/does-not-exist' }, ref.digest!);
        expect(missing.via).toBe('none');
        const found = await client.referrers(ref, ref.digest!);
        expect(found.via).toBe('api');
        expect(found.descriptors).toHaveLength(1);
      } finally {
        client.close();
      }
    });
  });
});
