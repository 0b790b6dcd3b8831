import { Version, versionAtLeast } from '../model/model';

/**
 * Does Kyverno initialize the Sigstore TUF client for this ImageValidatingPolicy cosign attestor
 * (the `cosign` object of `spec.attestors[]`)? Before 1.19 always: v1.16.3 to v1.18.2
 * `checkOptions` (pkg/imageverification/imageverifiers/cosign/opts.go, later
 * pkg/image/verifiers/ivpol/cosign/opts.go) calls `initializeTuf` first, even for a key with
 * `insecureIgnoreTlog`. From 1.19 for every attestor but a key or certificate one with
 * `ctlog.insecureIgnoreTlog` (v1.19.x `skipSigstoreInfra`); a keyless attestor initializes it
 * even when the policy carries its own `trustedRoot`. Without `tuf.mirror` it is the public
 * repository (`tuf.DefaultRemoteRoot`, tuf-repo-cdn.sigstore.dev), and a failed initialization
 * fails the attestor (kyverno#13217, #15690).
 */
export function ivpolAttestorNeedsPublicTuf(cosign: any, kyverno: Version | undefined): boolean {
  if (cosign?.tuf?.mirror) return false;
  const keyOrCert = !cosign?.keyless && (cosign?.key !== undefined || cosign?.certificate !== undefined);
  const skips = keyOrCert && cosign?.ctlog?.insecureIgnoreTlog === true;
  return !(skips && (kyverno === undefined || versionAtLeast(kyverno, 1, 19)));
}

/**
 * Does Kyverno fetch Sigstore material through the public TUF repository for this ClusterPolicy
 * attestor entry (`{keys}`, `{keyless}` or `{certificates}`)? `type: Cosign`
 * (pkg/image/verifiers/cpol/cosign/cosign.go `buildCosignOptions`, v1.16.3 pkg/cosign): the Rekor
 * keys unless `rekor.ignoreTlog` or `rekor.pubkey`, the CT log keys unless `ctlog.ignoreSCT` or
 * `ctlog.pubkey`, and the Fulcio roots for keyless without `roots`. `type: SigstoreBundle`
 * (sigstore.go `getTrustedMaterial`): the trusted root, unless a key with both ignored.
 */
export function kyvernoEntryNeedsPublicTuf(entry: any, type: string | undefined): boolean {
  const att = entry?.keys ?? entry?.keyless ?? entry?.certificates;
  if (!att) return false;
  const ignoreTlog = att.rekor?.ignoreTlog === true;
  const ignoreSCT = att.ctlog?.ignoreSCT === true;
  if (type === 'SigstoreBundle') return !(entry.keys && ignoreTlog && ignoreSCT);
  if (!ignoreTlog && !att.rekor?.pubkey) return true;
  if (!ignoreSCT && !att.ctlog?.pubkey) return true;
  return entry.keyless !== undefined && !entry.keyless.roots;
}

/**
 * Does policy-controller (v0.15.1 pkg/webhook/validator.go `checkOptsFromAuthority`) fetch Sigstore
 * material through the public TUF repository for this ClusterImagePolicy authority? Keyless without
 * `trustRootRef` (Fulcio roots, CT log and Rekor keys); a `ctlog` with a URL and no `trustRootRef`
 * (`rekorClientAndKeysFromAuthority`: `cosign.GetRekorPubs`). A key authority without `ctlog`
 * needs nothing (tlog verification skipped).
 */
export function cipAuthorityNeedsPublicTuf(a: any): boolean {
  if (!a || a.static) return false;
  if (a.keyless && !a.keyless.trustRootRef) return true;
  return a.ctlog !== undefined && !a.ctlog.trustRootRef && a.ctlog.url !== undefined;
}
