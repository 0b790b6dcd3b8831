import { createHash } from 'node:crypto';
import { cueProvenance, cuePredicatePolicy, PREDICATE_TYPES, PUBLIC_FULCIO, PUBLIC_REKOR, sbomAttestation } from './attestations';
import { policyControllerGlobs } from './image-references';
import { BLUEPRINT_ANNOTATION, boundedName, MANAGED_BY_LABEL } from './metadata';
import { renderPolicyControllerTrustRoot, trustedRootHasCtLogs } from './trust-root';
import { FailureAction, SignatureFormat, SigningMode } from '../config/types';
import { hasSingleExactIdentity } from '../model/identity';
import { BlueprintModel, ClusterModel, keyLabel, RepositoryModel } from '../model/model';
import { modelForSigner, nameFragment, SignerGroup, signerGroups } from '../model/signers';

/*
 * Sigstore policy-controller ClusterImagePolicy (`policy.sigstore.dev/v1beta1`, v0.15;
 * admission-engines.md §4). All matching CIPs must pass (AND); inside one CIP any authority
 * passes (OR). So: one CIP per signer (key mode: one for all images, one authority per key;
 * keyless: one per repository), plus one provenance CIP per repository, since a provenance
 * authority inside the signature CIP would be an alternative to the signature, not a second
 * requirement.
 * An authority with `attestations` verifies only the attestations, not the image signature
 * (`ValidatePolicy` in pkg/webhook/validator.go: "We're doing the verify-attestations path, so
 * validate (.att)"). So the SBOM attestation gets its own CIP with the signer's authorities, and
 * the signature CIP's authorities carry none: an image must pass both.
 */

export const CIP_API_VERSION = 'policy.sigstore.dev/v1beta1';
/** policy-controller only checks namespaces carrying this label (config/500-webhook-configuration.yaml) */
export const INCLUDE_LABEL = 'policy.sigstore.dev/include';

/**
 * TrustRoot name of the signer `model.signing`: `<blueprint>-sigstore` for the top-level
 * signing, `<blueprint>-sigstore-<hash of the trusted root>` for a repository's own one.
 */
export function trustRootName(model: BlueprintModel): string {
  const root = model.signing.keyless?.trustedRoot;
  if (model.signing.isDefault || !root) return boundedName(model.name, 'sigstore');
  const tuf = model.signing.keyless?.tuf;
  const material = tuf ? `${root.json}\n${tuf.mirror}\n${tuf.rootJson}` : root.json;
  return boundedName(model.name, 'sigstore', createHash('sha256').update(material).digest('hex').slice(0, 8));
}

function identity(repo: RepositoryModel): Record<string, unknown> {
  const id = repo.identity;
  return hasSingleExactIdentity(repo)
    ? { issuer: id.issuer, subject: id.subjects[0] }
    : { issuer: id.issuer, subjectRegExp: id.subjectRegExp };
}

/** the format the authority reads: legacy `.sig`, unless the workflow signs bundles only */
function signatureFormat(model: BlueprintModel): string {
  return model.signing.signatureFormat === SignatureFormat.BUNDLE ? 'bundle' : 'legacy';
}

/** The signer's authorities; with `sbom`, each also requires the SBOM attestation (and then checks only that). */
function signerAuthorities(model: BlueprintModel, repo: RepositoryModel | undefined, withSbom: boolean): Record<string, unknown>[] {
  const s = model.signing;
  const sbom = withSbom ? sbomAttestation(model) : undefined;
  const attestations = sbom
    ? [{ name: 'sbom', predicateType: sbom.predicateType, policy: cuePredicatePolicy(sbom.predicateType) }]
    : undefined;
  if (s.mode === SigningMode.KEY) {
    const key = s.key!;
    // the current key: its PEM, or for a KMS key whose public key the config does not give, the KMS URI
    const current: Record<string, unknown> = key.publicKey ? { data: key.publicKey.pem.trimEnd() } : { kms: key.kms!.uri };
    const keys = [current, ...key.previousPublicKeys.map((p) => ({ data: p.key.pem.trimEnd() }))];
    return keys.map((k, i) => {
      const a: Record<string, unknown> = { name: i === 0 ? 'key' : `previous-key-${i}`, key: { ...k, hashAlgorithm: 'sha256' } };
      // no ctlog => tlog verification is skipped (§4.1); with the tlog on, require the Rekor entry
      if (s.transparencyLog) a.ctlog = { url: PUBLIC_REKOR };
      a.signatureFormat = 'legacy'; // key + bundle is refused at config time (policy-controller#1958)
      if (attestations) a.attestations = attestations;
      return a;
    });
  }
  const kl = s.keyless!;
  const keyless: Record<string, unknown> = { url: kl.fulcioUrl, identities: [identity(repo!)] };
  const a: Record<string, unknown> = { name: 'workflow', keyless };
  if (kl.trustedRootFile) keyless.trustRootRef = trustRootName(model);
  if (s.transparencyLog) {
    a.ctlog = kl.trustedRootFile ? { url: kl.rekorUrl, trustRootRef: trustRootName(model) } : { url: kl.rekorUrl };
  }
  // no tlog, or a private instance without a CT log (its certificates carry no SCT, trust-root.ts)
  if (!s.transparencyLog || (kl.trustedRoot && !trustedRootHasCtLogs(kl.trustedRoot.json))) keyless.insecureIgnoreSCT = true;
  a.signatureFormat = signatureFormat(model);
  if (attestations) a.attestations = attestations;
  return [a];
}

