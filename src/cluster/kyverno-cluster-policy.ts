import { kyvernoProvenanceConditions, kyvernoSbomConditions, PREDICATE_TYPES, PUBLIC_REKOR, sbomAttestation } from './attestations';
import { kyvernoImageReferences } from './image-references';
import { BLUEPRINT_ANNOTATION, boundedName, MANAGED_BY_LABEL, SYSTEM_NAMESPACES } from './metadata';
import { kyvernoKeylessTrust } from './trust-root';
import { FailureAction, SignatureFormat, SigningMode } from '../config/types';
import { hasSingleExactIdentity } from '../model/identity';
import { BlueprintModel, ClusterModel, RepositoryModel, versionAtLeast } from '../model/model';
import { modelForSigner, SignerGroup, signerGroups } from '../model/signers';

export function imageReferencesFor(repos: readonly RepositoryModel[], cluster: ClusterModel): string[] {
  if (cluster.imageReferences) return [...cluster.imageReferences];
  return repos.flatMap((r) => r.images.flatMap(kyvernoImageReferences));
}

/** Rekor and CT log settings matching how the workflow signs (admission-engines.md §0.7, §6.2). */
function transparencySettings(model: BlueprintModel): Record<string, unknown> {
  const s = model.signing;
  const rekorUrl = s.keyless?.rekorUrl ?? 'https://rekor.sigstore.dev';
  const rekor: Record<string, unknown> = { url: rekorUrl };
  if (!s.transparencyLog) rekor.ignoreTlog = true;
  const out: Record<string, unknown> = { rekor };
  // A key-based signature carries no certificate, so there is no SCT to check.
  if (s.mode === SigningMode.KEY) out.ctlog = { ignoreSCT: true };
  return out;
}

function keyAttestorSet(model: BlueprintModel): Record<string, unknown> {
  const key = model.signing.key!;
  const keys = key.previousPublicKeys.map((p) => p.key);
  if (key.publicKey) keys.unshift(key.publicKey);
  const entries = keys.map((k) => ({ keys: { publicKeys: k.pem.trimEnd(), ...transparencySettings(model) } }));
  // a KMS key whose public key the config does not give: Kyverno reads it from the KMS
  if (!key.publicKey && key.kms) entries.unshift({ keys: { kms: key.kms.uri, ...transparencySettings(model) } } as any);
  return {
    // any one key verifies: the current key, or a previous one kept during a rotation
    count: 1,
    entries,
  };
}

/** Keyless identity of a repository's workflow: exact subject when there is one ref, else the anchored regexp. */
function identityFields(repo: RepositoryModel): Record<string, unknown> {
  const id = repo.identity;
  return hasSingleExactIdentity(repo)
    ? { subject: id.subjects[0], issuer: id.issuer }
    : { subjectRegExp: id.subjectRegExp, issuer: id.issuer };
}

/**
 * The provenance entry: actions/attest-build-provenance signs keylessly (the workflow's own SAN,
 * public-good Rekor for public repositories) and pushes a Sigstore bundle referrer, which only
 * `type: SigstoreBundle` reads, whatever format the image signatures use.
 */
function provenanceEntry(repos: readonly RepositoryModel[], cluster: ClusterModel, repo: RepositoryModel): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    imageReferences: imageReferencesFor(repos, cluster),
    type: 'SigstoreBundle',
  };
  if (cluster.skipImageReferences.length > 0) entry.skipImageReferences = [...cluster.skipImageReferences];
  if (versionAtLeast(cluster.kyverno.version, 1, 13)) entry.failureAction = cluster.failureAction;
  entry.mutateDigest = false; // the signature entry mutates; one patch is enough
  entry.verifyDigest = cluster.failureAction === FailureAction.ENFORCE;
  entry.required = true;
  entry.attestations = [{
    type: PREDICATE_TYPES.provenance,
    attestors: [{ count: 1, entries: [{ keyless: { ...identityFields(repo), rekor: { url: PUBLIC_REKOR } } }] }],
    conditions: kyvernoProvenanceConditions(repo),
  }];
  return entry;
}

function keylessAttestorSet(model: BlueprintModel, repo: RepositoryModel): Record<string, unknown> {
  const keyless: Record<string, any> = { ...identityFields(repo), ...transparencySettings(model) };
  const root = model.signing.keyless?.trustedRoot;
  if (root) {
    // a private instance: its Fulcio chain instead of the public roots, its Rekor and CT keys
    const t = kyvernoKeylessTrust(root.json);
    if (t.roots) keyless.roots = t.roots;
    if (t.rekorPubKey) keyless.rekor = { ...keyless.rekor, pubkey: t.rekorPubKey };
    // no CT log in the private instance: its certificates carry no SCT, which type Cosign requires
    // unless ignoreSCT (kyverno pkg/cosign/cosign.go: CT log keys from TUF, then cosign's SCT check)
    keyless.ctlog = {
      ...keyless.ctlog,
      ...(t.ctlogPubKey ? { pubkey: t.ctlogPubKey } : { ignoreSCT: true }),
      ...(t.tsaCertChain ? { tsaCertChain: t.tsaCertChain } : {}),
    };
  }
  return { count: 1, entries: [{ keyless }] };
}

