import { createPublicKey } from 'node:crypto';
import { renderKyvernoClusterPolicy } from '../../src/cluster/kyverno-cluster-policy';
import { validateConfig } from '../../src/config/load';
import { buildModel } from '../../src/model/build';
import { keyConfig, newPublicKeyPem, projectDir } from '../support/fixtures';
import { expectSchemaValid, schemaErrors, schemaTest, SCHEMAS } from '../support/schemas';

function policyFor(cfg: any, files: Record<string, string> = {}, cluster = 0) {
  const dir = projectDir(files);
  const model = buildModel(validateConfig(cfg), { baseDir: dir });
  return { policy: renderKyvernoClusterPolicy(model, model.clusters[cluster]), model };
}

const spki = (pem: string) => createPublicKey(pem).export({ type: 'spki', format: 'der' });

describe('Kyverno ClusterPolicy (key mode)', () => {
  const { policy, model } = policyFor(keyConfig());
  const rule = policy.spec.rules[0];
  const vi = rule.verifyImages[0];

  test('validates against the upstream kyverno.io/v1 ClusterPolicy schema', () => {
    expectSchemaValid(SCHEMAS.clusterPolicy, policy);
  });

  schemaTest('a broken policy fails the same schema check (the check can fail)', () => {
    const broken = JSON.parse(JSON.stringify(policy));
    broken.spec.rules[0].verifyImages[0].type = 'Sigstore';
    broken.spec.rules[0].verifyImages[0].failureAction = 'enforce';
    expect(schemaErrors(SCHEMAS.clusterPolicy, broken).length).toBeGreaterThanOrEqual(2);
  });

  test('matches Pods, outside system namespaces, not in background scans', () => {
    expect(policy.apiVersion).toBe('kyverno.io/v1');
    expect(policy.kind).toBe('ClusterPolicy');
    expect(policy.spec.background).toBe(false);
    expect(rule.match.any[0].resources.kinds).toEqual(['Pod']);
    expect(rule.exclude.any[0].resources.namespaces).toContain('kube-system');
  });

  test('imageReferences cover the image under Kyverno normalization, and nothing else', () => {
    // Kyverno normalizes every image to name:tag or name@digest (admission-engines.md §2.1)
    expect(vi.imageReferences).toEqual(['ghcr.io/acme/web:*', 'ghcr.io/acme/web@*']);
    expect(vi.imageReferences).not.toContain('ghcr.io/acme/web*'); // would match web-evil
  });

  test('enforces per entry (Kyverno >= 1.13) with digest mutation', () => {
    expect(vi.failureAction).toBe('Enforce');
    expect(policy.spec.validationFailureAction).toBeUndefined();
    expect(vi.mutateDigest).toBe(true);
    expect(vi.verifyDigest).toBe(true);
    expect(vi.required).toBe(true);
    expect(vi.type).toBe('Cosign');
  });

  test('one attestor set, count 1, holding the blueprint public key (same SPKI bytes)', () => {
    expect(vi.attestors).toHaveLength(1);
    expect(vi.attestors[0].count).toBe(1);
    const entry = vi.attestors[0].entries[0];
    expect(Object.keys(entry)).toEqual(['keys']);
    expect(spki(entry.keys.publicKeys).equals(model.signing.key!.publicKey!.spkiDer)).toBe(true);
  });

  test('Rekor is checked (tlog on) and SCT ignored: a key signature has no certificate', () => {
    const keys = vi.attestors[0].entries[0].keys;
    expect(keys.rekor).toEqual({ url: 'https://rekor.sigstore.dev' });
    expect(keys.ctlog).toEqual({ ignoreSCT: true });
  });

  test('annotations follow the Kyverno policy library', () => {
    const a = policy.metadata.annotations;
    expect(a['policies.kyverno.io/title']).toMatch(/acme-web/);
    expect(a['policies.kyverno.io/category']).toBeTruthy();
    expect(a['policies.kyverno.io/severity']).toBe('high');
    expect(a['policies.kyverno.io/minversion']).toBe('1.13.0');
    expect(a['image-signing-blueprint/blueprint']).toBe('acme-web');
  });
});

