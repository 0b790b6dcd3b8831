import { TerraformStack } from 'cdktf';
import { AdmissionChart } from './cluster/admission-chart';

/*
 * Escape hatches: changes a user makes to the rendered artifacts through the construct tree
 * before they are written. The synth-time checks read the artifacts *after* these ran, so a
 * hand edit that breaks consistency (a policy patched to `background: true`, a sign step
 * changed to sign a tag) is reported like any other finding.
 */

/** Changes one cluster's admission chart (e.g. `ApiObject.addJsonPatch`). */
export interface IAdmissionChartCustomizer {
  /**
   * Called once per cluster, after the blueprint placed its objects in the chart. Each object's
   * construct id is `<kind>-<metadata.name>` (`chart.node.findChild('ClusterPolicy-acme-verify-images')`).
   * @param chart the cluster's chart
   * @param cluster the cluster's name
   */
  customize(chart: AdmissionChart, cluster: string): void;
}

/** Changes one signing workflow before it is serialized to YAML and committed. */
export interface IWorkflowCustomizer {
  /**
   * Called once per workflow file with the workflow as a plain, mutable object (the YAML's
   * structure: `on`, `permissions`, `jobs`).
   * @param workflow the workflow document; edit it in place
   * @param repository the repository the workflow belongs to
   */
  customize(workflow: any, repository: string): void;
}

/** Changes one repository's Terraform stack (e.g. `resource.addOverride`). */
export interface ITerraformStackCustomizer {
  /**
   * Called once per repository stack, after the blueprint created its resources.
   * @param stack the repository's stack
   * @param repository the repository's name
   */
  customize(stack: TerraformStack, repository: string): void;
}
