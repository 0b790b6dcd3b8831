import { ClusterModel, Version, versionAtLeast } from './model';
import { KyvernoPolicyType, SignatureFormat, SigningMode } from '../config/types';

/**
 * The default signature format: what every targeted verifier reads. These are the limits
 * ISB-POL-003 and the renderers apply (admission-engines.md, cosign-formats.md):
 * - cosign v2 signs the legacy `.sig` layout by default (bundles to OCI only behind a flag):
 *   legacy.
 * - Kyverno ClusterPolicy reads bundles with `type: SigstoreBundle`: keyless from 1.13, a static
 *   key only from 1.19.
 * - Kyverno ImageValidatingPolicy: key-signed bundles only from 1.19, and 1.19.0 regressed key
 *   verification of v0.3 bundle referrers (kyverno/kyverno#17363, open when this was written):
 *   no IVP release is known to read key-signed bundles, so key + IVP defaults to legacy.
 * - policy-controller (0.15.1) reads bundles only for keyless attestations: an image-signature
 *   authority with `signatureFormat: bundle` calls cosign's VerifyImageSignatures with
 *   NewBundleFormat, which answers "bundle support for image signatures is not yet implemented"
 *   (cosign pkg/cosign/verify.go; seen with the policy-tester), and key bundles not at all
 *   (sigstore/policy-controller#1958).
 * - the in-cluster verification job's built-in image is cosign v3.0.6, which reads both formats.
 * Anything that cannot read bundles gets legacy, which every engine reads (cosign v3 signs it
 * with `--new-bundle-format=false`).
 */
export function defaultSignatureFormat(
  mode: SigningMode, cosign: Version, clusters: readonly ClusterModel[],
): SignatureFormat {
  if (cosign.major < 3) return SignatureFormat.LEGACY;
  return clusters.every((c) => clusterReadsBundles(mode, c)) ? SignatureFormat.BUNDLE : SignatureFormat.LEGACY;
}

/** Whether every enabled engine of a cluster verifies Sigstore bundles signed in this mode. */
export function clusterReadsBundles(mode: SigningMode, c: ClusterModel): boolean {
  const key = mode === SigningMode.KEY;
  if (c.kyverno.enabled) {
    const v = c.kyverno.version;
    if (key && !versionAtLeast(v, 1, 19)) return false;
    if (key && c.kyverno.policy === KyvernoPolicyType.IMAGE_VALIDATING_POLICY) return false; // kyverno#17363
    if (!key && c.kyverno.policy === KyvernoPolicyType.CLUSTER_POLICY && !versionAtLeast(v, 1, 13)) return false;
  }
  if (c.policyController.enabled) return false;
  return true;
}
