import { SignatureFormat } from '../../config/types';
import { RawFinding, Rule } from '../types';
import { hasExpression, pushedImages } from '../views';
import { q, repoByName, repoPath } from './util';

/** Registries known to store cosign signatures and OCI artifacts (referrers API or the fallback tag scheme). */
export const KNOWN_REGISTRIES: readonly RegExp[] = [
  /^ghcr\.io$/, /^(index\.)?docker\.io$/, /^registry-1\.docker\.io$/, /^quay\.io$/, /^([a-z0-9-]+\.)?gcr\.io$/,
  /^[a-z0-9-]+-docker\.pkg\.dev$/, /^[a-z0-9]+\.azurecr\.io$/, /^[0-9]+\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com$/,
  /^registry\.gitlab\.com$/, /^localhost(:[0-9]+)?$/, /^127\.0\.0\.1(:[0-9]+)?$/,
];

export const ISB_REG_001: Rule = {
  id: 'ISB-REG-001',
  level: 'warning',
  title: 'Registry not known to store OCI artifacts and referrers',
  explanation: 'Signatures and attestations are stored in the registry next to the image: legacy signatures as '
    + 'extra tags with a custom media type, Sigstore bundles as OCI 1.1 referrers. Some registries reject custom '
    + 'artifact media types or have neither the referrers API nor tolerance for the fallback tag scheme.',
  fix: 'Verify that the registry accepts cosign signatures (image-signing-blueprint verify), then suppress this finding with that reason.',
  check(ctx) {
    const out: RawFinding[] = [];
    const seen = new Set<string>();
    for (const p of pushedImages(ctx.artifacts)) {
      if (hasExpression(p.image)) continue;
      const registry = p.image.split('/')[0];
      if (seen.has(registry) || KNOWN_REGISTRIES.some((r) => r.test(registry))) continue;
      seen.add(registry);
      const bundles = (repoByName(ctx.model, p.repo)?.signing ?? ctx.model.signing).signatureFormat !== SignatureFormat.LEGACY;
      out.push({ path: repoPath(ctx.model, p.repo), message: `registry ${q(registry)} is not known to store cosign ${bundles ? 'Sigstore bundles (OCI referrers)' : 'signatures (OCI artifacts)'}` });
    }
    return out;
  },
};
