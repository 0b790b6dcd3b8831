import { PREDICATE_TYPES, PUBLIC_REKOR, sbomAttestation } from './attestations';
import { ivpolImageGlobs } from './image-references';
import { ivpolCheckedImages } from './ivpol-image-filter';
import { BLUEPRINT_ANNOTATION, boundedName, MANAGED_BY_LABEL, SYSTEM_NAMESPACES } from './metadata';
import { ivpolTuf, trustedRootHasCtLogs } from './trust-root';
import { FailureAction, SigningMode } from '../config/types';
import { hasSingleExactIdentity } from '../model/identity';
import { BlueprintModel, ClusterModel, keyLabel, RepositoryModel, Version, versionAtLeast } from '../model/model';
import { modelForSigner, nameFragment, SignerGroup, signerGroups } from '../model/signers';

/*
 * Kyverno `policies.kyverno.io/v1` ImageValidatingPolicy (admission-engines.md §3). Key mode:
 * one policy for every image (one key signs them all); keyless mode: one policy per repository,
 * because each repository's workflow has its own identity and an IVP's attestors apply to all
 * the images it matches.
 */

export const IVPOL_API_VERSION = 'policies.kyverno.io/v1';

/**
 * The ImageValidatingPolicy version the target Kyverno serves (admission-engines.md §3, checked
 * against the Kyverno CLIs 1.16.3 and 1.19.1): `v1` from 1.17, `v1beta1` in 1.16, `v1alpha1` in
 * 1.14/1.15. Kyverno 1.16 does not know `v1` at all: its CLI skips such a policy silently.
 */
export function ivpolApiVersion(kyverno: Version): string {
  if (versionAtLeast(kyverno, 1, 17)) return IVPOL_API_VERSION;
  return versionAtLeast(kyverno, 1, 16) ? 'policies.kyverno.io/v1beta1' : 'policies.kyverno.io/v1alpha1';
}

/** Every image of a Pod: containers, init containers and ephemeral containers. */
const ALL_IMAGES = '(images.containers + images.initContainers + images.ephemeralContainers)';

/** Rekor/CT settings matching the signer (§3 pitfalls: the ctlog url is required even when the tlog is ignored). */
function ctlog(model: BlueprintModel): Record<string, unknown> {
  const s = model.signing;
  const out: Record<string, unknown> = { url: s.keyless?.rekorUrl ?? PUBLIC_REKOR };
  if (!s.transparencyLog) {
    out.insecureIgnoreTlog = true;
    out.insecureIgnoreSCT = true;
  } else if (s.mode === SigningMode.KEY) {
    // a key signature has no Fulcio certificate, so there is no SCT to check
    out.insecureIgnoreSCT = true;
  } else if (s.keyless?.trustedRoot && !trustedRootHasCtLogs(s.keyless.trustedRoot.json)) {
    // a private instance without a CT log: its certificates carry no SCT (trust-root.ts)
    out.insecureIgnoreSCT = true;
  }
  return out;
}

function identity(repo: RepositoryModel): Record<string, unknown> {
  const id = repo.identity;
  // IVP compares subject exactly and subjectRegExp unanchored: the model's regexp is anchored ^…$
  return hasSingleExactIdentity(repo)
    ? { issuer: id.issuer, subject: id.subjects[0] }
    : { issuer: id.issuer, subjectRegExp: id.subjectRegExp };
}

interface Attestor { readonly name: string; readonly body: Record<string, unknown> }

function signatureAttestors(model: BlueprintModel, repo?: RepositoryModel): Attestor[] {
  if (model.signing.mode === SigningMode.KEY) {
    const key = model.signing.key!;
    // the current key: its PEM, or for a KMS key whose public key the config does not give, the KMS URI
    const current: Record<string, unknown> = key.publicKey ? { data: key.publicKey.pem.trimEnd() } : { kms: key.kms!.uri };
    const keys = [current, ...key.previousPublicKeys.map((p) => ({ data: p.key.pem.trimEnd() }))];
    // one attestor per key: verifyImageSignatures counts the attestors that verify, so "> 0" = any key (rotation)
    return keys.map((k, i) => ({
      name: i === 0 ? 'key' : `previouskey${i}`,
      body: { cosign: { key: k, ctlog: ctlog(model) } },
    }));
  }
  const cosign: Record<string, unknown> = { keyless: { identities: [identity(repo!)] }, ctlog: ctlog(model) };
  // a private instance: the TrustedRoot JSON itself (Fulcio chain, Rekor, CT log and TSA keys)
  const root = model.signing.keyless?.trustedRoot;
  if (root) cosign.trustedRoot = { value: root.json };
  // and the TUF repository publishing it: Kyverno initializes TUF for every keyless attestor (the public one without this)
  const tuf = model.signing.keyless?.tuf;
  if (tuf) cosign.tuf = ivpolTuf(tuf);
  return [{ name: 'workflow', body: { cosign } }];
}

/** Policy name: `<blueprint>-verify-<repository>` (keyless), `<blueprint>-verify-images` (the top-level key). */
export function ivpolName(model: BlueprintModel, repo?: RepositoryModel): string {
  return repo ? boundedName(model.name, 'verify', nameFragment(repo.name)) : boundedName(model.name, 'verify-images');
}

