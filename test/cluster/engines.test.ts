import { createPublicKey } from 'node:crypto';
import { matchImage } from '../../src/checks/matchers/engine';
import { renderKyvernoClusterPolicy } from '../../src/cluster/kyverno-cluster-policy';
import { renderImageValidatingPolicies } from '../../src/cluster/kyverno-ivpol';
import { renderClusterObjects } from '../../src/cluster/manifests';
import { renderPolicyControllerObjects } from '../../src/cluster/policy-controller';
import { DEFAULT_COSIGN_JOB_IMAGE, renderVerificationObjects } from '../../src/cluster/verification-job';
import { validateConfig } from '../../src/config/load';
import { ConfigError } from '../../src/config/problems';
import { buildModel } from '../../src/model/build';
import { keyConfig, newPublicKeyPem, projectDir } from '../support/fixtures';
import { expectSchemaValid, schemaErrors, schemaTest, SCHEMAS } from '../support/schemas';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const spki = (pem: string) => createPublicKey(pem).export({ type: 'spki', format: 'der' });

function modelFor(cfg: any, files: Record<string, string> = {}) {
  return buildModel(validateConfig(cfg), { baseDir: projectDir(files) });
}

const keyless = (over: Record<string, unknown> = {}) => ({
  name: 'acme',
  github: { owner: 'acme' },
  repositories: [
    { name: 'web', images: ['ghcr.io/acme/web'] },
    { name: 'api', images: ['ghcr.io/acme/api'], workflow: { file: 'release.yml', branches: [], tags: ['v*'] } },
  ],
  signing: { mode: 'keyless' },
  ...over,
});

const IVP = { kyverno: { policy: 'ImageValidatingPolicy', version: '1.19' } };
const PC = { policyController: { enabled: true } };

