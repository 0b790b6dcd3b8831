import { createPublicKey } from 'node:crypto';
import { crossFieldErrors } from '../../src/cluster/invariants';
import { renderClusterObjects } from '../../src/cluster/manifests';
import { validateConfig } from '../../src/config/load';
import { buildModel } from '../../src/model/build';
import { newPublicKeyPem, projectDir } from '../support/fixtures';
import { expectSchemaValid, SCHEMAS } from '../support/schemas';

/*
 * Every engine × key/keyless × legacy/bundle/both × rotation × Audit/Enforce × tlog on/off:
 * each generated object validates against its upstream schema, holds the cross-field rules the
 * schemas cannot express (src/cluster/invariants.ts), and carries the fields the reference
 * facts demand for that combination. Combinations the model refuses (key + bundle on
 * policy-controller, key + bundle below Kyverno 1.19, keyless without the tlog) are skipped by
 * checking the model's refusal, not silently.
 */

const SCHEMA_OF: Record<string, string> = {
  ClusterPolicy: SCHEMAS.clusterPolicy,
  ImageValidatingPolicy: SCHEMAS.imageValidatingPolicy,
  ClusterImagePolicy: SCHEMAS.clusterImagePolicy,
};
const spki = (pem: string) => createPublicKey(pem).export({ type: 'spki', format: 'der' }).toString('base64');

type Engine = 'ClusterPolicy' | 'ImageValidatingPolicy' | 'ClusterImagePolicy';
interface Combo { engine: Engine; mode: 'key' | 'keyless'; format: 'legacy' | 'bundle' | 'both'; rotation: boolean; action: 'Enforce' | 'Audit'; tlog: boolean }

const combos: Combo[] = [];
for (const engine of ['ClusterPolicy', 'ImageValidatingPolicy', 'ClusterImagePolicy'] as Engine[]) {
  for (const mode of ['key', 'keyless'] as const) {
    for (const format of ['legacy', 'bundle', 'both'] as const) {
      for (const rotation of mode === 'key' ? [false, true] : [false]) {
        for (const action of ['Enforce', 'Audit'] as const) {
          for (const tlog of mode === 'key' ? [true, false] : [true]) combos.push({ engine, mode, format, rotation, action, tlog });
        }
      }
    }
  }
}

const OLD = newPublicKeyPem();

function config(c: Combo): any {
  const cluster: any = { name: 'c' };
  if (c.engine === 'ClusterPolicy') cluster.kyverno = { policy: 'ClusterPolicy', version: '1.19' };
  if (c.engine === 'ImageValidatingPolicy') cluster.kyverno = { policy: 'ImageValidatingPolicy', version: '1.19' };
  if (c.engine === 'ClusterImagePolicy') {
    cluster.kyverno = { enabled: false };
    cluster.policyController = { enabled: true };
  }
  cluster.failureAction = c.action;
  return {
    name: 'acme',
    github: { owner: 'acme' },
    repositories: [
      { name: 'web', images: ['ghcr.io/acme/web'] },
      { name: 'api', images: ['ghcr.io/acme/api'], workflow: { branches: ['main'], tags: ['v*'] } },
    ],
    signing: {
      mode: c.mode,
      cosign: { version: c.format === 'legacy' ? 'v2.6.4' : 'v3.0.2', signatureFormat: c.format },
      transparencyLog: c.tlog,
      ...(c.mode === 'key' ? { key: { publicKeyFile: 'cosign.pub', ...(c.rotation ? { previousPublicKeyFiles: ['old.pub'] } : {}) } } : {}),
    },
    clusters: [cluster],
  };
}

