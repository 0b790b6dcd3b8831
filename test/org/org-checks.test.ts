import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiObject, JsonPatch } from 'cdk8s';
import { ImageSigningBlueprint } from '../../src/blueprint';
import { AdmissionChart } from '../../src/cluster/admission-chart';
import { ConfigError } from '../../src/config/problems';
import { newPublicKeyPem, projectDir } from '../support/fixtures';

/*
 * The synth-time checks with mixed signers: each rule evaluates a policy object against the
 * signers of the repositories it guards (key fingerprint, format, tlog, identity). Each case
 * breaks one repository's policy and expects a finding there, and none at its neighbours.
 */

const dir = projectDir({ 'team.pub': newPublicKeyPem() });
const teamPem = fs.readFileSync(path.join(dir, 'team.pub'), 'utf8');
const defaultPem = fs.readFileSync(path.join(dir, 'cosign.pub'), 'utf8');

function config(over: { pay?: any; docs?: any; legacy?: any; prod?: any } = {}): any {
  return {
    name: 'acme',
    github: { owner: 'acme' },
    signing: { mode: 'key', key: { publicKeyFile: 'cosign.pub' }, keyless: {} },
    repositories: [
      { name: 'web', images: ['ghcr.io/acme/web'] },
      { name: 'pay', images: ['ghcr.io/acme/pay'], signing: { key: { publicKeyFile: 'team.pub' }, ...over.pay } },
      { name: 'docs', images: ['ghcr.io/acme/docs'], signing: { mode: 'keyless', ...over.docs }, workflow: { tags: ['v*'] } },
    ],
    clusters: [
      { name: 'legacy', kyverno: { policy: 'ClusterPolicy', version: '1.16' }, ...over.legacy },
      { name: 'prod', kyverno: { policy: 'ImageValidatingPolicy', version: '1.19' }, policyController: { enabled: true }, ...over.prod },
    ],
  };
}

const blueprint = (over?: Parameters<typeof config>[0]) => new ImageSigningBlueprint({ config: config(over), baseDir: dir });
const live = (bp: ImageSigningBlueprint) => bp.check().filter((f) => !f.suppressed && f.level !== 'info');
const patchObject = (bp: ImageSigningBlueprint, cluster: string, id: string, ...patches: JsonPatch[]) => bp.customizeAdmissionCharts({
  customize(chart: AdmissionChart, name: string) {
    if (name === cluster) (chart.node.findChild(id) as ApiObject).addJsonPatch(...patches);
  },
});
const RULES = 'ClusterPolicy-acme-verify-images';

