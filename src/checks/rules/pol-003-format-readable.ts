import { SignatureFormat } from '../../config/types';
import { versionAtLeast } from '../../model/model';
import { RawFinding, Rule } from '../types';
import { isGitHubAttestationAuthority, isGitHubAttestationEntry, kyvernoAttestorEntries, kyvernoEntries, objectsOfKind } from '../views';
import { clusterByName, clusterPath, signersAt } from './util';

export const ISB_POL_003: Rule = {
  id: 'ISB-POL-003',
  level: 'error',
  title: 'Signature format unreadable by the chosen engine or version',
  explanation: 'cosign v3 stores Sigstore bundles as OCI referrers by default; Kyverno ClusterPolicy with type '
    + 'Cosign only finds legacy .sig tags ("no signatures found"). Kyverno verifies bundles signed with a static '
    + 'key only from 1.19 (type SigstoreBundle, or ImageValidatingPolicy), and policy-controller 0.15 reads bundles '
    + 'for keyless authorities only. A ClusterPolicy of type SigstoreBundle reads the trusted root only from '
    + 'Kyverno\'s TUF repository, never from the policy, so it cannot verify a private Sigstore instance\'s bundles. '
    + 'A policy that cannot read the signature rejects every image.',
  fix: 'Sign with signatureFormat legacy or both, or target an engine/version that reads bundles (see the README table).',
  check(ctx) {
    const out: RawFinding[] = [];
    // the formats of the repositories a policy object guards (each signs in its own format)
    const formats = (where: string) => new Set(signersAt(ctx, where).map((s) => s.signatureFormat));
    for (const e of kyvernoEntries(ctx.artifacts)) {
      const fmts = formats(e.where);
      const type = e.entry.type ?? 'Cosign';
      const cluster = clusterByName(ctx.model, e.cluster);
      const hasKey = kyvernoAttestorEntries(e.entry).some((a) => a.keys);
      if (isGitHubAttestationEntry(e.entry)) {
        // GitHub provenance is a Sigstore bundle whatever the image signatures' format
        if (type !== 'SigstoreBundle') {
          out.push({ path: clusterPath(ctx.model, e.cluster), message: `${e.where}: verifies GitHub provenance (a Sigstore bundle from actions/attest-build-provenance) with type ${type}, which reads only legacy .att attestations` });
        }
        continue;
      }
      if (type === 'Cosign' && fmts.has(SignatureFormat.BUNDLE)) {
        out.push({ path: clusterPath(ctx.model, e.cluster), message: `${e.where}: type Cosign reads legacy .sig signatures, but the workflow signs only Sigstore bundles` });
      }
      if (type === 'SigstoreBundle' && fmts.has(SignatureFormat.LEGACY)) {
        out.push({ path: clusterPath(ctx.model, e.cluster), message: `${e.where}: type SigstoreBundle, but the workflow signs only legacy .sig signatures` });
      }
      if (type === 'SigstoreBundle' && kyvernoAttestorEntries(e.entry).some((a) => a.keyless?.roots !== undefined)) {
        // kyverno v1.16.3 pkg/cosign/sigstore.go, v1.19.1 pkg/image/verifiers/cpol/cosign/sigstore.go getTrustedMaterial
        out.push({
          path: clusterPath(ctx.model, e.cluster),
          message: `${e.where}: type SigstoreBundle takes the trusted root only from Kyverno's TUF repository and ignores the entry's roots and `
            + 'rekor/ctlog keys, so the private instance\'s certificates are refused unless Kyverno\'s own TUF settings serve its trusted_root.json; '
            + 'sign legacy signatures (type Cosign reads roots) or use an ImageValidatingPolicy (trustedRoot)',
        });
      }
      if (type === 'SigstoreBundle' && hasKey && cluster && !versionAtLeast(cluster.kyverno.version, 1, 19)) {
        out.push({ path: `${clusterPath(ctx.model, e.cluster)}.kyverno.version`, message: `${e.where}: SigstoreBundle with a static key needs Kyverno >= 1.19 (targeted: ${cluster.kyverno.version.text})` });
      }
    }
    for (const p of objectsOfKind(ctx.artifacts, 'ImageValidatingPolicy')) {
      const cluster = clusterByName(ctx.model, p.cluster);
      const hasKey = (p.policy.spec?.attestors ?? []).some((a: any) => a.cosign?.key);
      if (formats(p.where).has(SignatureFormat.BUNDLE) && hasKey && cluster && !versionAtLeast(cluster.kyverno.version, 1, 19)) {
        out.push({ path: `${clusterPath(ctx.model, p.cluster)}.kyverno.version`, message: `${p.where}: key-signed bundles need Kyverno >= 1.19 (targeted: ${cluster.kyverno.version.text})` });
      }
    }
    for (const p of objectsOfKind(ctx.artifacts, 'ClusterImagePolicy')) {
      const bundleOnly = formats(p.where).has(SignatureFormat.BUNDLE);
      for (const a of p.policy.spec?.authorities ?? []) {
        const format = a.signatureFormat ?? 'legacy';
        if (isGitHubAttestationAuthority(a)) {
          if (format !== 'bundle') out.push({ path: clusterPath(ctx.model, p.cluster), message: `${p.where} authorities.${a.name}: verifies GitHub provenance (a Sigstore bundle) with signatureFormat ${format}` });
          continue;
        }
        if (a.key && (format === 'bundle' || bundleOnly)) {
          out.push({ path: clusterPath(ctx.model, p.cluster), message: `${p.where} authorities.${a.name}: policy-controller cannot verify key-signed Sigstore bundles (bundle is keyless-only in 0.15)` });
        }
        if (!a.key && format === 'legacy' && bundleOnly) {
          out.push({ path: clusterPath(ctx.model, p.cluster), message: `${p.where} authorities.${a.name}: reads legacy signatures, but the workflow signs only bundles` });
        }
      }
    }
    return out;
  },
};
