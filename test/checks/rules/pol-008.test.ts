import * as fs from 'node:fs';
import * as path from 'node:path';
import { clusterPolicy, editWorkflow, findingsFor } from './harness';
import { Artifacts } from '../../../src/synth/artifacts';
import { expectSchemaValid, SCHEMAS } from '../../support/schemas';

/*
 * ISB-POL-008: the policies' trust root must know the Fulcio and Rekor the workflow signs with.
 * The private instance is the test fixture (test/fixtures/sigstore): CA at
 * https://fulcio.sigstore.acme.internal, Rekor at https://rekor.sigstore.acme.internal.
 * "Another CA" is the public Sigstore Fulcio CA from the seed @sigstore/tuf ships.
 */

const FIX = path.join(__dirname, '..', '..', 'fixtures', 'sigstore');
const TRUSTED_ROOT = fs.readFileSync(path.join(FIX, 'private-trusted-root.json'), 'utf8');
const FULCIO = 'https://fulcio.sigstore.acme.internal';
const REKOR = 'https://rekor.sigstore.acme.internal';
const files = { files: { 'trusted_root.json': TRUSTED_ROOT } };

const seeds = JSON.parse(fs.readFileSync(require.resolve('@sigstore/tuf/seeds.json'), 'utf8'));
const publicRoot = JSON.parse(Buffer.from(seeds['https://tuf-repo-cdn.sigstore.dev'].targets['trusted_root.json'], 'base64').toString('utf8'));
const pem = (label: string, b64: string) => `-----BEGIN ${label}-----\n${(b64.match(/.{1,64}/g) ?? []).join('\n')}\n-----END ${label}-----\n`;
const PUBLIC_FULCIO_CHAIN = publicRoot.certificateAuthorities.at(-1).certChain.certificates.map((c: any) => pem('CERTIFICATE', c.rawBytes)).join('');
const PUBLIC_REKOR_KEY = pem('PUBLIC KEY', publicRoot.tlogs[0].publicKey.rawBytes);

const config = (keyless: Record<string, unknown> = { fulcioUrl: FULCIO, rekorUrl: REKOR, trustedRootFile: 'trusted_root.json' }, cosign = { version: 'v2.6.5', signatureFormat: 'legacy' }) => ({
  name: 'acme',
  github: { owner: 'acme' },
  repositories: [{ name: 'web', images: ['ghcr.io/acme/web'] }],
  signing: { mode: 'keyless', cosign, keyless },
  clusters: [
    { name: 'cp', kyverno: { policy: 'ClusterPolicy', version: '1.16' } },
    { name: 'ivp', kyverno: { policy: 'ImageValidatingPolicy', version: '1.19' } },
    { name: 'pc', kyverno: { enabled: false }, policyController: { enabled: true } },
  ],
});
const objects = (a: Artifacts, cluster: string) => a.clusterObjects.get(cluster) as any[];
const keylessEntry = (a: Artifacts) => clusterPolicy(a, 'cp').spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless;
const summary = (f: { level: string; path: string; message: string }[]) => f.map((x) => [x.level, x.path, x.message]);

