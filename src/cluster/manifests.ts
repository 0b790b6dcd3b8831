import { renderKyvernoClusterPolicy } from './kyverno-cluster-policy';
import { renderImageValidatingPolicies } from './kyverno-ivpol';
import { renderIncludedNamespaces, renderPolicyControllerObjects } from './policy-controller';
import { renderVerificationObjects } from './verification-job';
import { KyvernoPolicyType } from '../config/types';
import { BlueprintModel, ClusterModel } from '../model/model';

/**
 * Every object of one cluster, in apply order: namespaces first, then policies, then the
 * verification job. Namespaces named twice (opt-in list and the job's namespace) are merged.
 */
export function renderClusterObjects(model: BlueprintModel, cluster: ClusterModel): Record<string, any>[] {
  const policies: Record<string, any>[] = [];
  if (cluster.kyverno.enabled) {
    if (cluster.kyverno.policy === KyvernoPolicyType.IMAGE_VALIDATING_POLICY) policies.push(...renderImageValidatingPolicies(model, cluster));
    else policies.push(renderKyvernoClusterPolicy(model, cluster));
  }
  const namespaces = cluster.policyController.enabled ? renderIncludedNamespaces(cluster) : [];
  if (cluster.policyController.enabled) policies.push(...renderPolicyControllerObjects(model, cluster));
  const verification = renderVerificationObjects(model);
  const rest: Record<string, any>[] = [];
  for (const o of verification) {
    const same = o.kind === 'Namespace' ? namespaces.find((n) => n.metadata.name === o.metadata.name) : undefined;
    if (same) same.metadata.labels = { ...o.metadata.labels, ...same.metadata.labels };
    else if (o.kind === 'Namespace') namespaces.push(o);
    else rest.push(o);
  }
  return [...namespaces, ...policies, ...rest];
}
