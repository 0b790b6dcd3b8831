import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderClusterObjects } from '../../src/cluster/manifests';
import { validateConfig } from '../../src/config/load';
import { ConfigError } from '../../src/config/problems';
import { buildModel } from '../../src/model/build';
import { renderRunbook } from '../../src/runbook/runbook';
import { findingsFor } from '../checks/rules/harness';
import { projectDir } from '../support/fixtures';
import { expectSchemaValid, SCHEMAS } from '../support/schemas';

/*
 * signing.keyless.tuf: the TUF repository that publishes a private instance's trusted root. The
 * verifiers that can refresh it do: the policy-controller TrustRoot becomes `spec.remote` (mirror +
 * base64 root.json; exactly one of repository/remote/sigstoreKeys), the ImageValidatingPolicy gets
 * `cosign.tuf` (mirror + root.data); Kyverno ClusterPolicy (no per-policy TUF) keeps the snapshot's
 * roots. Every generated object is checked against the engines' own CRD schemas.
 */

const FIX = path.join(__dirname, '..', 'fixtures', 'sigstore');
const TRUSTED_ROOT = fs.readFileSync(path.join(FIX, 'private-trusted-root.json'), 'utf8');
/** TUF root metadata as python-tuf writes it (shape only: the renderers copy it, verifiers check its signatures) */
const TUF_ROOT = JSON.stringify({
  signatures: [{ keyid: 'ab'.repeat(32), sig: 'cd'.repeat(64) }],
  signed: {
    _type: 'root',
    consistent_snapshot: true,
    expires: '2027-12-01T00:00:00Z',
    spec_version: '1.0.31',
    version: 1,
    keys: { ['ab'.repeat(32)]: { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: 'ef'.repeat(32) } } },
    roles: Object.fromEntries(['root', 'targets', 'snapshot', 'timestamp'].map((r) => [r, { keyids: ['ab'.repeat(32)], threshold: 1 }])),
  },
});
const MIRROR = 'https://tuf.sigstore.acme.internal';

const config = (keyless: Record<string, unknown>) => ({
  name: 'acme',
  github: { owner: 'acme' },
  repositories: [{ name: 'web', images: ['ghcr.io/acme/web'] }],
  signing: {
    mode: 'keyless',
    cosign: { version: 'v2.6.5', signatureFormat: 'legacy' },
    keyless: { fulcioUrl: 'https://fulcio.sigstore.acme.internal', rekorUrl: 'https://rekor.sigstore.acme.internal', trustedRootFile: 'trusted_root.json', ...keyless },
  },
  clusters: [
    { name: 'pc', kyverno: { enabled: false }, policyController: { enabled: true } },
    { name: 'cp', kyverno: { policy: 'ClusterPolicy', version: '1.16' } },
    { name: 'ivp', kyverno: { policy: 'ImageValidatingPolicy', version: '1.19' } },
    { name: 'ivp116', kyverno: { policy: 'ImageValidatingPolicy', version: '1.16' } },
  ],
});
const files = { 'trusted_root.json': TRUSTED_ROOT, 'tuf/1.root.json': TUF_ROOT, 'not-a-tuf-root.json': TRUSTED_ROOT };
const model = (keyless: Record<string, unknown>) => buildModel(validateConfig(config(keyless)), { baseDir: projectDir(files) });
const problems = (keyless: Record<string, unknown>) => {
  try {
    model(keyless);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => [p.path, p.message]);
    throw e;
  }
  return [];
};

describe('signing.keyless.tuf in the config', () => {
  test('read into the model: mirror and the root file as is', () => {
    const m = model({ tuf: { mirror: MIRROR, rootFile: 'tuf/1.root.json' } });
    expect(m.signing.keyless?.tuf).toEqual({ mirror: MIRROR, rootJson: TUF_ROOT, rootFile: 'tuf/1.root.json' });
  });
  test.each([
    [{ tuf: { mirror: MIRROR, rootFile: 'tuf/1.root.json' }, trustedRootFile: undefined }, 'signing.keyless.tuf', 'needs signing.keyless.trustedRootFile as well'],
    [{ tuf: { mirror: MIRROR, rootFile: 'not-a-tuf-root.json' } }, 'signing.keyless.tuf.rootFile', 'is not TUF root metadata'],
    [{ tuf: { mirror: MIRROR, rootFile: 'missing.json' } }, 'signing.keyless.tuf.rootFile', 'file not found'],
    [{ tuf: { mirror: 'http://tuf.sigstore.acme.internal', rootFile: 'tuf/1.root.json' } }, 'signing.keyless.tuf.mirror', 'must be an https:// URL'],
  ])('refused: %j at %s', (keyless, at, message) => {
    const got = problems(keyless);
    expect(got).toEqual([[at, expect.stringContaining(message)]]);
  });
  test('http is accepted on the loopback interface only', () => {
    expect(problems({ tuf: { mirror: 'http://127.0.0.1:8080', rootFile: 'tuf/1.root.json' } })).toEqual([]);
  });
});

