import { cipAuthorityNeedsPublicTuf, ivpolAttestorNeedsPublicTuf, kyvernoEntryNeedsPublicTuf } from '../../cluster/public-tuf';
import { RawFinding, Rule } from '../types';
import { kyvernoAttestorEntries, kyvernoEntries, objectsOfKind } from '../views';
import { clusterByName, q } from './util';

export const ISB_NET_002: Rule = {
  id: 'ISB-NET-002',
  level: 'error',
  title: 'A verifier needs the public Sigstore TUF repository in an air-gapped cluster',
  explanation: 'Admission engines fetch Rekor and CT log keys, Fulcio roots or the trusted root from the public Sigstore TUF '
    + 'repository unless the policy carries them or tells them to skip the check. Kyverno initializes the TUF client for '
    + 'every ImageValidatingPolicy cosign attestor before 1.19, even for a key with insecureIgnoreTlog, and from 1.19 for '
    + 'every attestor but key or certificate ones with insecureIgnoreTlog (keyless ones too, even with their own '
    + 'trustedRoot); a ClusterPolicy entry needs it to check a Rekor entry or SCT without rekor.pubkey/ctlog.pubkey; '
    + 'policy-controller for a ctlog without trustRootRef. An air-gapped cluster cannot reach it: the verifier fails and '
    + 'every image the policy selects is rejected (seen with the Kyverno 1.16.3 CLI and the policy-controller tester offline).',
  fix: 'Keyless: give the cluster a private Sigstore (signing.keyless.trustedRootFile) and name its TUF repository in '
    + 'signing.keyless.tuf (mirror, rootFile), which renders the attestors\' tuf.mirror and tuf.root; key: sign with '
    + 'transparencyLog: false (and target Kyverno >= 1.19 for an ImageValidatingPolicy).',
  check(ctx) {
    const out: RawFinding[] = [];
    const report = (clusterName: string, where: string, names: string[], what: string) => {
      const cluster = clusterByName(ctx.model, clusterName);
      if (!cluster?.airGapped || names.length === 0) return;
      out.push({
        path: `${cluster.path}.airGapped`,
        message: `${where}: cluster ${q(cluster.name)} is air-gapped, but ${names.join(', ')} ${what}: every image the policy selects is rejected`,
      });
    };
    for (const p of objectsOfKind(ctx.artifacts, 'ImageValidatingPolicy')) {
      const version = clusterByName(ctx.model, p.cluster)?.kyverno.version;
      const names = (p.policy.spec?.attestors ?? []).filter((a: any) => a?.cosign && ivpolAttestorNeedsPublicTuf(a.cosign, version)).map((a: any) => `attestor ${q(a.name)}`);
      report(p.cluster, p.where, names, `on Kyverno ${version?.text ?? '?'} initialize${names.length === 1 ? 's' : ''} the public Sigstore TUF client`);
    }
    for (const e of kyvernoEntries(ctx.artifacts)) {
      const n = kyvernoAttestorEntries(e.entry).filter((a) => kyvernoEntryNeedsPublicTuf(a, e.entry.type)).length;
      report(e.cluster, e.where, n === 0 ? [] : [`${n} attestor entr${n === 1 ? 'y' : 'ies'}`], 'fetch Rekor/CT log keys, Fulcio roots or the trusted root from the public Sigstore TUF repository');
    }
    for (const p of objectsOfKind(ctx.artifacts, 'ClusterImagePolicy')) {
      const names = (p.policy.spec?.authorities ?? []).filter(cipAuthorityNeedsPublicTuf).map((a: any) => `authority ${q(a.name)}`);
      report(p.cluster, p.where, names, 'fetch Rekor keys or Fulcio roots from the public Sigstore TUF repository');
    }
    return out;
  },
};