describe('Kyverno ClusterPolicy variants', () => {
  test('Audit: failureAction Audit and mutateDigest false (the webhook rejects Audit + mutateDigest)', () => {
    const { policy } = policyFor(keyConfig({ admission: { failureAction: 'Audit' } }));
    const vi = policy.spec.rules[0].verifyImages[0];
    expect(vi.failureAction).toBe('Audit');
    expect(vi.mutateDigest).toBe(false);
    expectSchemaValid(SCHEMAS.clusterPolicy, policy);
  });

  test('Kyverno 1.12: spec.validationFailureAction, no per-entry failureAction', () => {
    const { policy } = policyFor(keyConfig({ admission: { kyverno: { version: '1.12' } } }));
    expect(policy.spec.validationFailureAction).toBe('Enforce');
    expect(policy.spec.rules[0].verifyImages[0].failureAction).toBeUndefined();
    expect(policy.metadata.annotations['policies.kyverno.io/minversion']).toBe('1.11.0');
    expectSchemaValid(SCHEMAS.clusterPolicy, policy);
  });

  test('transparency log off: ignoreTlog and ignoreSCT together', () => {
    const { policy } = policyFor(keyConfig({ signing: { mode: 'key', transparencyLog: false, key: { publicKeyFile: 'cosign.pub' } } }));
    const keys = policy.spec.rules[0].verifyImages[0].attestors[0].entries[0].keys;
    expect(keys.rekor).toEqual({ url: 'https://rekor.sigstore.dev', ignoreTlog: true });
    expect(keys.ctlog).toEqual({ ignoreSCT: true });
  });

  test('rotation: one entry per key, count 1 (any one key verifies)', () => {
    const old = newPublicKeyPem();
    const { policy } = policyFor(keyConfig({ signing: { mode: 'key', key: { publicKeyFile: 'cosign.pub', previousPublicKeyFiles: ['old.pub'] } } }), { 'old.pub': old });
    const set = policy.spec.rules[0].verifyImages[0].attestors[0];
    expect(set.count).toBe(1);
    expect(set.entries).toHaveLength(2);
    expect(spki(set.entries[1].keys.publicKeys).equals(spki(old))).toBe(true);
    expectSchemaValid(SCHEMAS.clusterPolicy, policy);
  });

  test('Docker Hub images get every spelling Kyverno may compare', () => {
    const { policy } = policyFor(keyConfig({ repositories: [{ name: 'web', images: ['docker.io/library/nginx'] }] }));
    expect(policy.spec.rules[0].verifyImages[0].imageReferences).toEqual([
      'docker.io/library/nginx:*', 'docker.io/library/nginx@*',
      'index.docker.io/library/nginx:*', 'index.docker.io/library/nginx@*',
      'docker.io/nginx:*', 'docker.io/nginx@*',
    ]);
  });

  test('explicit imageReferences from the config are used as given', () => {
    const { policy } = policyFor(keyConfig({ admission: { imageReferences: ['ghcr.io/acme/*'] } }));
    expect(policy.spec.rules[0].verifyImages[0].imageReferences).toEqual(['ghcr.io/acme/*']);
  });

  test('keyless: one rule per repository with its exact workflow identity', () => {
    const { policy } = policyFor({
      name: 'acme',
      github: { owner: 'acme' },
      repositories: [
        { name: 'web', images: ['ghcr.io/acme/web'] },
        { name: 'api', images: ['ghcr.io/acme/api'], workflow: { file: 'release.yml', branches: [], tags: ['v*'] } },
      ],
      signing: { mode: 'keyless' },
    });
    expect(policy.spec.rules).toHaveLength(2);
    const web = policy.spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless;
    expect(web.subject).toBe('https://github.com/acme/web/.github/workflows/build-sign.yml@refs/heads/main');
    expect(web.issuer).toBe('https://token.actions.githubusercontent.com');
    expect(web.rekor.url).toBe('https://rekor.sigstore.dev');
    const api = policy.spec.rules[1].verifyImages[0].attestors[0].entries[0].keyless;
    expect(api.subjectRegExp).toBe('^https://github\\.com/acme/api/\\.github/workflows/release\\.yml@refs/tags/v[^/]*$');
    expect(policy.metadata.annotations['policies.kyverno.io/minversion']).toBe('1.14.0');
    expectSchemaValid(SCHEMAS.clusterPolicy, policy);
  });
});