describe('checks with mixed signers', () => {
  test('the mixed blueprint is clean: no rule misreads another repository\'s signer', () => {
    const bp = blueprint();
    expect(live(bp)).toEqual([]);
    const rules = bp._render().clusterObjects.get('legacy')!.find((o: any) => o.kind === 'ClusterPolicy').spec.rules;
    expect(rules.map((r: any) => r.name)).toEqual(['verify-signatures', expect.stringMatching(/^verify-key-[0-9a-f]{12}$/), 'verify-docs']);
  });

  test('ISB-KEY-001: the team\'s rule carrying the platform key is an error there, and only there', () => {
    const bp = blueprint();
    patchObject(bp, 'legacy', RULES, JsonPatch.replace('/spec/rules/1/verifyImages/0/attestors/0/entries/0/keys/publicKeys', defaultPem.trimEnd()));
    const f = live(bp);
    expect(f.map((x) => x.id)).toEqual(['ISB-KEY-001', 'ISB-KEY-001']);
    expect(f.every((x) => x.path.startsWith('kubernetes/legacy: ClusterPolicy/acme-verify-images rules[1]'))).toBe(true);
    expect(f.map((x) => x.message).sort()).toEqual([
      expect.stringMatching(/^does not accept the current signing key of pay \(SHA256:[0-9a-f]{64}\)$/),
      'holds a public key that is not the key of pay (the repositories it guards)',
    ]);
  });

  test('ISB-KEY-001 in an ImageValidatingPolicy: the platform key\'s policy with the team key', () => {
    const bp = blueprint();
    patchObject(bp, 'prod', 'ImageValidatingPolicy-acme-verify-images', JsonPatch.replace('/spec/attestors/0/cosign/key/data', teamPem.trimEnd()));
    const f = live(bp);
    expect(f.map((x) => `${x.id} ${x.message}`)).toEqual([
      expect.stringMatching(/^ISB-KEY-001 (holds a public key that is not the key of web|does not accept the current signing key of web)/),
      expect.stringMatching(/^ISB-KEY-001 (holds a public key that is not the key of web|does not accept the current signing key of web)/),
    ]);
  });

  test('ISB-POL-003: a keyless repository signing bundles gets a SigstoreBundle rule; type Cosign there is an error', () => {
    // policy-controller verifies no image signature stored as a bundle: with it, the config is refused at its path
    const docsBundle = { docs: { cosign: { version: 'v3.0.2', signatureFormat: 'bundle' } } };
    expect(() => blueprint(docsBundle)).toThrow(/clusters\[1\]\.policyController\.enabled: policy-controller \S+ cannot verify image signatures stored as Sigstore bundles \(repositories\[2\]\.signing\.cosign\.signatureFormat: bundle, repository docs\).*\[ISB-POL-003\]/s);
    const clean = blueprint({ ...docsBundle, prod: { policyController: { enabled: false } } });
    expect(live(clean)).toEqual([]);
    const types = clean._render().clusterObjects.get('legacy')!.find((o: any) => o.kind === 'ClusterPolicy').spec.rules.map((r: any) => r.verifyImages[0].type);
    expect(types).toEqual(['Cosign', 'Cosign', 'SigstoreBundle']);

    const broken = blueprint({ ...docsBundle, prod: { policyController: { enabled: false } } });
    patchObject(broken, 'legacy', RULES, JsonPatch.replace('/spec/rules/2/verifyImages/0/type', 'Cosign'));
    expect(live(broken).map((x) => `${x.id} ${x.message}`)).toEqual([
      'ISB-POL-003 kubernetes/legacy: ClusterPolicy/acme-verify-images rules[2].verifyImages[0]: type Cosign reads legacy .sig signatures, but the workflow signs only Sigstore bundles',
    ]);
  });

  test('ISB-POL-004: one repository without the transparency log; its verifier must ignore the tlog, the others must not', () => {
    const clean = blueprint({ pay: { transparencyLog: false } });
    expect(live(clean)).toEqual([]);
    const rules = clean._render().clusterObjects.get('legacy')!.find((o: any) => o.kind === 'ClusterPolicy').spec.rules;
    expect(rules.map((r: any) => r.verifyImages[0].attestors[0].entries[0].keys?.rekor?.ignoreTlog ?? false)).toEqual([false, true, false]);

    const broken = blueprint({ pay: { transparencyLog: false } });
    patchObject(broken, 'legacy', RULES, JsonPatch.remove('/spec/rules/1/verifyImages/0/attestors/0/entries/0/keys/rekor/ignoreTlog'));
    const f = live(broken);
    expect(f.map((x) => x.id)).toEqual(['ISB-POL-004']);
    expect(f[0].message).toMatch(/rules\[1\]\.verifyImages\[0\]: requires a transparency-log entry, but the workflow signs with --tlog-upload=false/);
  });

  test('ISB-IMG-004: one pattern over repositories with different signers is an error; over one key it is not', () => {
    const broad = blueprint({ legacy: { imageReferences: ['ghcr.io/acme/*'] } });
    const f = live(broad).filter((x) => x.id === 'ISB-IMG-004');
    expect(f.length).toBeGreaterThan(0);
    expect(f[0].path).toBe('clusters[0]');
    expect(f[0].message).toMatch(/match images of "acme\/web" and "acme\/pay" and "acme\/docs", which are signed differently \(a key and keylessly\)/);

    const oneKey = new ImageSigningBlueprint({
      config: {
        ...config({ legacy: { imageReferences: ['ghcr.io/acme/*'] } }),
        signing: { mode: 'key', key: { publicKeyFile: 'cosign.pub' } },
        repositories: [{ name: 'web', images: ['ghcr.io/acme/web'] }, { name: 'api', images: ['ghcr.io/acme/api'] }],
      },
      baseDir: dir,
    });
    expect(live(oneKey).filter((x) => x.id === 'ISB-IMG-004')).toEqual([]);
  });

  test('ISB-ID-002: a keyless identity naming a key-signed repository\'s workflow accepts no keyless signer', () => {
    const bp = blueprint();
    patchObject(bp, 'legacy', RULES, JsonPatch.replace('/spec/rules/2/verifyImages/0/attestors/0/entries/0/keyless/subjectRegExp',
      '^https://github\\.com/acme/web/\\.github/workflows/build-sign\\.yml@refs/heads/main$'));
    const ids = live(bp).map((x) => x.id);
    expect(ids).toContain('ISB-ID-002');
    expect(live(bp).find((x) => x.id === 'ISB-ID-002')!.path).toMatch(/rules\[2\]/);
  });

  test('neither Kyverno 1.16 nor policy-controller reads key-signed bundles: the config error names the repository\'s override', () => {
    let err: unknown;
    try {
      blueprint({ pay: { cosign: { signatureFormat: 'bundle' } } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const p = (err as ConfigError).problems;
    // key + bundle needs Kyverno >= 1.19 (kyverno#14233) and no policy-controller version reads it (policy-controller#1958)
    expect(p.map((x) => x.path)).toEqual(['clusters[0].kyverno.version', 'clusters[1].policyController.enabled']);
    expect(p[1].message).toMatch(/repositories\[1\]\.signing\.cosign\.signatureFormat: bundle, repository pay/);
    expect(p[1].fix).toMatch(/^set repositories\[1\]\.signing\.cosign\.signatureFormat: both/);
  });
});

describe('policy names with mixed signers', () => {
  test('keyless repositories named like a key group\'s policies get a hashed name: no two objects share a name', () => {
    const cfg = config();
    cfg.repositories.push(
      { name: 'signatures', images: ['ghcr.io/acme/signatures'], signing: { mode: 'keyless' } },
      { name: 'images', images: ['ghcr.io/acme/images'], signing: { mode: 'keyless' } },
    );
    const bp = new ImageSigningBlueprint({ config: cfg, baseDir: dir });
    const legacy = bp._render().clusterObjects.get('legacy')!;
    const rules: string[] = legacy.find((o: any) => o.kind === 'ClusterPolicy').spec.rules.map((r: any) => r.name);
    expect(new Set(rules).size).toBe(rules.length);
    expect(rules.filter((n) => n === 'verify-signatures')).toHaveLength(1);
    expect(rules).toContainEqual(expect.stringMatching(/^verify-signatures-[0-9a-f]{6}$/));
    const prod = bp._render().clusterObjects.get('prod')!.map((o: any) => `${o.kind}/${o.metadata.name}`);
    expect(new Set(prod).size).toBe(prod.length);
    expect(prod).toContainEqual(expect.stringMatching(/^ImageValidatingPolicy\/acme-verify-images-[0-9a-f]{6}$/));
    expect(live(bp)).toEqual([]);
  });
});
