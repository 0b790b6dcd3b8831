import { clusterEngineIndexes } from '../pattern-index';
import { RawFinding, Rule } from '../types';
import { hasExpression, objectsOfKind, pushedImages } from '../views';
import { clusterPath, q } from './util';

/** An authority that, when it passes, stands in for an image signature (not static, no attestations). */
function checksSignature(a: any): boolean {
  return a?.static === undefined && !(Array.isArray(a?.attestations) && a.attestations.length > 0);
}

export const ISB_POL_007: Rule = {
  id: 'ISB-POL-007',
  level: 'error',
  title: 'policy-controller admits the image without verifying its signature',
  explanation: 'A policy-controller authority that lists attestations verifies only those attestations, not the '
    + 'image signature (ValidatePolicy: "We\'re doing the verify-attestations path"), and the authorities of one '
    + 'ClusterImagePolicy are alternatives. So when every ClusterImagePolicy that matches an image lets it pass '
    + 'through an authority with attestations (or a static one), an image that carries a valid attestation but '
    + 'no signature is admitted.',
  fix: 'Keep the signature authorities and the attestation authorities in separate ClusterImagePolicies (the '
    + 'blueprint renders <name>-signed and <name>-sbom); every CIP that matches must pass.',
  check(ctx) {
    const out: RawFinding[] = [];
    const cips = new Map(objectsOfKind(ctx.artifacts, 'ClusterImagePolicy').map((p) => [p.where, p.policy]));
    if (cips.size === 0) return out;
    const images = [...new Set(pushedImages(ctx.artifacts).map((p) => p.image).filter((i) => !hasExpression(i)))];
    for (const idx of clusterEngineIndexes(ctx.artifacts).filter((x) => x.engine === 'policy-controller')) {
      for (const image of images) {
        for (const form of idx.forms(image)) {
          const matching = idx.selecting(form);
          if (matching.length === 0) continue; // ISB-IMG-002 reports the unmatched image
          // admitted only if every matching CIP passes; the signature is checked when some CIP passes only through signature authorities
          const signatureRequired = matching.some((g) => {
            const authorities: any[] = cips.get(g.where)?.spec?.authorities ?? [];
            return authorities.length > 0 && authorities.every(checksSignature);
          });
          if (!signatureRequired) {
            out.push({
              path: clusterPath(ctx.model, idx.cluster),
              message: `cluster ${q(idx.cluster)}: ${q(image)} is matched only by ClusterImagePolicies that can pass without its signature `
                + `(${matching.map((g) => g.where.split(': ')[1]).join(', ')}: an authority with attestations or a static one)`,
            });
          }
        }
      }
    }
    return out;
  },
};
