import { ImageSigningBlueprint } from '../../src';
import { validateConfig } from '../../src/config/load';
import { DEFAULT_COSIGN_VERSION } from '../../src/config/pins';
import { buildModel } from '../../src/model/build';
import { findingsFor } from '../checks/rules/harness';
import { keyConfig, projectDir } from '../support/fixtures';

/**
 * The default signature format is one every targeted verifier reads (admission-engines.md):
 * Kyverno ClusterPolicy reads bundles keyless from 1.13 and key-signed from 1.19 (type
 * SigstoreBundle), ImageValidatingPolicy key-signed from 1.19 but 1.19.0 regressed it
 * (kyverno#17363, open), policy-controller 0.15 keyless only; the in-cluster job's built-in cosign v3.0.6 image both. Otherwise legacy.
 */
const key = (over: Record<string, unknown> = {}) => keyConfig(over);
const keyless = (over: Record<string, unknown> = {}): any => ({
  name: 'acme',
  github: { owner: 'acme' },
  repositories: [{ name: 'app', images: ['ghcr.io/acme/app'] }],
  signing: { mode: 'keyless' },
  ...over,
});
const kyverno = (policy: string, version: string) => ({ admission: { kyverno: { policy, version } } });
const withPc = (policy: string, version: string) => ({ admission: { kyverno: { policy, version }, policyController: { enabled: true } } });

function formatOf(cfg: any): string {
  const m = buildModel(validateConfig(cfg), { baseDir: projectDir() });
  expect(m.signing.cosignVersion.text).toBe(cfg.signing.cosign?.version ?? DEFAULT_COSIGN_VERSION);
  return m.repositories[0].signing.signatureFormat;
}

const cases: [string, any, 'legacy' | 'bundle'][] = ([
  ['key, ClusterPolicy 1.16 (the default cluster)', key(), 'legacy'],
  ['key, ClusterPolicy 1.18', key(kyverno('ClusterPolicy', '1.18')), 'legacy'],
  ['key, ClusterPolicy 1.19', key(kyverno('ClusterPolicy', '1.19')), 'bundle'],
  ['key, ImageValidatingPolicy 1.18', key(kyverno('ImageValidatingPolicy', '1.18')), 'legacy'],
  ['key, ImageValidatingPolicy 1.19 (key + bundle regressed in 1.19.0, kyverno#17363)', key(kyverno('ImageValidatingPolicy', '1.19')), 'legacy'],
  ['key, ClusterPolicy 1.19 + policy-controller', key(withPc('ClusterPolicy', '1.19')), 'legacy'],
  ['key, policy-controller only', key({ admission: { kyverno: { enabled: false }, policyController: { enabled: true } } }), 'legacy'],
  ['keyless, ClusterPolicy 1.12', keyless(kyverno('ClusterPolicy', '1.12')), 'legacy'],
  ['keyless, ClusterPolicy 1.16', keyless(), 'bundle'],
  ['keyless, ImageValidatingPolicy 1.16', keyless(kyverno('ImageValidatingPolicy', '1.16')), 'bundle'],
  // policy-controller 0.15.1 verifies no bundle image signature, keyless or not ("not yet implemented")
  ['keyless, ClusterPolicy 1.16 + policy-controller', keyless(withPc('ClusterPolicy', '1.16')), 'legacy'],
  ['key, two clusters, one on Kyverno 1.18', key({ clusters: [{ name: 'a', kyverno: { version: '1.19' } }, { name: 'b', kyverno: { version: '1.18' } }] }), 'legacy'],
  ['key, two ClusterPolicy clusters on Kyverno 1.19', key({ clusters: [{ name: 'a', kyverno: { version: '1.19' } }, { name: 'b', kyverno: { version: '1.19' } }] }), 'bundle'],
  ['key, Kyverno 1.19 ClusterPolicy and ImageValidatingPolicy clusters', key({ clusters: [{ name: 'a', kyverno: { policy: 'ImageValidatingPolicy', version: '1.19' } }, { name: 'b', kyverno: { version: '1.19' } }] }), 'legacy'],
  ['keyless, verification job with the built-in cosign v3.0.6 image (reads both formats)', keyless({ verification: { cluster: {} } }), 'bundle'],
  ['keyless, verification job with a cosign v3 image', keyless({ verification: { cluster: { image: `ghcr.io/sigstore/cosign/cosign:v3.0.6@sha256:${'a'.repeat(64)}` } } }), 'bundle'],
  ['keyless, cosign v2 selected', keyless({ signing: { mode: 'keyless', cosign: { version: 'v2.6.4' } } }), 'legacy'],
  ['key on Kyverno 1.19, cosign v2 selected', key({ ...kyverno('ClusterPolicy', '1.19'), signing: { mode: 'key', cosign: { version: 'v2.6.4' }, key: { publicKeyFile: 'cosign.pub' } } }), 'legacy'],
] as [string, any, 'legacy' | 'bundle'][]).map(([n, c, f]) => [`${n} → ${f}`, c, f]);