describe('ImageValidatingPolicy', () => {
  test('apiVersion follows the Kyverno version: v1 from 1.17, v1beta1 on 1.16, v1alpha1 on 1.14/1.15 (what each serves)', () => {
    const at = (version: string) => {
      const m = modelFor(keyConfig({ admission: { kyverno: { policy: 'ImageValidatingPolicy', version } } }));
      const [p] = renderImageValidatingPolicies(m, m.clusters[0]);
      return [p.apiVersion, p.metadata.annotations['policies.kyverno.io/minversion']];
    };
    expect(at('1.19')).toEqual(['policies.kyverno.io/v1', '1.17.0']);
    expect(at('1.17')).toEqual(['policies.kyverno.io/v1', '1.17.0']);
    expect(at('1.16')).toEqual(['policies.kyverno.io/v1beta1', '1.16.0']);
    expect(at('1.15')).toEqual(['policies.kyverno.io/v1alpha1', '1.14.0']);
  });

  test('key mode: schema-valid, one attestor per key (rotation), any key verifies', () => {
    const old = newPublicKeyPem();
    const m = modelFor(keyConfig({ admission: IVP, signing: { mode: 'key', key: { publicKeyFile: 'cosign.pub', previousPublicKeyFiles: ['old.pub'] } } }), { 'old.pub': old });
    const [p] = renderImageValidatingPolicies(m, m.clusters[0]);
    expectSchemaValid(SCHEMAS.imageValidatingPolicy, p);
    expect(p.apiVersion).toBe('policies.kyverno.io/v1');
    expect(p.spec.attestors.map((a: any) => a.name)).toEqual(['key', 'previouskey1']);
    expect(spki(p.spec.attestors[0].cosign.key.data).equals(m.signing.key!.publicKey!.spkiDer)).toBe(true);
    expect(spki(p.spec.attestors[1].cosign.key.data).equals(spki(old))).toBe(true);
    expect(p.spec.validations[0].expression).toContain('verifyImageSignatures(image, [attestors.key, attestors.previouskey1])');
    expect(p.spec.validations[0].expression).toContain('.all(n, n > 0)');
    expect(p.spec.validations[0].expression).toContain('images.initContainers');
    expect(p.spec.validationActions).toEqual(['Deny']);
    expect(p.spec.evaluation).toEqual({ background: { enabled: false } });
    expect(p.spec.webhookConfiguration.timeoutSeconds).toBeGreaterThan(0);
    expect(p.spec.matchConstraints.resourceRules[0]).toEqual({ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] });
    // tlog on, key signature: Rekor checked, no SCT
    expect(p.spec.attestors[0].cosign.ctlog).toEqual({ url: 'https://rekor.sigstore.dev', insecureIgnoreSCT: true });
  });

  test('tlog off: insecureIgnoreTlog + insecureIgnoreSCT, and the ctlog url is still there (IVP pitfall)', () => {
    const m = modelFor(keyConfig({ admission: IVP, signing: { mode: 'key', transparencyLog: false, key: { publicKeyFile: 'cosign.pub' } } }));
    const ctlog = renderImageValidatingPolicies(m, m.clusters[0])[0].spec.attestors[0].cosign.ctlog;
    expect(ctlog).toEqual({ url: 'https://rekor.sigstore.dev', insecureIgnoreTlog: true, insecureIgnoreSCT: true });
  });

  test('keyless: one policy per repository with the exact SAN or the anchored regexp', () => {
    const m = modelFor(keyless({ admission: IVP }));
    const ps = renderImageValidatingPolicies(m, m.clusters[0]);
    expect(ps).toHaveLength(2);
    for (const p of ps) expectSchemaValid(SCHEMAS.imageValidatingPolicy, p);
    const web = ps[0].spec.attestors[0].cosign;
    expect(web.keyless.identities).toEqual([{ issuer: 'https://token.actions.githubusercontent.com', subject: 'https://github.com/acme/web/.github/workflows/build-sign.yml@refs/heads/main' }]);
    expect(web.ctlog).toEqual({ url: 'https://rekor.sigstore.dev' });
    const api = ps[1].spec.attestors[0].cosign.keyless.identities[0];
    expect(api.subjectRegExp).toBe('^https://github\\.com/acme/api/\\.github/workflows/release\\.yml@refs/tags/v[^/]*$');
    expect(ps[0].spec.matchImageReferences.map((g: any) => g.glob)).not.toContain('ghcr.io/acme/api:*');
  });

  test('Audit stage: [Audit] and no digest mutation', () => {
    const m = modelFor(keyConfig({ admission: { ...IVP, failureAction: 'Audit' } }));
    const p = renderImageValidatingPolicies(m, m.clusters[0])[0];
    expect(p.spec.validationActions).toEqual(['Audit']);
    expect(p.spec.validationConfigurations.mutateDigest).toBe(false);
  });

  test('attestations: SBOM (cyclonedx predicate) and GitHub provenance with a keyless attestor, even in key mode', () => {
    const m = modelFor(keyConfig({ admission: IVP, attestations: { sbom: { format: 'cyclonedx' }, provenance: true } }));
    const p = renderImageValidatingPolicies(m, m.clusters[0])[0];
    expectSchemaValid(SCHEMAS.imageValidatingPolicy, p);
    expect(p.spec.attestations).toEqual([
      { name: 'sbom', intoto: { type: 'https://cyclonedx.org/bom' } },
      { name: 'provenance', intoto: { type: 'https://slsa.dev/provenance/v1' } },
    ]);
    const prov = p.spec.attestors.find((a: any) => a.name === 'provenance');
    expect(prov.cosign.keyless.identities[0].subject).toBe('https://github.com/acme/web/.github/workflows/build-sign.yml@refs/heads/main');
    expect(p.spec.validations[1].expression).toContain('verifyAttestationSignatures(image, attestations.sbom, [attestors.key])');
    expect(p.spec.validations[2].expression).toContain('verifyAttestationSignatures(image, attestations.provenance, [attestors.provenance])');
  });

  test('registry credentials become spec.credentials', () => {
    const m = modelFor(keyConfig({ admission: { ...IVP, registryCredentials: { secrets: ['regcred'] } } }));
    expect(renderImageValidatingPolicies(m, m.clusters[0])[0].spec.credentials).toEqual({ secrets: ['regcred'] });
  });

  schemaTest('a broken IVP fails the schema check', () => {
    const m = modelFor(keyConfig({ admission: IVP }));
    const p = JSON.parse(JSON.stringify(renderImageValidatingPolicies(m, m.clusters[0])[0]));
    delete p.spec.attestors[0].name;
    p.spec.matchImageReferences[0].glob = 42;
    expect(schemaErrors(SCHEMAS.imageValidatingPolicy, p).length).toBeGreaterThanOrEqual(2);
  });
});

