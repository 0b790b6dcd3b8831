import { versionAtLeast } from '../../model/model';
import { RawFinding, Rule } from '../types';
import { kyvernoAttestorEntries, kyvernoEntries, objectsOfKind } from '../views';
import { clusterByName, clusterPath } from './util';

export const ISB_POL_005: Rule = {
  id: 'ISB-POL-005',
  level: 'warning',
  title: 'ClusterPolicy on Kyverno >= 1.17 (deprecated), or regexp identities below 1.14',
  explanation: 'Kyverno deprecated ClusterPolicy verifyImages in 1.17 in favour of ImageValidatingPolicy and plans '
    + 'to remove it. Below 1.14, Kyverno silently ignored subjectRegExp and issuerRegExp (CVE-2025-29778): a policy '
    + 'relying on them accepts any identity; that case is an error.',
  fix: 'Use kyverno.policy: ImageValidatingPolicy on Kyverno >= 1.17; upgrade Kyverno to >= 1.14 before using regexp identities.',
  check(ctx) {
    const out: RawFinding[] = [];
    for (const p of objectsOfKind(ctx.artifacts, 'ClusterPolicy')) {
      const c = clusterByName(ctx.model, p.cluster);
      if (c && versionAtLeast(c.kyverno.version, 1, 17)) {
        out.push({ path: `${clusterPath(ctx.model, p.cluster)}.kyverno.policy`, message: `${p.where}: ClusterPolicy verifyImages is deprecated on Kyverno ${c.kyverno.version.text}` });
      }
    }
    for (const e of kyvernoEntries(ctx.artifacts)) {
      const c = clusterByName(ctx.model, e.cluster);
      if (!c || versionAtLeast(c.kyverno.version, 1, 14)) continue;
      if (kyvernoAttestorEntries(e.entry).some((a) => a.keyless?.subjectRegExp !== undefined || a.keyless?.issuerRegExp !== undefined)) {
        out.push({ path: `${clusterPath(ctx.model, e.cluster)}.kyverno.version`, level: 'error', message: `${e.where}: regexp identities are ignored by Kyverno ${c.kyverno.version.text} (CVE-2025-29778): any identity would pass` });
      }
    }
    return out;
  },
};
