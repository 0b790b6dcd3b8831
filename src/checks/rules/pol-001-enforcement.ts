import { FailureAction } from '../../config/types';
import { RawFinding, Rule } from '../types';
import { kyvernoEntries, objectsOfKind } from '../views';
import { clusterByName, clusterPath } from './util';

/** Kyverno's resolution of a rule's action (admission-engines.md §1.1 failureAction). */
export function kyvernoRuleAction(policy: any, rule: any): string {
  const entries: any[] = rule.verifyImages ?? [];
  if (entries.some((e) => e.failureAction === 'Enforce')) return 'Enforce';
  const first = entries.find((e) => e.failureAction !== undefined);
  if (first) return first.failureAction;
  return policy.spec?.validationFailureAction ?? 'Audit';
}

export const ISB_POL_001: Rule = {
  id: 'ISB-POL-001',
  level: 'error',
  title: 'Enforcement intended but the policy only audits, or Audit with mutateDigest',
  explanation: 'Kyverno defaults to Audit: a verifyImages rule without failureAction Enforce (or the deprecated '
    + 'spec.validationFailureAction) reports unsigned images and admits them. Under Audit, mutateDigest must be '
    + 'false, otherwise Kyverno rejects the policy itself. ImageValidatingPolicy needs validationActions Deny, '
    + 'policy-controller mode enforce.',
  fix: 'Set failureAction in the blueprint (Enforce or Audit) and let it render every engine\'s field.',
  check(ctx) {
    const out: RawFinding[] = [];
    for (const e of kyvernoEntries(ctx.artifacts)) {
      const intended = clusterByName(ctx.model, e.cluster)?.failureAction;
      const action = kyvernoRuleAction(e.policy, e.rule);
      if (intended === FailureAction.ENFORCE && action !== 'Enforce') {
        out.push({ path: clusterPath(ctx.model, e.cluster), message: `${e.where}: the blueprint enforces, but Kyverno resolves this rule's action to ${action}` });
      }
      if (action === 'Audit' && e.entry.mutateDigest !== false) {
        out.push({ path: clusterPath(ctx.model, e.cluster), message: `${e.where}: Audit with mutateDigest ${e.entry.mutateDigest ?? 'true (default)'}: Kyverno rejects this policy` });
      }
    }
    for (const p of objectsOfKind(ctx.artifacts, 'ImageValidatingPolicy')) {
      const intended = clusterByName(ctx.model, p.cluster)?.failureAction;
      const actions: string[] = p.policy.spec?.validationActions ?? [];
      if (intended === FailureAction.ENFORCE && !actions.includes('Deny')) {
        out.push({ path: clusterPath(ctx.model, p.cluster), message: `${p.where}: the blueprint enforces, but validationActions is ${JSON.stringify(actions)} (no Deny)` });
      }
      const vc = p.policy.spec?.validationConfigurations;
      if (!actions.includes('Deny') && vc && vc.mutateDigest !== false) {
        out.push({ path: clusterPath(ctx.model, p.cluster), message: `${p.where}: audit stage with digest mutation on` });
      }
    }
    for (const p of objectsOfKind(ctx.artifacts, 'ClusterImagePolicy')) {
      const intended = clusterByName(ctx.model, p.cluster)?.failureAction;
      const mode = p.policy.spec?.mode ?? 'enforce';
      if (intended === FailureAction.ENFORCE && mode !== 'enforce') {
        out.push({ path: clusterPath(ctx.model, p.cluster), message: `${p.where}: the blueprint enforces, but mode is ${mode}` });
      }
    }
    return out;
  },
};
