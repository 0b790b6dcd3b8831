import { RawFinding, Rule } from '../types';
import { objectsOfKind } from '../views';
import { clusterPath } from './util';

export const ISB_POL_002: Rule = {
  id: 'ISB-POL-002',
  level: 'error',
  title: 'ClusterPolicy verifyImages rule with background scans on',
  explanation: 'spec.background defaults to true. Background scans re-verify every running image against the '
    + 'registry and Rekor on a timer (load, rate limits), do not apply verifyDigest, and can keep reporting pass '
    + 'after a signature is removed. Enforcing image-verification policies run at admission only.',
  fix: 'Set spec.background: false (the blueprint does); use the verification CronJob for periodic checks.',
  check(ctx) {
    const out: RawFinding[] = [];
    for (const p of objectsOfKind(ctx.artifacts, 'ClusterPolicy')) {
      const hasVerify = (p.policy.spec?.rules ?? []).some((r: any) => (r.verifyImages ?? []).length > 0);
      if (hasVerify && p.policy.spec?.background !== false) {
        out.push({ path: clusterPath(ctx.model, p.cluster), message: `${p.where}: background is ${p.policy.spec?.background ?? 'true (default)'}` });
      }
    }
    return out;
  },
};
