import { SbomFormat } from '../config/types';
import { BlueprintModel, RepositoryModel } from '../model/model';

/*
 * The attestations the signing workflow produces, as the admission engines must check them.
 *
 * - SBOM: `cosign attest --type cyclonedx|spdxjson`, signed like the image signature (same key or
 *   keyless identity, same storage format). Predicate URIs: cosign-formats.md §c table.
 * - Provenance: `actions/attest-build-provenance` with `push-to-registry: true`. It is always
 *   signed keylessly (GitHub OIDC, the workflow's own SAN), even when images are key-signed, and
 *   pushed as a Sigstore bundle (v0.3) OCI referrer, so verifiers need the bundle reader:
 *   Kyverno `type: SigstoreBundle` (>= 1.13), IVP (cosign v3 library), policy-controller
 *   `signatureFormat: bundle` (keyless). Public repositories sign with the public-good Sigstore
 *   instance (Fulcio + Rekor); private repositories use GitHub's instance, which needs GitHub's
 *   trusted root (not rendered here). The predicate is SLSA v1 with buildType
 *   `https://actions.github.io/buildtypes/workflow/v1` and
 *   `buildDefinition.externalParameters.workflow.repository = https://github.com/<owner>/<repo>`.
 */

export const PREDICATE_TYPES = {
  cyclonedx: 'https://cyclonedx.org/bom',
  spdx: 'https://spdx.dev/Document',
  provenance: 'https://slsa.dev/provenance/v1',
} as const;

export const GITHUB_BUILD_TYPE = 'https://actions.github.io/buildtypes/workflow/v1';
export const PUBLIC_REKOR = 'https://rekor.sigstore.dev';
export const PUBLIC_FULCIO = 'https://fulcio.sigstore.dev';

export interface SbomAttestation {
  readonly name: 'sbom';
  readonly predicateType: string;
  readonly format: SbomFormat;
}

export function sbomAttestation(model: BlueprintModel): SbomAttestation | undefined {
  const f = model.attestations.sbom;
  if (!f) return undefined;
  return { name: 'sbom', format: f, predicateType: f === SbomFormat.SPDX ? PREDICATE_TYPES.spdx : PREDICATE_TYPES.cyclonedx };
}

/** Kyverno `conditions` over the SBOM predicate: it is a document of the configured format. */
export function kyvernoSbomConditions(s: SbomAttestation): Record<string, unknown>[] {
  return s.format === SbomFormat.SPDX
    ? [{ all: [{ key: '{{ SPDXID }}', operator: 'Equals', value: 'SPDXRef-DOCUMENT' }] }]
    : [{ all: [{ key: '{{ bomFormat }}', operator: 'Equals', value: 'CycloneDX' }] }];
}

/** Kyverno `conditions` over the provenance predicate: built by this repository's GitHub workflow. */
export function kyvernoProvenanceConditions(repo: RepositoryModel): Record<string, unknown>[] {
  return [{
    all: [
      { key: '{{ buildDefinition.buildType }}', operator: 'Equals', value: GITHUB_BUILD_TYPE },
      { key: '{{ buildDefinition.externalParameters.workflow.repository }}', operator: 'Equals', value: `https://github.com/${repo.fullName}` },
    ],
  }];
}

/** CUE policy for a policy-controller attestation: the statement carries the predicate type. */
export function cuePredicatePolicy(predicateType: string, extra = ''): Record<string, unknown> {
  return { type: 'cue', data: `predicateType: ${JSON.stringify(predicateType)}\n${extra}` };
}

/** CUE for the provenance predicate of one repository. */
export function cueProvenance(repo: RepositoryModel): string {
  return [
    'predicate: buildDefinition: {',
    `  buildType: ${JSON.stringify(GITHUB_BUILD_TYPE)}`,
    `  externalParameters: workflow: repository: ${JSON.stringify(`https://github.com/${repo.fullName}`)}`,
    '}',
    '',
  ].join('\n');
}
