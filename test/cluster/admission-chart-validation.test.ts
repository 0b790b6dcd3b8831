import * as fs from 'node:fs';
import { ApiObject, App, JsonPatch } from 'cdk8s';
import { AdmissionChart } from '../../src/cluster/admission-chart';
import { renderClusterObjects } from '../../src/cluster/manifests';
import { validateConfig } from '../../src/config/load';
import { buildModel } from '../../src/model/build';
import { keyConfig, projectDir, tempDir } from '../support/fixtures';

/**
 * Users who place AdmissionChart in their own cdk8s app get the invariants the CRD schemas cannot
 * express as cdk8s validations: `app.synth()` refuses a broken policy (and writes nothing of it).
 */
describe('AdmissionChart validations (cdk8s app.synth)', () => {
  const manifests = () => {
    const m = buildModel(validateConfig(keyConfig({ admission: { failureAction: 'Audit' } })), { baseDir: projectDir() });
    return renderClusterObjects(m, m.clusters[0]);
  };

  test('the blueprint\'s own objects synthesize', () => {
    const outdir = tempDir();
    const app = new App({ outdir });
    new AdmissionChart(app, 'prod', { manifests: manifests() });
    app.synth();
    expect(fs.readFileSync(`${outdir}/prod.k8s.yaml`, 'utf8')).toContain('kind: ClusterPolicy');
  });

  test('a patch to Audit + mutateDigest true fails app.synth with the object and the invariant', () => {
    const app = new App({ outdir: tempDir() });
    const chart = new AdmissionChart(app, 'prod', { manifests: manifests() });
    (chart.node.findChild('ClusterPolicy-acme-web-verify-images') as ApiObject)
      .addJsonPatch(JsonPatch.replace('/spec/rules/0/verifyImages/0/mutateDigest', true));
    expect(() => app.synth()).toThrow(/ClusterPolicy\/acme-web-verify-images: rules\[0\]\.verifyImages\[0\]: Audit with mutateDigest not false/);
  });

  test('a second attestor kind in one entry fails too', () => {
    const objs = manifests();
    const cp = objs.find((o) => o.kind === 'ClusterPolicy')!;
    cp.spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless = { subject: 's', issuer: 'i', rekor: { url: 'https://rekor.sigstore.dev' } };
    const app = new App({ outdir: tempDir() });
    new AdmissionChart(app, 'prod', { manifests: objs });
    expect(() => app.synth()).toThrow(/exactly one of keys\/keyless\/certificates\/attestor/);
  });
});
