import { ivpolAttestorNeedsPublicTuf } from '../../cluster/kyverno-tuf';
import { RawFinding, Rule } from '../types';
import { objectsOfKind } from '../views';
import { clusterByName, q } from './util';

export const ISB_NET_002: Rule = {
  id: 'ISB-NET-002',
  level: 'error',
  title: 'ImageValidatingPolicy attestor needs the public Sigstore TUF repository in an air-gapped cluster',
  explanation: 'Kyverno initializes the Sigstore TUF client for every ImageValidatingPolicy cosign attestor before 1.19, '
    + 'even for a key with insecureIgnoreTlog, and from 1.19 for every attestor but key or certificate ones with '
    + 'insecureIgnoreTlog (keyless ones too, even with their own trustedRoot). Without a tuf.mirror it is the public '
    + 'repository; an air-gapped cluster cannot reach it, the attestor fails, and every image the policy selects is '
    + 'rejected (seen with the Kyverno 1.16.3 CLI offline).',
  fix: 'Keyless: name the private instance\'s TUF repository in signing.keyless.tuf (mirror, rootFile), which renders the '
    + 'attestors\' tuf.mirror and tuf.root; key: target Kyverno >= 1.19 and sign with transparencyLog: false; or use a ClusterPolicy.',
  check(ctx) {
    const out: RawFinding[] = [];
    for (const p of objectsOfKind(ctx.artifacts, 'ImageValidatingPolicy')) {
      const cluster = clusterByName(ctx.model, p.cluster);
      if (!cluster?.airGapped) continue;
      const names = (p.policy.spec?.attestors ?? [])
        .filter((a: any) => a?.cosign && ivpolAttestorNeedsPublicTuf(a.cosign, cluster.kyverno.version))
        .map((a: any) => a.name);
      if (names.length === 0) continue;
      out.push({
        path: `${cluster.path}.airGapped`,
        message: `${p.where}: cluster ${q(cluster.name)} is air-gapped, but on Kyverno ${cluster.kyverno.version.text} `
          + `attestor${names.length === 1 ? '' : 's'} ${names.map(q).join(', ')} initialize${names.length === 1 ? 's' : ''} `
          + 'the public Sigstore TUF client: every image the policy selects is rejected',
      });
    }
    return out;
  },
};