describe('policy-controller ClusterImagePolicy', () => {
  test('key mode: one authority per key (OR), legacy format, Rekor when the tlog is on, enforce', () => {
    const old = newPublicKeyPem();
    const m = modelFor(keyConfig({ admission: PC, signing: { mode: 'key', key: { publicKeyFile: 'cosign.pub', previousPublicKeyFiles: ['old.pub'] } } }), { 'old.pub': old });
    const [cip] = renderPolicyControllerObjects(m, m.clusters[0]);
    expectSchemaValid(SCHEMAS.clusterImagePolicy, cip);
    expect(cip.apiVersion).toBe('policy.sigstore.dev/v1beta1');
    expect(cip.spec.mode).toBe('enforce');
    expect(cip.spec.images).toEqual([{ glob: 'ghcr.io/acme/web@*' }]);
    expect(cip.spec.authorities).toHaveLength(2);
    for (const a of cip.spec.authorities) {
      expect(Object.keys(a).filter((k) => ['key', 'keyless', 'static'].includes(k))).toEqual(['key']);
      expect(a.ctlog).toEqual({ url: 'https://rekor.sigstore.dev' });
      expect(a.signatureFormat).toBe('legacy');
    }
    expect(spki(cip.spec.authorities[1].key.data).equals(spki(old))).toBe(true);
  });

  test('tlog off: no ctlog (policy-controller then skips the tlog)', () => {
    const m = modelFor(keyConfig({ admission: PC, signing: { mode: 'key', transparencyLog: false, key: { publicKeyFile: 'cosign.pub' } } }));
    expect(renderPolicyControllerObjects(m, m.clusters[0])[0].spec.authorities[0].ctlog).toBeUndefined();
  });

  test('keyless: one CIP per repository, identities need issuer + subject(RegExp), never both of a pair', () => {
    // signatureFormat both: policy-controller reads the legacy copy (a bundle-only config is refused, ISB-POL-003)
    const m = modelFor(keyless({ admission: PC, signing: { mode: 'keyless', cosign: { version: 'v3.0.2', signatureFormat: 'both' } } }));
    const cips = renderPolicyControllerObjects(m, m.clusters[0]);
    expect(cips).toHaveLength(2);
    for (const c of cips) {
      expectSchemaValid(SCHEMAS.clusterImagePolicy, c);
      for (const id of c.spec.authorities[0].keyless.identities) {
        expect(Boolean(id.issuer) !== Boolean(id.issuerRegExp)).toBe(true);
        expect(Boolean(id.subject) !== Boolean(id.subjectRegExp)).toBe(true);
      }
      expect(c.spec.authorities[0].signatureFormat).toBe('legacy');
      expect(c.spec.authorities[0].ctlog.url).toBe('https://rekor.sigstore.dev');
    }
  });

  test('Audit → mode warn; SBOM/provenance attestations with CUE predicate checks; provenance in its own CIP (AND)', () => {
    const m = modelFor(keyConfig({ admission: { ...PC, failureAction: 'Audit' }, attestations: { sbom: { format: 'spdx' }, provenance: true } }));
    const [sig, sbom, prov] = renderPolicyControllerObjects(m, m.clusters[0]);
    expect(sig.spec.mode).toBe('warn');
    // an authority with attestations verifies only the attestations (validator.go ValidatePolicy):
    // the signature CIP carries none, and the SBOM gets its own CIP (CIPs AND)
    expect(sig.metadata.name).toBe('acme-web-signed');
    for (const a of sig.spec.authorities) expect(a.attestations).toBeUndefined();
    expect(sbom.metadata.name).toBe('acme-web-sbom');
    expect(sbom.spec.mode).toBe('warn');
    expect(sbom.spec.images).toEqual(sig.spec.images);
    expect(sbom.spec.authorities.map((a: any) => a.key.data)).toEqual(sig.spec.authorities.map((a: any) => a.key.data));
    expect(sbom.spec.authorities[0].attestations[0].predicateType).toBe('https://spdx.dev/Document');
    expect(sbom.spec.authorities[0].attestations[0].policy.data).toContain('predicateType: "https://spdx.dev/Document"');
    expect(prov.spec.authorities).toHaveLength(1);
    expect(prov.spec.authorities[0].signatureFormat).toBe('bundle');
    expect(prov.spec.authorities[0].keyless.identities[0].subject).toBe('https://github.com/acme/web/.github/workflows/build-sign.yml@refs/heads/main');
    expect(prov.spec.authorities[0].attestations[0].policy.data).toContain('https://actions.github.io/buildtypes/workflow/v1');
    for (const c of [sig, sbom, prov]) expectSchemaValid(SCHEMAS.clusterImagePolicy, c);
  });

  test('key + bundle is refused for policy-controller, naming the config path', () => {
    expect.assertions(2);
    try {
      modelFor(keyConfig({ admission: PC, signing: { mode: 'key', cosign: { version: 'v3.0.2', signatureFormat: 'bundle' }, key: { publicKeyFile: 'cosign.pub' } } }));
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).problems[0].path).toBe('admission.policyController.enabled');
    }
  });

  test('namespaces opted in get the include label', () => {
    const m = modelFor(keyConfig({ admission: { ...PC, namespaces: ['apps'] } }));
    const objs = renderClusterObjects(m, m.clusters[0]);
    expect(objs[0]).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps', labels: { 'policy.sigstore.dev/include': 'true' } } });
  });

  schemaTest('a broken CIP fails the schema', () => {
    const m = modelFor(keyConfig({ admission: { ...PC, namespaces: ['apps'] } }));
    const objs = renderClusterObjects(m, m.clusters[0]);
    const cip = JSON.parse(JSON.stringify(objs.find((o) => o.kind === 'ClusterImagePolicy')));
    cip.spec.images = [{ glob: 7 }];
    expect(schemaErrors(SCHEMAS.clusterImagePolicy, cip).length).toBeGreaterThan(0);
  });
});

