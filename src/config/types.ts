/*
 * Config file format v1 (blueprint.yaml). The TypeScript props mirror the YAML keys exactly
 * (both camelCase), so one validator serves both.
 */

/** How images are signed. */
export enum SigningMode {
  /** a cosign key pair held in GitHub Actions secrets */
  KEY = 'key',
  /** keyless: short-lived Fulcio certificates for the workflow's OIDC identity, logged in Rekor */
  KEYLESS = 'keyless',
}

/** Where cosign stores signatures. */
export enum SignatureFormat {
  /** legacy `.sig` tag (cosign v2 default; `--new-bundle-format=false` on cosign v3) */
  LEGACY = 'legacy',
  /** Sigstore bundle v0.3 as an OCI referrer (cosign v3 default) */
  BUNDLE = 'bundle',
  /** both: sign twice, so old and new verifiers find a signature */
  BOTH = 'both',
}

/** Where the signing secrets live in GitHub. */
export enum SecretScope {
  /** repository Actions secrets */
  REPOSITORY = 'repository',
  /** secrets of a (protected) deployment environment */
  ENVIRONMENT = 'environment',
  /** organization Actions secrets shared with selected repositories */
  ORGANIZATION = 'organization',
}

/** What the admission engine does with an image that fails verification. */
export enum FailureAction {
  /** reject the Pod */
  ENFORCE = 'Enforce',
  /** admit it and report (rollout stage) */
  AUDIT = 'Audit',
}

/** Which Kyverno policy kind is rendered. */
export enum KyvernoPolicyType {
  /** `kyverno.io/v1` ClusterPolicy with `verifyImages` rules */
  CLUSTER_POLICY = 'ClusterPolicy',
  /** `policies.kyverno.io/v1` ImageValidatingPolicy (CEL) */
  IMAGE_VALIDATING_POLICY = 'ImageValidatingPolicy',
}

/** SBOM formats for `cosign attest`. */
export enum SbomFormat {
  CYCLONEDX = 'cyclonedx',
  SPDX = 'spdx',
}

/** GitHub owner (organization or user). */
export interface GitHubConfig {
  /** Organization or user that owns the repositories, e.g. `acme`. */
  readonly owner: string;
}

/** How the signing workflow builds and is triggered. */
export interface WorkflowConfig {
  /**
   * File name under `.github/workflows/`.
   * @default 'build-sign.yml'
   */
  readonly file?: string;
  /**
   * Branches whose pushes build and sign. These refs are the signing identities.
   * @default ['main']
   */
  readonly branches?: string[];
  /**
   * Tag patterns whose pushes build and sign, e.g. `['v*']`.
   * @default []
   */
  readonly tags?: string[];
  /**
   * Docker build context.
   * @default '.'
   */
  readonly context?: string;
  /**
   * Dockerfile path.
   * @default 'Dockerfile'
   */
  readonly dockerfile?: string;
  /**
   * Target platforms; more than one signs recursively.
   * @default ['linux/amd64']
   */
  readonly platforms?: string[];
}

/** One GitHub repository and the images its workflow builds. */
export interface RepositoryConfig {
  /** Repository name (without owner). */
  readonly name: string;
  /**
   * Images the workflow builds and signs: fully qualified (`registry/path`), lowercase,
   * without tag or digest.
   */
  readonly images: string[];
  /** @default - see WorkflowConfig defaults */
  readonly workflow?: WorkflowConfig;
}

/** cosign as used by the workflow. */
export interface CosignConfig {
  /**
   * cosign release installed by the workflow.
   * @default 'v2.6.4'
   */
  readonly version?: string;
  /**
   * Signature storage.
   * @default SignatureFormat.LEGACY
   */
  readonly signatureFormat?: SignatureFormat;
}

/** Key-based signing. */
export interface KeyConfig {
  /**
   * Path to `cosign.pub`, relative to the config file.
   * @default 'cosign.pub'
   */
  readonly publicKeyFile?: string;
  /**
   * The public key PEM itself (instead of publicKeyFile).
   * @default - read from publicKeyFile
   */
  readonly publicKey?: string;
  /**
   * Path to `cosign.key`, read at synth only to prove it matches the public key (needs
   * `COSIGN_PASSWORD`). Never copied into any output.
   * @default - not checked
   */
  readonly privateKeyFile?: string;
  /**
   * Previous public keys still accepted by the policies during a rotation; never used to sign.
   * @default []
   */
  readonly previousPublicKeyFiles?: string[];
  /**
   * Where the secrets live.
   * @default SecretScope.REPOSITORY
   */
  readonly secretScope?: SecretScope;
  /**
   * Deployment environment holding the secrets (with secretScope environment).
   * @default - none
   */
  readonly environment?: string;
}

