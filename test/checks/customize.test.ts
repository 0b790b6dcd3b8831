import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiObject, JsonPatch } from 'cdk8s';
import { TerraformResource, TerraformStack } from 'cdktf';
import { ImageSigningBlueprint } from '../../src/blueprint';
import { AdmissionChart } from '../../src/cluster/admission-chart';
import { keyConfig, projectDir, tempDir } from '../support/fixtures';

/*
 * Escape hatches: a user changes the rendered artifacts through the construct tree; the
 * synth-time checks read the result, so an edit that breaks consistency is caught (issue: "Rules
 * read ... the final rendered artifacts, after any change a user made through the construct tree").
 */

const blueprint = () => new ImageSigningBlueprint({ config: keyConfig(), baseDir: projectDir() });
const errors = (bp: ImageSigningBlueprint) => bp.check().filter((f) => f.level === 'error' && !f.suppressed).map((f) => f.id);

describe('customizers', () => {
  test('without customizers the blueprint is clean (the neighbour of every case below)', () => {
    expect(errors(blueprint())).toEqual([]);
  });

  test('a JSON patch setting background: true on the ClusterPolicy fails ISB-POL-002, and synth writes nothing', () => {
    const bp = blueprint();
    bp.customizeAdmissionCharts({
      customize(chart: AdmissionChart) {
        (chart.node.findChild('ClusterPolicy-acme-web-verify-images') as ApiObject).addJsonPatch(JsonPatch.replace('/spec/background', true));
      },
    });
    expect(errors(bp)).toContain('ISB-POL-002');
    const out = path.join(tempDir(), 'dist');
    expect(() => bp.synth(out)).toThrow(/ISB-POL-002/);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('a harmless patch (a label) passes the checks and is in the written manifest', () => {
    const bp = blueprint();
    bp.customizeAdmissionCharts({
      customize(chart: AdmissionChart, cluster: string) {
        expect(cluster).toBe('default');
        (chart.node.findChild('ClusterPolicy-acme-web-verify-images') as ApiObject).metadata.addLabel('team', 'platform');
      },
    });
    expect(errors(bp)).toEqual([]);
    const out = path.join(tempDir(), 'dist');
    bp.synth(out);
    expect(fs.readFileSync(path.join(out, 'kubernetes/default/image-signing.k8s.yaml'), 'utf8')).toContain('team: platform');
  });

  test('a workflow edit that signs the tag instead of the digest fails ISB-WF-001', () => {
    const bp = blueprint();
    bp.customizeWorkflows({
      customize(workflow: any, repository: string) {
        expect(repository).toBe('web');
        for (const job of Object.values<any>(workflow.jobs)) {
          for (const step of job.steps) {
            if (typeof step.run === 'string' && step.run.startsWith('cosign sign')) {
              step.run = 'cosign sign --yes --key env://COSIGN_PRIVATE_KEY ghcr.io/acme/web:latest';
            }
          }
        }
      },
    });
    expect(errors(bp)).toContain('ISB-WF-001');
    expect(bp.renderFiles()['github/.github/workflows/build-sign.yml']).toContain('ghcr.io/acme/web:latest');
  });

  test('a Terraform override renaming a secret fails ISB-KEY-002', () => {
    const bp = blueprint();
    bp.customizeTerraformStacks({
      customize(stack: TerraformStack, repository: string) {
        expect(repository).toBe('web');
        (stack.node.findChild('secret-COSIGN_PASSWORD') as TerraformResource).addOverride('secret_name', 'COSIGN_PASS');
      },
    });
    expect(errors(bp)).toContain('ISB-KEY-002');
    const tf = JSON.parse(bp.renderFiles()['terraform/stacks/github-web/cdk.tf.json']);
    expect(tf.resource.github_actions_secret['secret-COSIGN_PASSWORD'].secret_name).toBe('COSIGN_PASS');
  });

  test('adding a customizer after a render re-renders (no stale cached artifacts)', () => {
    const bp = blueprint();
    expect(errors(bp)).toEqual([]);
    bp.customizeAdmissionCharts({
      customize(chart: AdmissionChart) {
        (chart.node.findChild('ClusterPolicy-acme-web-verify-images') as ApiObject).addJsonPatch(JsonPatch.replace('/spec/background', true));
      },
    });
    expect(errors(bp)).toContain('ISB-POL-002');
  });
});