describe('signing.keyless.tuf in the policies', () => {
  const m = model({ tuf: { mirror: MIRROR, rootFile: 'tuf/1.root.json' } });
  const objs = (name: string) => renderClusterObjects(m, m.clusters.find((c) => c.name === name)!);

  test('policy-controller: the TrustRoot is spec.remote (mirror, base64 of the root.json), named by every trustRootRef; schema-valid', () => {
    const pc = objs('pc');
    const tr = pc.find((o) => o.kind === 'TrustRoot')!;
    expectSchemaValid(SCHEMAS.trustRoot, tr);
    expect(Object.keys(tr.spec)).toEqual(['remote']);
    expect(tr.spec.remote.mirror).toBe(MIRROR);
    expect(Buffer.from(tr.spec.remote.root, 'base64').toString('utf8')).toBe(TUF_ROOT);
    for (const cip of pc.filter((o) => o.kind === 'ClusterImagePolicy')) {
      expectSchemaValid(SCHEMAS.clusterImagePolicy, cip);
      for (const a of cip.spec.authorities) expect([a.keyless.trustRootRef, a.ctlog.trustRootRef]).toEqual([tr.metadata.name, tr.metadata.name]);
    }
  });
  test('ImageValidatingPolicy (1.19 and 1.16): cosign.tuf = mirror + root.data next to the trustedRoot snapshot; schema-valid', () => {
    for (const [cluster, schema] of [['ivp', SCHEMAS.imageValidatingPolicy], ['ivp116', 'kyverno-1.16/imagevalidatingpolicy-v1beta1.json']]) {
      const ps = objs(cluster).filter((o) => o.kind === 'ImageValidatingPolicy');
      expect(ps.length).toBeGreaterThan(0);
      for (const p of ps) {
        if (cluster === 'ivp116') expect(p.apiVersion).toBe('policies.kyverno.io/v1beta1');
        expectSchemaValid(schema, p);
        const cosign = p.spec.attestors[0].cosign;
        expect(cosign.tuf.mirror).toBe(MIRROR);
        expect(Buffer.from(cosign.tuf.root.data, 'base64').toString('utf8')).toBe(TUF_ROOT);
        expect(cosign.tuf.root.path).toBeUndefined();
        expect(cosign.trustedRoot).toEqual({ value: TRUSTED_ROOT });
      }
    }
  });
  test('Kyverno ClusterPolicy has no per-policy TUF: the snapshot\'s roots, as without tuf', () => {
    const without = model({});
    const cp = objs('cp').find((o) => o.kind === 'ClusterPolicy')!;
    const before = renderClusterObjects(without, without.clusters.find((c) => c.name === 'cp')!).find((o) => o.kind === 'ClusterPolicy')!;
    expect(cp).toEqual(before);
    expectSchemaValid(SCHEMAS.clusterPolicy116, cp);
  });
  test('without tuf nothing changes: sigstoreKeys TrustRoot, no cosign.tuf', () => {
    const plain = model({});
    const pc = renderClusterObjects(plain, plain.clusters[0]);
    expect(Object.keys(pc.find((o) => o.kind === 'TrustRoot')!.spec)).toEqual(['sigstoreKeys']);
    const ivp = renderClusterObjects(plain, plain.clusters[2]).find((o) => o.kind === 'ImageValidatingPolicy')!;
    expect(ivp.spec.attestors[0].cosign.tuf).toBeUndefined();
  });
  test('the runbook says how cosign and Kyverno reach the repository', () => {
    const md = renderRunbook(m, { githubDir: (r) => `github/${r}`, kubernetesDir: (c) => `kubernetes/${c}`, terraformStackDir: (r) => `terraform/stacks/${r}` });
    expect(md).toContain(`cosign initialize --mirror ${MIRROR} --root tuf/1.root.json`);
    expect(md).toContain(`policy-controller refreshes through TUF from \`${MIRROR}\``);
    expect(md).toContain('`--tufMirror` and `--tufRoot`');
    const plain = model({});
    expect(renderRunbook(plain, { githubDir: (r) => r, kubernetesDir: (c) => c, terraformStackDir: (r) => r })).not.toContain('cosign initialize');
  });
  test('ISB-NET-002: an air-gapped cluster\'s keyless ImageValidatingPolicy needs the private TUF mirror; signing.keyless.tuf gives it', () => {
    const airGapped = (keyless: Record<string, unknown>) => ({
      ...config(keyless),
      clusters: [{ name: 'ivp', airGapped: true, kyverno: { policy: 'ImageValidatingPolicy', version: '1.19' } }],
    });
    const without = findingsFor('ISB-NET-002', airGapped({}), undefined, { files });
    expect(without.map((f) => [f.level, f.path])).toEqual([['error', 'clusters[0].airGapped']]);
    expect(without[0].fix).toContain('signing.keyless.tuf');
    expect(findingsFor('ISB-NET-002', airGapped({ tuf: { mirror: MIRROR, rootFile: 'tuf/1.root.json' } }), undefined, { files })).toEqual([]);
  });
  test('the checks pass it (ISB-POL-008 reads the snapshot for ClusterPolicy and IVPOL; a remote TrustRoot is refreshed at run time)', () => {
    const f = findingsFor('ISB-POL-008', config({ tuf: { mirror: MIRROR, rootFile: 'tuf/1.root.json' } }), undefined, { files });
    expect(f).toEqual([]);
  });
});