/** Keyless signing (Fulcio/Rekor). Defaults are the public Sigstore instance. */
export interface KeylessConfig {
  /** @default 'https://token.actions.githubusercontent.com' */
  readonly issuer?: string;
  /** @default 'https://fulcio.sigstore.dev' */
  readonly fulcioUrl?: string;
  /** @default 'https://rekor.sigstore.dev' */
  readonly rekorUrl?: string;
  /**
   * trusted_root.json of a private Sigstore instance.
   * @default - public Sigstore
   */
  readonly trustedRootFile?: string;
}

/** How images are signed. */
export interface SigningConfig {
  /** @default SigningMode.KEY */
  readonly mode?: SigningMode;
  /** @default - cosign v2.6.4, legacy signatures */
  readonly cosign?: CosignConfig;
  /**
   * Upload signatures to the transparency log. false signs with `--tlog-upload=false`
   * and makes every verifier ignore the tlog.
   * @default true
   */
  readonly transparencyLog?: boolean;
  /** @default - cosign.pub next to the config, repository secrets */
  readonly key?: KeyConfig;
  /** @default - public Sigstore */
  readonly keyless?: KeylessConfig;
}

/** SBOM attestation. */
export interface SbomConfig {
  /** @default SbomFormat.CYCLONEDX */
  readonly format?: SbomFormat;
}

/** Attestations pushed next to the signature. */
export interface AttestationsConfig {
  /** @default - no SBOM */
  readonly sbom?: SbomConfig;
  /**
   * SLSA provenance pushed to the registry.
   * @default false
   */
  readonly provenance?: boolean;
}

/** Kyverno target. */
export interface KyvernoConfig {
  /** @default KyvernoPolicyType.CLUSTER_POLICY */
  readonly policy?: KyvernoPolicyType;
  /**
   * Kyverno minor version the policy targets, e.g. `1.16`.
   * @default '1.16'
   */
  readonly version?: string;
  /**
   * Render a Kyverno policy at all.
   * @default true
   */
  readonly enabled?: boolean;
}

/** Sigstore policy-controller target. */
export interface PolicyControllerConfig {
  /** @default false */
  readonly enabled?: boolean;
  /** @default '0.15' */
  readonly version?: string;
}

/** Admission settings; defaults for every cluster. */
export interface AdmissionConfig {
  /**
   * Image patterns the policies match.
   * @default - derived from the repositories' images (`<image>*` per engine)
   */
  readonly imageReferences?: string[];
  /** @default FailureAction.ENFORCE */
  readonly failureAction?: FailureAction;
  /** @default - ClusterPolicy for Kyverno 1.16 */
  readonly kyverno?: KyvernoConfig;
  /** @default - disabled */
  readonly policyController?: PolicyControllerConfig;
}

/** One cluster target: an output folder `kubernetes/<name>/`. */
export interface ClusterConfig {
  /** DNS-1123 label. */
  readonly name: string;
  /** @default - admission.imageReferences */
  readonly imageReferences?: string[];
  /** @default - admission.failureAction */
  readonly failureAction?: FailureAction;
  /** @default - admission.kyverno */
  readonly kyverno?: KyvernoConfig;
  /** @default - admission.policyController */
  readonly policyController?: PolicyControllerConfig;
}

/** In-cluster verification job. */
export interface ClusterVerificationConfig {
  /** @default '0 *\/6 * * *' */
  readonly schedule?: string;
  /** @default 'image-verification' */
  readonly namespace?: string;
}

/** Verification after signing. */
export interface VerificationConfig {
  /**
   * Verify job in the signing workflow.
   * @default true
   */
  readonly ci?: boolean;
  /** @default - no in-cluster job */
  readonly cluster?: ClusterVerificationConfig;
}

/** A suppressed check; the reason is printed with the finding. */
export interface CheckSuppression {
  /** Rule id, e.g. `ISB-IMG-003`. */
  readonly id: string;
  /** Why it is acceptable here. Required. */
  readonly reason: string;
}

/** Synth-time checks. */
export interface ChecksConfig {
  /** @default [] */
  readonly suppress?: CheckSuppression[];
}

/** The whole blueprint (config file format v1). */
export interface BlueprintConfig {
  /** Used in resource names; DNS-1123 label. */
  readonly name: string;
  readonly github: GitHubConfig;
  /** At least one. */
  readonly repositories: RepositoryConfig[];
  /** @default - key mode, cosign v2.6.4, legacy format, tlog on */
  readonly signing?: SigningConfig;
  /** @default - none */
  readonly attestations?: AttestationsConfig;
  /** @default - Enforce, Kyverno ClusterPolicy 1.16 */
  readonly admission?: AdmissionConfig;
  /** @default - one cluster named `default` with the admission defaults */
  readonly clusters?: ClusterConfig[];
  /** @default - CI verify job only */
  readonly verification?: VerificationConfig;
  /** @default - no suppressions */
  readonly checks?: ChecksConfig;
}