describe('default signature format per engine and version', () => {
  test.each(cases)('%s', (_name, cfg, expected) => {
    expect(formatOf(cfg)).toBe(expected);
  });

  test.each(cases)('%s: every engine reads what the workflow signs (ISB-POL-003 and synth checks clean)', (_name, cfg) => {
    expect(findingsFor('ISB-POL-003', cfg)).toEqual([]);
    const bp = new ImageSigningBlueprint({ config: cfg, baseDir: projectDir() });
    expect(bp.check().filter((f) => f.level === 'error')).toEqual([]);
  });

  test('the check discriminates: forcing bundle where the engine cannot read it is refused (by the loader, as ISB-POL-003)', () => {
    const forced = key({ signing: { mode: 'key', cosign: { signatureFormat: 'bundle' }, key: { publicKeyFile: 'cosign.pub' } } });
    let err: any;
    try {
      buildModel(validateConfig(forced), { baseDir: projectDir() });
    } catch (e) {
      err = e;
    }
    expect(err?.problems?.map((p: any) => p.id)).toContain('ISB-POL-003');
  });

  test('an explicit format wins over the default', () => {
    expect(formatOf(keyless({ signing: { mode: 'keyless', cosign: { signatureFormat: 'legacy' } } }))).toBe('legacy');
    expect(formatOf(key({ signing: { mode: 'key', cosign: { signatureFormat: 'both' }, key: { publicKeyFile: 'cosign.pub' } } }))).toBe('both');
  });

  test('a bundle default renders Kyverno type SigstoreBundle and signs without the legacy flags', () => {
    const bp = new ImageSigningBlueprint({ config: keyless(), baseDir: projectDir() });
    const a = bp._render();
    const cp = (a.clusterObjects.get('default') as any[]).find((o) => o.kind === 'ClusterPolicy');
    expect(cp.spec.rules[0].verifyImages[0].type).toBe('SigstoreBundle');
    const wf = [...a.files.entries()].find(([p]) => p.endsWith('.github/workflows/build-sign.yml'))![1];
    expect(wf).toMatch(/cosign sign --yes "ghcr\.io\/acme\/app@/);
    expect(wf).not.toContain('--new-bundle-format');
  });

  test('a legacy default on cosign v3 signs with --new-bundle-format=false --use-signing-config=false', () => {
    const a = new ImageSigningBlueprint({ config: key(), baseDir: projectDir() })._render();
    const cp = (a.clusterObjects.get('default') as any[]).find((o) => o.kind === 'ClusterPolicy');
    expect(cp.spec.rules[0].verifyImages[0].type).toBe('Cosign');
    const wf = [...a.files.entries()].find(([p]) => p.endsWith('.github/workflows/build-sign.yml'))![1];
    expect(wf).toContain('cosign sign --yes --key env://COSIGN_PRIVATE_KEY --new-bundle-format=false --use-signing-config=false ');
  });
});
