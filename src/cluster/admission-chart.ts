import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { crossFieldErrors } from './invariants';

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
 * `app.synth()` fails when a policy breaks an invariant the CRD schemas cannot express (one
 * attestor kind per entry, `count` ≤ entries, Audit ⇒ `mutateDigest: false`, keyless ⇒ Rekor URL
 * or roots, `background: false`, identity pairs).
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
    // the invariants the CRD schemas cannot express, over the final (patched) objects
    this.node.addValidation({
      validate: () => this._objects().flatMap((o: any) => crossFieldErrors(o).map((e) => `${o.kind}/${o.metadata?.name}: ${e}`)),
    });
  }

  /**
   * The chart's objects as JSON, patches applied, in order, without running the validations
   * (the blueprint's synth reports the same problems as findings of its checks instead).
   * @internal
   */
  public _objects(): any[] {
    return this.node.children.filter((c): c is ApiObject => c instanceof ApiObject).map((o) => o.toJson());
  }
}