describe('derived patterns match the pushed image under each engine, and not <name>-evil', () => {
  const images = ['ghcr.io/acme/web', 'docker.io/library/nginx', 'registry.example.com:5000/team/app'];
  const m = modelFor(keyConfig({ repositories: [{ name: 'web', images }], admission: { ...IVP, ...PC } }));
  const ivpGlobs: string[] = renderImageValidatingPolicies(m, m.clusters[0])[0].spec.matchImageReferences.map((g: any) => g.glob);
  const cipGlobs: string[] = renderPolicyControllerObjects(m, m.clusters[0])[0].spec.images.map((g: any) => g.glob);
  const any = (engine: 'kyverno-ivpol' | 'policy-controller', globs: string[], image: string) => globs.some((g) => matchImage(engine, g, image).matched);

  test.each(images)('%s', (name) => {
    for (const ref of [`${name}:v1`, `${name}@${DIGEST}`, `${name}:v1@${DIGEST}`, name]) {
      expect(any('kyverno-ivpol', ivpGlobs, ref)).toBe(true);
    }
    // policy-controller sees the digest-resolved name at admission
    expect(any('policy-controller', cipGlobs, `${name}@${DIGEST}`)).toBe(true);
    expect(any('policy-controller', cipGlobs, `${name}:v1@${DIGEST}`)).toBe(true);
    for (const evil of [`${name}-evil:v1`, `${name}-evil@${DIGEST}`, `${name}/sub@${DIGEST}`]) {
      expect(any('kyverno-ivpol', ivpGlobs, evil)).toBe(false);
      expect(any('policy-controller', cipGlobs, evil)).toBe(false);
    }
  });

  test('Docker Hub short spellings are covered for the IVP raw matcher', () => {
    for (const ref of ['nginx', 'nginx:1.27', `library/nginx@${DIGEST}`, 'index.docker.io/library/nginx:1']) {
      expect(any('kyverno-ivpol', ivpGlobs, ref)).toBe(true);
    }
    expect(any('policy-controller', cipGlobs, `nginx@${DIGEST}`)).toBe(true);
  });
});

