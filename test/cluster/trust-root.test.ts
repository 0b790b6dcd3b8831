import { spawnSync } from 'node:child_process';
import { createPublicKey, X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { renderKyvernoClusterPolicy } from '../../src/cluster/kyverno-cluster-policy';
import { renderImageValidatingPolicies } from '../../src/cluster/kyverno-ivpol';
import { renderClusterObjects } from '../../src/cluster/manifests';
import { validateConfig } from '../../src/config/load';
import { buildModel } from '../../src/model/build';
import { renderRunbook } from '../../src/runbook/runbook';
import { projectDir } from '../support/fixtures';
import { expectSchemaValid, SCHEMAS } from '../support/schemas';
import { describeWithTool } from '../support/tools';

/*
 * A private Sigstore instance (signing.keyless.trustedRootFile) reaches every engine:
 * policy-controller gets a TrustRoot (spec.sigstoreKeys, []byte fields = base64 of PEM) that the
 * authorities' trustRootRef names; Kyverno ClusterPolicy gets `roots`, `rekor.pubkey`,
 * `ctlog.pubkey`; the ImageValidatingPolicy gets `cosign.trustedRoot.value`.
 * Expected material is read from the PEM files the fixture was made from (test/fixtures/sigstore),
 * not from the renderer.
 */

const FIX = path.join(__dirname, '..', 'fixtures', 'sigstore');
const read = (f: string) => fs.readFileSync(path.join(FIX, f), 'utf8');
const TRUSTED_ROOT = read('private-trusted-root.json');
const certDer = (pem: string) => new X509Certificate(pem).raw;
const keyDer = (pem: string) => createPublicKey(pem).export({ type: 'spki', format: 'der' });
const pemCerts = (pem: string): string[] => [...(pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [])];

function model(clusters: any[]) {
  const cfg = {
    name: 'acme',
    github: { owner: 'acme' },
    repositories: [{ name: 'web', images: ['ghcr.io/acme/web'] }],
    signing: {
      mode: 'keyless',
      keyless: {
        fulcioUrl: 'https://fulcio.sigstore.acme.internal',
        rekorUrl: 'https://rekor.sigstore.acme.internal',
        trustedRootFile: 'trusted_root.json',
      },
    },
    clusters,
  };
  return buildModel(validateConfig(cfg), { baseDir: projectDir({ 'trusted_root.json': TRUSTED_ROOT }) });
}

describe('private Sigstore trust material in the policies', () => {
  const m = model([
    { name: 'pc', kyverno: { enabled: false }, policyController: { enabled: true } },
    { name: 'cp', kyverno: { policy: 'ClusterPolicy', version: '1.16' } },
    { name: 'ivp', kyverno: { policy: 'ImageValidatingPolicy', version: '1.19' } },
  ]);
  const [pc, cp, ivp] = m.clusters;

  test('policy-controller: a TrustRoot named by every trustRootRef, holding the Fulcio chain and the log keys', () => {
    const objs = renderClusterObjects(m, pc);
    const roots = objs.filter((o) => o.kind === 'TrustRoot');
    expect(roots).toHaveLength(1);
    const tr = roots[0];
    expect(tr.apiVersion).toBe('policy.sigstore.dev/v1alpha1');
    expectSchemaValid(SCHEMAS.trustRoot, tr);
    const cips = objs.filter((o) => o.kind === 'ClusterImagePolicy');
    expect(cips.length).toBeGreaterThan(0);
    for (const cip of cips) {
      expectSchemaValid(SCHEMAS.clusterImagePolicy, cip);
      for (const a of cip.spec.authorities) {
        expect(a.keyless.trustRootRef).toBe(tr.metadata.name);
        expect(a.ctlog.trustRootRef).toBe(tr.metadata.name);
        expect(a.keyless.url).toBe('https://fulcio.sigstore.acme.internal');
      }
    }
    // TrustRoot before the CIPs that reference it (apply order)
    expect(objs.indexOf(tr)).toBeLessThan(objs.indexOf(cips[0]));

    const sk = tr.spec.sigstoreKeys;
    expect(sk.certificateAuthorities).toHaveLength(1);
    const ca = sk.certificateAuthorities[0];
    expect(ca.subject).toEqual({ organization: 'acme', commonName: 'acme-fulcio' });
    expect(ca.uri).toBe('https://fulcio.sigstore.acme.internal');
    const chain = pemCerts(Buffer.from(ca.certChain, 'base64').toString('utf8'));
    expect(chain).toHaveLength(2);
    // "Last entry in this chain is the Root certificate"
    expect(certDer(chain[0]).equals(certDer(read('fulcio-intermediate.pem')))).toBe(true);
    expect(certDer(chain[1]).equals(certDer(read('fulcio-root.pem')))).toBe(true);

    expect(sk.tLogs).toHaveLength(1);
    expect(sk.tLogs[0].baseURL).toBe('https://rekor.sigstore.acme.internal');
    expect(sk.tLogs[0].hashAlgorithm).toBe('sha-256');
    expect(keyDer(Buffer.from(sk.tLogs[0].publicKey, 'base64').toString('utf8')).equals(keyDer(read('rekor.pub')))).toBe(true);
    expect(sk.ctLogs[0].baseURL).toBe('https://ctfe.sigstore.acme.internal/acme');
    expect(keyDer(Buffer.from(sk.ctLogs[0].publicKey, 'base64').toString('utf8')).equals(keyDer(read('ct.pub')))).toBe(true);
    expect(sk.timestampAuthorities).toBeUndefined();
  });

  test('Kyverno ClusterPolicy: roots = the Fulcio chain, rekor.pubkey and ctlog.pubkey = the log keys; schema-valid', () => {
    const p = renderKyvernoClusterPolicy(m, cp);
    expectSchemaValid(SCHEMAS.clusterPolicy, p);
    // the cluster targets Kyverno 1.16: its own CRD too
    expectSchemaValid(SCHEMAS.clusterPolicy116, p);
    const keyless = p.spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless;
    const chain = pemCerts(keyless.roots);
    expect(chain.map(certDer)).toEqual([certDer(read('fulcio-intermediate.pem')), certDer(read('fulcio-root.pem'))]);
    expect(keyless.rekor.url).toBe('https://rekor.sigstore.acme.internal');
    expect(keyDer(keyless.rekor.pubkey).equals(keyDer(read('rekor.pub')))).toBe(true);
    expect(keyDer(keyless.ctlog.pubkey).equals(keyDer(read('ct.pub')))).toBe(true);
    expect(renderClusterObjects(m, cp).some((o) => o.kind === 'TrustRoot')).toBe(false);
  });

  test('Kyverno ImageValidatingPolicy: cosign.trustedRoot.value is the trusted root file itself; schema-valid', () => {
    for (const p of renderImageValidatingPolicies(m, ivp)) {
      expectSchemaValid(SCHEMAS.imageValidatingPolicy, p);
      expect(p.spec.attestors[0].cosign.trustedRoot).toEqual({ value: TRUSTED_ROOT });
    }
  });

  test('with a CT log in the trusted root, SCTs stay required in every engine', () => {
    const k = renderKyvernoClusterPolicy(m, cp).spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless;
    expect(k.ctlog.ignoreSCT).toBeUndefined();
    for (const p of renderImageValidatingPolicies(m, ivp)) expect(p.spec.attestors[0].cosign.ctlog.insecureIgnoreSCT).toBeUndefined();
    for (const cip of renderClusterObjects(m, pc).filter((o) => o.kind === 'ClusterImagePolicy')) {
      for (const a of cip.spec.authorities) expect(a.keyless.insecureIgnoreSCT).toBeUndefined();
    }
  });

  test('a private instance without a CT log issues no SCTs: every engine is told to ignore them (cosign refuses a certificate without one otherwise)', () => {
    const noCt = JSON.stringify({ ...JSON.parse(TRUSTED_ROOT), ctlogs: [] });
    const cfg = {
      name: 'acme',
      github: { owner: 'acme' },
      repositories: [{ name: 'web', images: ['ghcr.io/acme/web'] }],
      signing: { mode: 'keyless', keyless: { fulcioUrl: 'https://fulcio.sigstore.acme.internal', rekorUrl: 'https://rekor.sigstore.acme.internal', trustedRootFile: 'trusted_root.json' } },
      clusters: [
        { name: 'pc', kyverno: { enabled: false }, policyController: { enabled: true } },
        { name: 'cp', kyverno: { policy: 'ClusterPolicy', version: '1.16' } },
        { name: 'ivp', kyverno: { policy: 'ImageValidatingPolicy', version: '1.19' } },
      ],
    };
    const m2 = buildModel(validateConfig(cfg), { baseDir: projectDir({ 'trusted_root.json': noCt }) });
    const p = renderKyvernoClusterPolicy(m2, m2.clusters[1]);
    expectSchemaValid(SCHEMAS.clusterPolicy116, p);
    const k = p.spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless;
    expect(k.ctlog).toEqual({ ignoreSCT: true });
    expect(k.rekor.ignoreTlog).toBeUndefined(); // the tlog stays required
    for (const v of renderImageValidatingPolicies(m2, m2.clusters[2])) {
      expectSchemaValid(SCHEMAS.imageValidatingPolicy, v);
      expect(v.spec.attestors[0].cosign.ctlog).toEqual({ url: 'https://rekor.sigstore.acme.internal', insecureIgnoreSCT: true });
    }
    for (const cip of renderClusterObjects(m2, m2.clusters[0]).filter((o) => o.kind === 'ClusterImagePolicy')) {
      expectSchemaValid(SCHEMAS.clusterImagePolicy, cip);
      for (const a of cip.spec.authorities) {
        expect(a.keyless.insecureIgnoreSCT).toBe(true);
        expect(a.ctlog.trustRootRef).toBeDefined(); // the tlog stays required
      }
    }
  });

  test('the public instance gets none of it', () => {
    const pub = buildModel(validateConfig({
      name: 'acme',
      github: { owner: 'acme' },
      repositories: [{ name: 'web', images: ['ghcr.io/acme/web'] }],
      signing: { mode: 'keyless' },
      clusters: [{ name: 'x', kyverno: { policy: 'ClusterPolicy', version: '1.16' }, policyController: { enabled: true } }],
    }), { baseDir: projectDir() });
    const objs = renderClusterObjects(pub, pub.clusters[0]);
    expect(objs.some((o) => o.kind === 'TrustRoot')).toBe(false);
    const cp0 = objs.find((o) => o.kind === 'ClusterPolicy')!;
    const keyless = cp0.spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless;
    expect(keyless.roots).toBeUndefined();
    expect(keyless.rekor).toEqual({ url: 'https://rekor.sigstore.dev' });
  });

  test('the runbook names the generated TrustRoot', () => {
    const md = renderRunbook(m, { githubDir: (r) => `github/${r}`, kubernetesDir: (c) => `kubernetes/${c}`, terraformStackDir: (r) => `terraform/stacks/${r}` });
    expect(md).toContain('kubectl get trustroot acme-sigstore');
    expect(md).not.toContain('not generated');
  });
});

describeWithTool('openssl', 'openssl reads the TrustRoot chain as X.509', () => {
  test('every certChain entry parses, and the intermediate verifies against the root', () => {
    const m = model([{ name: 'pc', kyverno: { enabled: false }, policyController: { enabled: true } }]);
    const tr = renderClusterObjects(m, m.clusters[0]).find((o) => o.kind === 'TrustRoot')!;
    const chain = pemCerts(Buffer.from(tr.spec.sigstoreKeys.certificateAuthorities[0].certChain, 'base64').toString('utf8'));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isb-tr-'));
    fs.writeFileSync(path.join(dir, 'int.pem'), `${chain[0]}\n`);
    fs.writeFileSync(path.join(dir, 'root.pem'), `${chain[1]}\n`);
    const r = spawnSync('openssl', ['verify', '-CAfile', path.join(dir, 'root.pem'), path.join(dir, 'int.pem')], { encoding: 'utf8' });
    expect(r.stdout).toContain(': OK');
  });
}, ['version']);