/** The lowest Kyverno version that reads every field this policy uses (over every signer of the blueprint). */
export function clusterPolicyMinVersion(model: BlueprintModel, cluster: ClusterModel): string {
  let min = '1.11.0'; // rekor.ignoreTlog, ctlog.ignoreSCT
  const bump = (v: string) => {
    const [a, b] = [min.split('.').map(Number), v.split('.').map(Number)];
    if (b[0] > a[0] || (b[0] === a[0] && b[1] > a[1])) min = v;
  };
  if (versionAtLeast(cluster.kyverno.version, 1, 13)) bump('1.13.0'); // per-entry failureAction
  for (const r of model.repositories) {
    if (r.signing.signatureFormat === SignatureFormat.BUNDLE) bump(r.signing.mode === SigningMode.KEY ? '1.19.0' : '1.13.0');
    if (r.signing.mode === SigningMode.KEYLESS && !hasSingleExactIdentity(r)) bump('1.14.0'); // subjectRegExp is ignored below 1.14 (CVE-2025-29778)
  }
  const regexpIdentity = model.repositories.some((r) => !hasSingleExactIdentity(r));
  if (cluster.skipImageReferences.length > 0) bump('1.12.0');
  if (model.attestations.provenance) bump(regexpIdentity ? '1.14.0' : '1.13.0'); // SigstoreBundle provenance entry
  return min;
}

export function clusterPolicyName(model: BlueprintModel): string {
  return boundedName(model.name, 'verify-images');
}

/** Rule name of a signer group: `verify-signatures` for the top-level key, else `verify-<group id>`. */
export function clusterPolicyRuleName(group: SignerGroup): string {
  return group.isDefault ? 'verify-signatures' : boundedName('verify', group.id);
}

/**
 * Kyverno `kyverno.io/v1` ClusterPolicy with one `verifyImages` rule per signer group: one rule
 * for every repository signed with the same key (one attestor set), one rule per keyless
 * workflow identity. Rule names come from the signer (key fingerprint, repository identity), so
 * adding an unrelated repository renames none.
 */
export function renderKyvernoClusterPolicy(model: BlueprintModel, cluster: ClusterModel): Record<string, any> {
  const enforce = cluster.failureAction === FailureAction.ENFORCE;
  const perEntryAction = versionAtLeast(cluster.kyverno.version, 1, 13);
  const sbom = sbomAttestation(model);

  const groups = signerGroups(model).map((g) => {
    const sub = modelForSigner(model, g.signing, g.repos);
    return {
      name: clusterPolicyRuleName(g),
      repos: g.repos,
      bundle: g.signing.signatureFormat === SignatureFormat.BUNDLE,
      attestors: g.mode === SigningMode.KEY ? keyAttestorSet(sub) : keylessAttestorSet(sub, g.repos[0]),
    };
  });

  const rules = groups.map((g) => {
    const entry: Record<string, unknown> = {
      imageReferences: imageReferencesFor(g.repos, cluster),
      type: g.bundle ? 'SigstoreBundle' : 'Cosign',
    };
    if (perEntryAction) entry.failureAction = cluster.failureAction;
    entry.mutateDigest = enforce; // must be false under Audit (the webhook rejects it otherwise)
    entry.verifyDigest = enforce;
    entry.required = true;
    entry.attestors = [g.attestors];
    if (sbom) {
      // cosign attest signs the SBOM like the image: same key or identity, same storage format
      entry.attestations = [{ type: sbom.predicateType, attestors: [g.attestors], conditions: kyvernoSbomConditions(sbom) }];
    }
    if (cluster.skipImageReferences.length > 0) entry.skipImageReferences = [...cluster.skipImageReferences];
    if (cluster.registryCredentialSecrets.length > 0) entry.imageRegistryCredentials = { secrets: [...cluster.registryCredentialSecrets] };
    const verifyImages = [entry];
    if (model.attestations.provenance) {
      for (const r of g.repos) {
        const p = provenanceEntry([r], cluster, r);
        if (cluster.registryCredentialSecrets.length > 0) p.imageRegistryCredentials = { secrets: [...cluster.registryCredentialSecrets] };
        verifyImages.push(p);
      }
    }
    return {
      name: g.name,
      match: { any: [{ resources: { kinds: ['Pod'] } }] },
      exclude: { any: [{ resources: { namespaces: [...SYSTEM_NAMESPACES] } }] },
      verifyImages,
    };
  });

  const spec: Record<string, unknown> = {};
  if (!perEntryAction) spec.validationFailureAction = cluster.failureAction;
  spec.background = false;
  spec.webhookTimeoutSeconds = 30;
  spec.failurePolicy = 'Fail';
  spec.rules = rules;

  const modes = new Set(model.repositories.map((r) => r.signing.mode));
  const keyGroups = groups.length - model.repositories.filter((r) => r.signing.mode === SigningMode.KEYLESS).length;
  const what = modes.size > 1
    ? 'signed as their repository requires (its cosign key, or keylessly by its signing workflow)'
    : modes.has(SigningMode.KEY)
      ? (keyGroups > 1 ? 'signed with their repository\'s cosign key' : 'signed with the blueprint\'s cosign key')
      : 'signed keylessly by their repository\'s signing workflow';
  return {
    apiVersion: 'kyverno.io/v1',
    kind: 'ClusterPolicy',
    metadata: {
      name: clusterPolicyName(model),
      labels: { ...MANAGED_BY_LABEL },
      annotations: {
        'policies.kyverno.io/title': `Verify image signatures (${model.name})`,
        'policies.kyverno.io/category': 'Software Supply Chain Security',
        'policies.kyverno.io/severity': 'high',
        'policies.kyverno.io/subject': 'Pod',
        'policies.kyverno.io/minversion': clusterPolicyMinVersion(model, cluster),
        'policies.kyverno.io/description':
          `${enforce ? 'Rejects' : 'Reports (Audit)'} Pods whose images from the ${model.name} blueprint are not ${what}. ` +
          'Generated by image-signing-blueprint; edit the blueprint, not this file.',
        [BLUEPRINT_ANNOTATION]: model.name,
      },
    },
    spec,
  };
}
