import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';

/** Props of an AdmissionChart. */
export interface AdmissionChartProps {
  /**
   * Kubernetes objects (plain JSON with apiVersion, kind, metadata.name) to place in the chart,
   * usually rendered by the blueprint: policies, verification jobs.
   */
  readonly manifests: any[];
}

/**
 * cdk8s chart holding one cluster's admission artifacts. Each manifest becomes an ApiObject
 * whose id is `<kind>-<name>`, so users can reach it with `chart.node.findChild(...)` and
 * patch it (`ApiObject.addJsonPatch`); synth-time checks read the final, patched objects.
 */
export class AdmissionChart extends Chart {
  constructor(scope: Construct, id: string, props: AdmissionChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    for (const m of props.manifests) {
      const { apiVersion, kind, metadata, ...rest } = m;
      if (!apiVersion || !kind || !metadata?.name) {
        throw new Error('AdmissionChart: every manifest needs apiVersion, kind and metadata.name');
      }
      new ApiObject(this, `${kind}-${metadata.name}`, { apiVersion, kind, metadata, ...rest });
    }
  }
}
