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