/** Policy name of a signer group; a key other than the top-level one: `<blueprint>-verify-key-<fingerprint>`. */
export function ivpolGroupName(model: BlueprintModel, group: SignerGroup): string {
  if (group.mode === SigningMode.KEYLESS) return ivpolName(model, group.repos[0]);
  return group.isDefault ? ivpolName(model) : boundedName(model.name, 'verify', group.id);
}

/** One ImageValidatingPolicy per signer group (see the file comment). */
export function renderImageValidatingPolicies(model: BlueprintModel, cluster: ClusterModel): Record<string, any>[] {
  return signerGroups(model).map((g) => renderOne(modelForSigner(model, g.signing, g.repos), cluster, g.repos,
    ivpolGroupName(model, g), g.mode === SigningMode.KEYLESS ? g.repos[0] : undefined));
}

function renderOne(
  model: BlueprintModel, cluster: ClusterModel, repos: readonly RepositoryModel[], name: string, keylessRepo?: RepositoryModel,
): Record<string, any> {
  const enforce = cluster.failureAction === FailureAction.ENFORCE;
  const sigAttestors = signatureAttestors(model, keylessRepo);
  const attestors = sigAttestors.map((a) => ({ name: a.name, ...a.body }));
  const list = (names: string[]) => `[${names.map((n) => `attestors.${n}`).join(', ')}]`;
  const sigList = list(sigAttestors.map((a) => a.name));
  const globs = cluster.imageReferences ? [...cluster.imageReferences] : repos.flatMap((r) => r.images.flatMap(ivpolImageGlobs));
  // before Kyverno 1.18 the validations see every image of the Pod, matched or not (ivpol-image-filter.ts)
  const images = ivpolCheckedImages(ALL_IMAGES, globs, cluster.kyverno.version);

  const attestations: Record<string, unknown>[] = [];
  const validations: Record<string, unknown>[] = [{
    expression: `${images}.map(image, verifyImageSignatures(image, ${sigList})).all(n, n > 0)`,
    message: model.signing.mode === SigningMode.KEY
      ? `every image must be signed with the ${model.name} cosign key${model.signing.isDefault ? '' : ` ${keyLabel(model.signing.key!)}`}`
      : `every image must be signed keylessly by ${keylessRepo!.fullName}/${keylessRepo!.workflow.path}`,
  }];
  const sbom = sbomAttestation(model);
  if (sbom) {
    attestations.push({ name: 'sbom', intoto: { type: sbom.predicateType } });
    validations.push({
      expression: `${images}.map(image, verifyAttestationSignatures(image, attestations.sbom, ${sigList})).all(n, n > 0)`,
      message: `every image needs a signed ${sbom.format} SBOM attestation (${sbom.predicateType})`,
    });
  }
  if (model.attestations.provenance) {
    // GitHub attestations are keyless (public-good Sigstore for public repositories), one identity per repository
    attestations.push({ name: 'provenance', intoto: { type: PREDICATE_TYPES.provenance } });
    const provNames: string[] = [];
    for (const r of repos) {
      const attestorName = repos.length === 1 ? 'provenance' : `provenance${provNames.length}`;
      provNames.push(attestorName);
      attestors.push({ name: attestorName, cosign: { keyless: { identities: [identity(r)] }, ctlog: { url: PUBLIC_REKOR } } } as any);
    }
    validations.push({
      expression: `${images}.map(image, verifyAttestationSignatures(image, attestations.provenance, ${list(provNames)})).all(n, n > 0)`,
      message: `every image needs SLSA provenance (${PREDICATE_TYPES.provenance}) from actions/attest-build-provenance, pushed to the registry`,
    });
  }

  const spec: Record<string, unknown> = {
    validationActions: [enforce ? 'Deny' : 'Audit'],
    failurePolicy: 'Fail',
    webhookConfiguration: { timeoutSeconds: 30 },
    evaluation: { background: { enabled: false } },
    matchConstraints: {
      resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] }],
      namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [...SYSTEM_NAMESPACES] }] },
    },
    matchImageReferences: globs.map((glob) => ({ glob })),
    // Audit must not rewrite images (as for ClusterPolicy); Enforce pins the verified digest
    validationConfigurations: { mutateDigest: enforce, verifyDigest: enforce, required: true },
    attestors,
  };
  if (attestations.length > 0) spec.attestations = attestations;
  spec.validations = validations;
  if (cluster.registryCredentialSecrets.length > 0) spec.credentials = { secrets: [...cluster.registryCredentialSecrets] };

  return {
    apiVersion: ivpolApiVersion(cluster.kyverno.version),
    kind: 'ImageValidatingPolicy',
    metadata: {
      name,
      labels: { ...MANAGED_BY_LABEL },
      annotations: {
        'policies.kyverno.io/title': `Verify image signatures (${model.name}${keylessRepo ? `/${keylessRepo.name}` : ''})`,
        'policies.kyverno.io/category': 'Software Supply Chain Security',
        'policies.kyverno.io/severity': 'high',
        'policies.kyverno.io/subject': 'Pod',
        'policies.kyverno.io/minversion': versionAtLeast(cluster.kyverno.version, 1, 17) ? '1.17.0' : versionAtLeast(cluster.kyverno.version, 1, 16) ? '1.16.0' : '1.14.0',
        'policies.kyverno.io/description':
          `${enforce ? 'Rejects' : 'Reports (Audit)'} Pods whose ${model.name} images are not signed as the blueprint requires. `
          + 'Generated by image-signing-blueprint; edit the blueprint, not this file.',
        [BLUEPRINT_ANNOTATION]: model.name,
      },
    },
    spec,
  };
}