describe('ISB-POL-008 the policies\' trust root knows the workflow\'s Fulcio and Rekor', () => {
  test('neighbour: a private instance rendered from one trusted root file, cosign v2 legacy (--fulcio-url/--rekor-url)', () => {
    expect(findingsFor('ISB-POL-008', config(), undefined, files)).toEqual([]);
  });
  test('neighbour: the same with cosign v3 bundles (the URLs come from `cosign signing-config create`)', () => {
    // `both`: policy-controller (cluster pc) reads no image signature stored as a bundle (ISB-POL-003)
    expect(findingsFor('ISB-POL-008', config(undefined, { version: 'v3.1.3', signatureFormat: 'both' }), (a) => {
      // the workflow really signs through a generated signing config here
      const wf = [...a.files.entries()].find(([k]) => k.endsWith('.yml') && k.includes('workflows'))![1];
      expect(wf).toContain(`--fulcio="url=${FULCIO},`);
    }, files)).toEqual([]);
  });
  test('neighbour: the trusted root names the log by http://host:port, the config by https://host:port (the scheme is not the service)', () => {
    const root = JSON.parse(TRUSTED_ROOT);
    root.tlogs[0].baseUrl = 'http://rekor.sigstore.acme.internal:8080';
    const cfg = config({ fulcioUrl: FULCIO, rekorUrl: 'https://rekor.sigstore.acme.internal:8080', trustedRootFile: 'trusted_root.json' });
    expect(findingsFor('ISB-POL-008', cfg, undefined, { files: { 'trusted_root.json': JSON.stringify(root) } })).toEqual([]);
    // another port is another log
    const other = config({ fulcioUrl: FULCIO, rekorUrl: 'https://rekor.sigstore.acme.internal:8443', trustedRootFile: 'trusted_root.json' });
    expect(findingsFor('ISB-POL-008', other, undefined, { files: { 'trusted_root.json': JSON.stringify(root) } }).map((f) => f.path)).toEqual(['signing.keyless']);
  });
  test('neighbour: the public instance with no trust material anywhere (every engine\'s default)', () => {
    expect(findingsFor('ISB-POL-008', config({}))).toEqual([]);
  });

  test('fires: the workflow\'s Fulcio is not the one the trusted root file lists (at signing.keyless)', () => {
    const f = findingsFor('ISB-POL-008', config({ fulcioUrl: 'https://fulcio.other.internal', rekorUrl: REKOR, trustedRootFile: 'trusted_root.json' }), undefined, files);
    expect(summary(f)).toEqual([['error', 'signing.keyless',
      'repository "web": the workflow signs with Fulcio https://fulcio.other.internal, but the trusted root file "trusted_root.json" lists no '
      + 'certificate authority at https://fulcio.other.internal: no policy can verify its certificates']]);
  });
  test('fires: a private Fulcio and Rekor without a trusted root file (the policies would trust the public root)', () => {
    const f = findingsFor('ISB-POL-008', config({ fulcioUrl: FULCIO, rekorUrl: REKOR }));
    expect(f.map((x) => x.message)).toEqual([
      `repository "web": the workflow signs with Fulcio ${FULCIO}, but no trusted root file is configured (signing.keyless.trustedRootFile) for the private Fulcio ${FULCIO}: no policy can verify its certificates`,
      `repository "web": the workflow signs with Rekor ${REKOR}, but no trusted root file is configured (signing.keyless.trustedRootFile) for the private Rekor ${REKOR}: no policy can verify its log entries`,
    ]);
  });
  test('fires: a private trusted root while the workflow signs with the public Fulcio and Rekor: every engine\'s policy', () => {
    const f = findingsFor('ISB-POL-008', config({ trustedRootFile: 'trusted_root.json' }), undefined, files);
    const byPath = (p: string) => f.filter((x) => x.path === p).map((x) => x.message);
    expect(byPath('clusters[0]')).toEqual([
      expect.stringMatching(/ClusterPolicy\/.* trusts only keyless\.roots, but the workflow signs with the public Fulcio https:\/\/fulcio\.sigstore\.dev \(repository "web"\)$/),
      expect.stringMatching(/trusts only keyless\.rekor\.pubkey, but the workflow signs with the public Rekor https:\/\/rekor\.sigstore\.dev/),
    ]);
    expect(byPath('clusters[1]')).toEqual([
      expect.stringMatching(/ImageValidatingPolicy\/.* attestors\.\w+: trusts only cosign\.trustedRoot\.value certificateAuthorities, but the workflow signs with the public Fulcio/),
      expect.stringMatching(/trusts only cosign\.trustedRoot\.value tlogs, but the workflow signs with the public Rekor/),
    ]);
    expect(byPath('clusters[2]')).toEqual([
      expect.stringMatching(/ClusterImagePolicy\/.* authorities\.\w+: trusts only TrustRoot\/acme-sigstore certificateAuthorities, but the workflow signs with the public Fulcio/),
      expect.stringMatching(/trusts only TrustRoot\/acme-sigstore tLogs, but the workflow signs with the public Rekor/),
    ]);
  });

  test('fires: a customized ClusterPolicy whose roots are another CA (the public Fulcio\'s chain)', () => {
    const f = findingsFor('ISB-POL-008', config(), (a) => { keylessEntry(a).roots = PUBLIC_FULCIO_CHAIN; }, files);
    expect(summary(f)).toEqual([['error', 'clusters[0]', expect.stringMatching(
      /rules\[0\]\.verifyImages\[0\]: keyless\.roots holds none of the certificates the trusted root file "trusted_root\.json" \(Fulcio https:\/\/fulcio\.sigstore\.acme\.internal\) lists for the workflow's Fulcio/)]]);
  });
  test('fires: a customized ClusterPolicy whose rekor.pubkey is the public Rekor\'s', () => {
    const f = findingsFor('ISB-POL-008', config(), (a) => { keylessEntry(a).rekor.pubkey = PUBLIC_REKOR_KEY; }, files);
    expect(summary(f)).toEqual([['error', 'clusters[0]', expect.stringMatching(/keyless\.rekor\.pubkey holds none of the keys .* Rekor https:\/\/rekor\.sigstore\.acme\.internal/)]]);
  });
  test('neighbour: the same foreign rekor.pubkey on a verifier that ignores the tlog', () => {
    expect(findingsFor('ISB-POL-008', config(), (a) => {
      keylessEntry(a).rekor = { ...keylessEntry(a).rekor, pubkey: PUBLIC_REKOR_KEY, ignoreTlog: true };
    }, files)).toEqual([]);
  });
  test('fires: an ImageValidatingPolicy without its trustedRoot (the engine falls back to the public root)', () => {
    const f = findingsFor('ISB-POL-008', config(), (a) => {
      for (const p of objects(a, 'ivp').filter((o) => o.kind === 'ImageValidatingPolicy')) {
        for (const at of p.spec.attestors) delete at.cosign.trustedRoot;
        expectSchemaValid(SCHEMAS.imageValidatingPolicy, p);
      }
    }, files);
    expect(f.map((x) => x.message)).toEqual([
      expect.stringMatching(/names no certificate authority of its own, so the engine trusts the public Sigstore root, but the workflow signs with Fulcio https:\/\/fulcio\.sigstore\.acme\.internal from the trusted root file/),
      expect.stringMatching(/names no log key of its own, .* Rekor https:\/\/rekor\.sigstore\.acme\.internal/),
    ]);
  });
  test('fires: the TrustRoot the authorities name was removed from the cluster', () => {
    const f = findingsFor('ISB-POL-008', config(), (a) => {
      const list = objects(a, 'pc');
      list.splice(list.findIndex((o) => o.kind === 'TrustRoot'), 1);
    }, files);
    expect(f.map((x) => x.message)).toEqual([expect.stringMatching(/authorities\.\w+: trustRootRef "acme-sigstore" names a TrustRoot the cluster's manifests do not contain$/)]);
  });
  test('fires: a workflow edited to sign with another Fulcio than the config says', () => {
    const f = findingsFor('ISB-POL-008', config(), (a) => editWorkflow(a, (t) => t.replace(`--fulcio-url ${FULCIO}`, '--fulcio-url https://fulcio.sigstore.dev')), files);
    expect(f.length).toBe(3); // one per engine's policy
    expect(f.every((x) => /trusts only .*, but the workflow signs with the public Fulcio https:\/\/fulcio\.sigstore\.dev/.test(x.message))).toBe(true);
  });
});