function cip(
  model: BlueprintModel, cluster: ClusterModel, name: string, repos: readonly RepositoryModel[],
  authorities: Record<string, unknown>[], what: string,
): Record<string, any> {
  const images = cluster.imageReferences
    ? cluster.imageReferences.map((glob) => ({ glob }))
    : repos.flatMap((r) => r.images.flatMap(policyControllerGlobs)).map((glob) => ({ glob }));
  return {
    apiVersion: CIP_API_VERSION,
    kind: 'ClusterImagePolicy',
    metadata: {
      name,
      labels: { ...MANAGED_BY_LABEL },
      annotations: {
        [BLUEPRINT_ANNOTATION]: model.name,
        'image-signing-blueprint/requires': `policy-controller >= ${cluster.policyController.version.text}; checks only namespaces labelled ${INCLUDE_LABEL}=true`,
        'image-signing-blueprint/description': what,
      },
    },
    spec: {
      images,
      authorities,
      mode: cluster.failureAction === FailureAction.ENFORCE ? 'enforce' : 'warn',
    },
  };
}

function withSource(cluster: ClusterModel, authorities: Record<string, unknown>[]): Record<string, unknown>[] {
  if (cluster.registryCredentialSecrets.length === 0) return authorities;
  // secrets live in the controller's namespace (cosign-system)
  return authorities.map((a) => ({ ...a, source: [{ signaturePullSecrets: cluster.registryCredentialSecrets.map((name) => ({ name })) }] }));
}

/** CIP name of a signer group: `<blueprint>-signed` (top-level key), `-signed-<key id>`, `-signed-<repository>` (keyless). */
export function cipGroupName(model: BlueprintModel, group: SignerGroup): string {
  return group.isDefault ? boundedName(model.name, 'signed') : boundedName(model.name, 'signed', group.id);
}

/** CIP name of a signer group's SBOM attestation policy: `<blueprint>-sbom`, `-sbom-<key id>`, `-sbom-<repository>`. */
export function cipSbomName(model: BlueprintModel, group: SignerGroup): string {
  return group.isDefault ? boundedName(model.name, 'sbom') : boundedName(model.name, 'sbom', group.id);
}

/** The ClusterImagePolicies (and TrustRoot) of one cluster with policy-controller enabled. */
export function renderPolicyControllerObjects(model: BlueprintModel, cluster: ClusterModel): Record<string, any>[] {
  const out: Record<string, any>[] = [];
  // A private Sigstore instance (signing.keyless.trustedRootFile): the TrustRoot the authorities' trustRootRef names
  const roots = new Set<string>();
  for (const g of signerGroups(model)) {
    const trustedRoot = g.signing.keyless?.trustedRoot;
    if (g.mode !== SigningMode.KEYLESS || !trustedRoot) continue;
    const name = trustRootName(modelForSigner(model, g.signing, g.repos));
    if (roots.has(name)) continue;
    roots.add(name);
    out.push(renderPolicyControllerTrustRoot(name, model.name, trustedRoot.json, g.signing.keyless?.tuf));
  }
  for (const g of signerGroups(model)) {
    const sub = modelForSigner(model, g.signing, g.repos);
    const repo = g.mode === SigningMode.KEY ? undefined : g.repos[0];
    const repos = repo ? [repo] : g.repos;
    const signer = repo
      ? `keylessly by ${repo.fullName}/${repo.workflow.path}`
      : `with the ${model.name} cosign key${g.isDefault ? '' : ` ${keyLabel(g.signing.key!)}`} (any listed key verifies)`;
    out.push(cip(sub, cluster, cipGroupName(model, g), repos, withSource(cluster, signerAuthorities(sub, repo, false)), `images signed ${signer}`));
    if (sbomAttestation(sub)) {
      out.push(cip(sub, cluster, cipSbomName(model, g), repos, withSource(cluster, signerAuthorities(sub, repo, true)),
        `SBOM attestation (${sbomAttestation(sub)!.predicateType}) signed ${signer}`));
    }
  }
  if (model.attestations.provenance) {
    for (const r of model.repositories) {
      const auth = {
        name: 'github-provenance',
        keyless: { url: PUBLIC_FULCIO, identities: [identity(r)] },
        ctlog: { url: PUBLIC_REKOR },
        signatureFormat: 'bundle', // actions/attest-build-provenance pushes a Sigstore bundle referrer
        attestations: [{
          name: 'provenance',
          predicateType: PREDICATE_TYPES.provenance,
          policy: cuePredicatePolicy(PREDICATE_TYPES.provenance, cueProvenance(r)),
        }],
      };
      out.push(cip(model, cluster, boundedName(model.name, 'provenance', nameFragment(r.name)), [r], withSource(cluster, [auth]),
        `SLSA provenance from ${r.fullName}'s workflow (actions/attest-build-provenance)`));
    }
  }
  return out;
}

/** Namespace objects opting in to policy-controller (kubectl apply adds the label to existing namespaces). */
export function renderIncludedNamespaces(cluster: ClusterModel): Record<string, any>[] {
  return cluster.namespaces.map((name) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { [INCLUDE_LABEL]: 'true' } },
  }));
}