describe('Kyverno ClusterPolicy completions', () => {
  test('bundle format → SigstoreBundle; both → Cosign (legacy copy is readable)', () => {
    const b = modelFor(keyConfig({ signing: { mode: 'key', cosign: { version: 'v3.0.2', signatureFormat: 'bundle' }, key: { publicKeyFile: 'cosign.pub' } }, admission: { kyverno: { policy: 'ClusterPolicy', version: '1.19' } } }));
    const pb = renderKyvernoClusterPolicy(b, b.clusters[0]);
    expect(pb.spec.rules[0].verifyImages[0].type).toBe('SigstoreBundle');
    expect(pb.metadata.annotations['policies.kyverno.io/minversion']).toBe('1.19.0');
    const both = modelFor(keyConfig({ signing: { mode: 'key', cosign: { version: 'v3.0.2', signatureFormat: 'both' }, key: { publicKeyFile: 'cosign.pub' } } }));
    expect(renderKyvernoClusterPolicy(both, both.clusters[0]).spec.rules[0].verifyImages[0].type).toBe('Cosign');
  });

  test('skipImageReferences, imageRegistryCredentials, SBOM + provenance attestations with conditions', () => {
    const m = modelFor(keyConfig({
      admission: { skipImageReferences: ['ghcr.io/acme/web:debug-*'], registryCredentials: { secrets: ['kyverno/regcred'] } },
      attestations: { sbom: { format: 'cyclonedx' }, provenance: true },
    }));
    const p = renderKyvernoClusterPolicy(m, m.clusters[0]);
    expectSchemaValid(SCHEMAS.clusterPolicy, p);
    const [sig, prov] = p.spec.rules[0].verifyImages;
    expect(sig.skipImageReferences).toEqual(['ghcr.io/acme/web:debug-*']);
    expect(sig.imageRegistryCredentials).toEqual({ secrets: ['kyverno/regcred'] });
    expect(sig.attestations[0].type).toBe('https://cyclonedx.org/bom');
    expect(sig.attestations[0].conditions[0].all[0]).toEqual({ key: '{{ bomFormat }}', operator: 'Equals', value: 'CycloneDX' });
    expect(prov.type).toBe('SigstoreBundle');
    expect(prov.mutateDigest).toBe(false);
    expect(prov.attestations[0].type).toBe('https://slsa.dev/provenance/v1');
    expect(prov.attestations[0].attestors[0].entries[0].keyless.rekor.url).toBe('https://rekor.sigstore.dev');
    expect(prov.attestations[0].conditions[0].all[1].value).toBe('https://github.com/acme/web');
  });

  // cross-field rules the CRD schema cannot express (admission-engines.md §1.4)
  test.each([
    ['key', keyConfig({ attestations: { sbom: {}, provenance: true } })],
    ['keyless', keyless({ attestations: { provenance: true } })],
    ['audit', keyConfig({ admission: { failureAction: 'Audit' }, attestations: { provenance: true } })],
  ])('webhook rules hold (%s)', (_n, cfg) => {
    const m = modelFor(cfg);
    const p = renderKyvernoClusterPolicy(m, m.clusters[0]);
    const audit = m.clusters[0].failureAction === 'Audit';
    for (const rule of p.spec.rules) {
      for (const vi of rule.verifyImages) {
        expect(vi.imageReferences.length).toBeGreaterThan(0);
        if (audit) expect(vi.mutateDigest).toBe(false);
        const sets = [...(vi.attestors ?? []), ...(vi.attestations ?? []).flatMap((a: any) => a.attestors ?? [])];
        for (const set of sets) {
          expect(set.count ?? 0).toBeLessThanOrEqual(set.entries.length);
          for (const e of set.entries) {
            expect(Object.keys(e).filter((k) => ['keys', 'certificates', 'keyless', 'attestor'].includes(k))).toHaveLength(1);
            if (e.keyless) expect(Boolean(e.keyless.rekor?.url) || Boolean(e.keyless.roots)).toBe(true);
          }
        }
      }
    }
  });
});

