import { COSIGN_PREDICATE_TYPES } from '../../model/predicate-types';
import { RawFinding, Rule } from '../types';
import { cosignCalls, kyvernoEntries, objectsOfKind, workflowSteps } from '../views';
import { clusterPath, q } from './util';

export const ISB_POL_006: Rule = {
  id: 'ISB-POL-006',
  level: 'error',
  title: 'An attestation the policy requires is not produced and pushed by the workflow',
  explanation: 'Admission controllers only see attestations stored in the registry next to the image. A policy '
    + 'that requires an SBOM or provenance predicate the workflow never attests (or attests without pushing to the '
    + 'registry) rejects every image.',
  fix: 'Enable the attestation in the blueprint\'s attestations section, so the workflow and the policy are rendered together.',
  check(ctx) {
    const produced = new Set<string>();
    for (const c of cosignCalls(ctx.artifacts)) {
      if (c.sub !== 'attest') continue;
      const t = c.flags.get('--type');
      const type = typeof t === 'string' ? t : 'custom';
      produced.add(COSIGN_PREDICATE_TYPES[type] ?? type);
    }
    for (const s of workflowSteps(ctx.artifacts)) {
      const uses = String(s.step?.uses ?? '');
      if (uses.startsWith('actions/attest-build-provenance@') && String(s.step?.with?.['push-to-registry']) === 'true') {
        produced.add('https://slsa.dev/provenance/v1');
      }
    }
    const required: { where: string; cluster: string; type: string }[] = [];
    for (const e of kyvernoEntries(ctx.artifacts)) {
      for (const a of e.entry.attestations ?? []) required.push({ where: e.where, cluster: e.cluster, type: a.type ?? a.predicateType });
    }
    for (const p of objectsOfKind(ctx.artifacts, 'ImageValidatingPolicy')) {
      for (const a of p.policy.spec?.attestations ?? []) {
        required.push({ where: p.where, cluster: p.cluster, type: a.intoto?.type ?? a.referrer?.type });
      }
    }
    for (const p of objectsOfKind(ctx.artifacts, 'ClusterImagePolicy')) {
      for (const auth of p.policy.spec?.authorities ?? []) {
        for (const a of auth.attestations ?? []) required.push({ where: p.where, cluster: p.cluster, type: a.predicateType });
      }
    }
    const out: RawFinding[] = [];
    for (const r of required) {
      if (r.type && !produced.has(r.type) && !produced.has(COSIGN_PREDICATE_TYPES[r.type] ?? '')) {
        out.push({ path: clusterPath(ctx.model, r.cluster), message: `${r.where}: requires attestation ${q(r.type)}, which no workflow pushes` });
      }
    }
    return out;
  },
};
