import * as path from 'node:path';
import { ImageSigningBlueprint } from '../../src/blueprint';
import { matchImage } from '../../src/checks/matchers/engine';
import { expectSchemaValid, SCHEMAS } from '../support/schemas';

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'platform-team', 'blueprint.yaml');
const SCHEMA_OF: Record<string, string> = {
  ClusterPolicy: SCHEMAS.clusterPolicy,
  ImageValidatingPolicy: SCHEMAS.imageValidatingPolicy,
  ClusterImagePolicy: SCHEMAS.clusterImagePolicy,
};

describe('examples/platform-team', () => {
  const bp = ImageSigningBlueprint.fromFile(EXAMPLE);
  const objects = bp._render().clusterObjects;

  test('two clusters: Kyverno 1.16 ClusterPolicy, and Kyverno 1.19 IVP + policy-controller, each with the verification job', () => {
    expect([...objects.keys()]).toEqual(['legacy-eu', 'prod-eu']);
    const kinds = (c: string) => objects.get(c)!.map((o) => o.kind);
    expect(kinds('legacy-eu')).toEqual(['Namespace', 'ClusterPolicy', 'ServiceAccount', 'ConfigMap', 'CronJob']);
    expect(kinds('prod-eu')).toEqual(['Namespace', 'Namespace', 'Namespace', 'ImageValidatingPolicy', 'ClusterImagePolicy',
      'ClusterImagePolicy', 'ClusterImagePolicy', 'ClusterImagePolicy', 'ServiceAccount', 'ConfigMap', 'CronJob']);
  });

  test('every policy validates against its upstream schema', () => {
    let n = 0;
    for (const objs of objects.values()) {
      for (const o of objs) {
        const schema = SCHEMA_OF[o.kind];
        if (!schema) continue;
        expectSchemaValid(schema, o);
        n++;
      }
    }
    expect(n).toBe(6);
  });

  test('the objects without a schema carry the fields that matter', () => {
    for (const objs of objects.values()) {
      const job = objs.find((o) => o.kind === 'CronJob')!;
      const pod = job.spec.jobTemplate.spec.template.spec;
      expect(pod.imagePullSecrets).toEqual([{ name: 'registry-credentials' }]);
      expect(pod.containers[0].image).toMatch(/@sha256:[0-9a-f]{64}$/);
      expect(pod.containers[0].args).toEqual(expect.arrayContaining(['ghcr.io/acme/web:latest', 'docker.io/acme/api:latest']));
    }
    const ns = objects.get('prod-eu')!.filter((o) => o.kind === 'Namespace' && o.metadata.labels?.['policy.sigstore.dev/include'] === 'true');
    expect(ns.map((o) => o.metadata.name)).toEqual(['apps', 'payments']);
  });

  test('policy-controller globs select the Docker Hub image in its index.docker.io form', () => {
    const cip = objects.get('prod-eu')!.find((o) => o.kind === 'ClusterImagePolicy')!;
    const globs: string[] = cip.spec.images.map((i: any) => i.glob);
    expect(globs).toContain('index.docker.io/acme/api@*');
    const d = `sha256:${'0'.repeat(64)}`;
    expect(globs.some((g) => matchImage('policy-controller', g, `acme/api@${d}`).matched)).toBe(true);
  });
});