describe('verification CronJob', () => {
  const m = modelFor(keyConfig({
    repositories: [{ name: 'web', images: Array.from({ length: 12 }, (_, i) => `ghcr.io/acme/img${i}`) }],
    verification: { cluster: { schedule: '15 */4 * * *', namespace: 'verify', pullSecret: 'regcred', tags: ['latest'] } },
  }));
  const objs = renderVerificationObjects(m);
  const job = objs.find((o) => o.kind === 'CronJob')!;
  const pod = job.spec.jobTemplate.spec.template.spec;

  test('Namespace, ServiceAccount without token, ConfigMap with cosign.pub, CronJob on the schedule', () => {
    expect(objs.map((o) => o.kind)).toEqual(['Namespace', 'ServiceAccount', 'ConfigMap', 'CronJob']);
    expect(objs[1].automountServiceAccountToken).toBe(false);
    expect(spki(objs[2].data['cosign.pub']).equals(m.signing.key!.publicKey!.spkiDer)).toBe(true);
    expect(job.spec.schedule).toBe('15 */4 * * *');
    expect(job.metadata.namespace).toBe('verify');
    expect(objs.some((o) => o.kind === 'Role' || o.kind === 'RoleBinding' || o.kind === 'ClusterRole')).toBe(false);
  });

  test('cosign image pinned by digest; args are the policy flags; images split into containers', () => {
    expect(DEFAULT_COSIGN_JOB_IMAGE).toMatch(/^ghcr\.io\/sigstore\/cosign\/cosign:v3\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
    expect(pod.containers).toHaveLength(2); // 12 images, 10 per container
    expect(pod.containers[0].image).toBe(DEFAULT_COSIGN_JOB_IMAGE);
    expect(pod.containers[0].args.slice(0, 2)).toEqual(['verify', '--key=/etc/cosign/cosign.pub']);
    expect(pod.containers[0].args).toContain('ghcr.io/acme/img0:latest');
    expect(pod.containers[1].args).toContain('ghcr.io/acme/img11:latest');
    expect(job.spec.jobTemplate.spec.backoffLimit).toBe(0);
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.imagePullSecrets).toEqual([{ name: 'regcred' }]);
  });

  test('pod hardening', () => {
    for (const c of pod.containers) {
      expect(c.securityContext).toMatchObject({
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(c.resources.requests.cpu).toBeDefined();
      expect(c.resources.limits.memory).toBeDefined();
    }
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  test('keyless: identity flags per repository; key mode with tlog off adds --insecure-ignore-tlog', () => {
    const k = modelFor(keyless({ verification: { cluster: {} } }));
    const c = renderVerificationObjects(k).find((o) => o.kind === 'CronJob')!.spec.jobTemplate.spec.template.spec.containers;
    expect(c[0].args).toContain('--certificate-identity=https://github.com/acme/web/.github/workflows/build-sign.yml@refs/heads/main');
    expect(c[1].args).toContain('--certificate-identity-regexp=^https://github\\.com/acme/api/\\.github/workflows/release\\.yml@refs/tags/v[^/]*$');
    expect(c[0].args).toContain('--certificate-oidc-issuer=https://token.actions.githubusercontent.com');
    expect(c[0].args).not.toContain('--insecure-ignore-tlog=true');
    const off = modelFor(keyConfig({ signing: { mode: 'key', transparencyLog: false, key: { publicKeyFile: 'cosign.pub' } }, verification: { cluster: {} } }));
    const oc = renderVerificationObjects(off).find((o) => o.kind === 'CronJob')!.spec.jobTemplate.spec.template.spec.containers[0];
    expect(oc.args).toContain('--insecure-ignore-tlog=true');
  });

  test('bundle signatures: the built-in cosign v3 job image reads them; a configured image must be pinned by digest', () => {
    const bundleModel = modelFor(keyConfig({
      signing: { mode: 'key', cosign: { version: 'v3.0.2', signatureFormat: 'bundle' }, key: { publicKeyFile: 'cosign.pub' } },
      admission: { kyverno: { policy: 'ClusterPolicy', version: '1.19' } },
      verification: { cluster: {} },
    }));
    const cron = renderVerificationObjects(bundleModel).find((o) => o.kind === 'CronJob')!;
    expect(cron.spec.jobTemplate.spec.template.spec.containers[0].image).toBe(DEFAULT_COSIGN_JOB_IMAGE);
    expect(() => validateConfig(keyConfig({ verification: { cluster: { image: 'ghcr.io/sigstore/cosign/cosign:v3.0.2' } } }))).toThrow(/pinned by digest/);
  });
});