describe.each(combos.map((c) => [`${c.engine} ${c.mode} ${c.format}${c.rotation ? ' rotation' : ''} ${c.action} tlog=${c.tlog}`, c] as const))('%s', (_name, c) => {
  let model: any;
  let refused: unknown;
  try {
    model = buildModel(validateConfig(config(c)), { baseDir: projectDir({ 'old.pub': OLD }) });
  } catch (e) {
    refused = e;
  }

  test('schema-valid, cross-field rules hold, and the fields match the combination', () => {
    if (refused) {
      // only the combinations no engine version can verify: policy-controller 0.15.1 verifies no image
      // signature stored as a bundle, key (policy-controller#1958) or keyless ("not yet implemented")
      expect(c.format === 'bundle' && c.engine === 'ClusterImagePolicy').toBe(true);
      expect(String((refused as Error).message)).toMatch(/policyController/);
      return;
    }
    const objs = renderClusterObjects(model, model.clusters[0]).filter((o) => SCHEMA_OF[o.kind]);
    expect(objs.length).toBeGreaterThan(0);
    const keys = [model.signing.key?.publicKey.pem, ...(c.rotation ? [OLD] : [])].filter(Boolean).map(spki);
    for (const o of objs) {
      expect(o.kind).toBe(c.engine);
      expectSchemaValid(SCHEMA_OF[o.kind], o);
      expect(crossFieldErrors(o)).toEqual([]);
    }
    if (c.engine === 'ClusterPolicy') {
      for (const p of objs) {
        for (const r of p.spec.rules) {
          const v = r.verifyImages[0];
          expect(v.failureAction).toBe(c.action);
          expect(v.mutateDigest).toBe(c.action === 'Enforce');
          // bundles only: SigstoreBundle; legacy or both: Cosign reads the .sig
          expect(v.type).toBe(c.format === 'bundle' ? 'SigstoreBundle' : 'Cosign');
          const entries = v.attestors[0].entries;
          if (c.mode === 'key') {
            expect(entries.map((e: any) => spki(e.keys.publicKeys))).toEqual(keys);
            expect(v.attestors[0].count).toBe(1);
            for (const e of entries) expect(Boolean(e.keys.rekor?.ignoreTlog)).toBe(!c.tlog);
          } else {
            expect(entries[0].keyless.issuer).toBe('https://token.actions.githubusercontent.com');
          }
        }
      }
    }
    if (c.engine === 'ImageValidatingPolicy') {
      for (const p of objs) {
        expect(p.spec.validationActions).toEqual([c.action === 'Enforce' ? 'Deny' : 'Audit']);
        if (c.mode === 'key') {
          expect(p.spec.attestors.map((a: any) => spki(a.cosign.key.data))).toEqual(keys);
          for (const a of p.spec.attestors) expect(Boolean(a.cosign.ctlog.insecureIgnoreTlog)).toBe(!c.tlog);
        } else {
          expect(p.spec.attestors[0].cosign.keyless.identities[0].issuer).toBe('https://token.actions.githubusercontent.com');
        }
      }
    }
    if (c.engine === 'ClusterImagePolicy') {
      for (const p of objs) {
        expect(p.spec.mode).toBe(c.action === 'Enforce' ? 'enforce' : 'warn');
        for (const a of p.spec.authorities) expect(a.signatureFormat).toBe(c.format === 'bundle' ? 'bundle' : 'legacy');
        if (c.mode === 'key') {
          expect(p.spec.authorities.map((a: any) => spki(a.key.data))).toEqual(keys);
          for (const a of p.spec.authorities) expect(a.ctlog !== undefined).toBe(c.tlog);
        }
      }
    }
  });
});

describe('the cross-field check can fail', () => {
  const m = buildModel(validateConfig(config({ engine: 'ClusterPolicy', mode: 'keyless', format: 'legacy', rotation: false, action: 'Audit', tlog: true })),
    { baseDir: projectDir() });
  const good = () => JSON.parse(JSON.stringify(renderClusterObjects(m, m.clusters[0]).find((o) => o.kind === 'ClusterPolicy')));

  test('Audit + mutateDigest true', () => {
    const p = good();
    p.spec.rules[0].verifyImages[0].mutateDigest = true;
    expect(crossFieldErrors(p).join()).toMatch(/Audit with mutateDigest/);
  });
  test('count above the entries, two attestor kinds in one entry, keyless without rekor or roots', () => {
    const p = good();
    const set = p.spec.rules[0].verifyImages[0].attestors[0];
    set.count = 2;
    set.entries[0].keys = { publicKeys: newPublicKeyPem() };
    delete set.entries[0].keyless.rekor;
    const errs = crossFieldErrors(p).join('\n');
    expect(errs).toMatch(/count 2 > 1 entries/);
    expect(errs).toMatch(/exactly one of keys\/keyless/);
    expect(errs).toMatch(/needs rekor.url or roots/);
  });
  test('policy-controller identity with subject and subjectRegExp', () => {
    const cip = { kind: 'ClusterImagePolicy', spec: { authorities: [{ keyless: { identities: [{ issuer: 'i', subject: 's', subjectRegExp: '^s$' }] } }] } };
    expect(crossFieldErrors(cip)).toEqual(['authorities[0].keyless.identities[0]: exactly one of subject/subjectRegExp']);
  });
});
