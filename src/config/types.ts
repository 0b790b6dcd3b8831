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

/**
 * A GitHub Actions secrets public key, exactly as `gh api repos/OWNER/REPO/actions/secrets/public-key`
 * (or `orgs/ORG/…`, `repos/OWNER/REPO/environments/ENV/secrets/public-key`) returns it. With it,
 * synth encrypts the secret values as libsodium sealed boxes, so neither the Terraform files nor the
 * Terraform state hold them in plaintext.
 */
export interface ActionsPublicKeyConfig {
  /** `key_id` of the API answer, e.g. `568250167242549743`. */
  readonly keyId: string;
  /** `key` of the API answer: base64 of the 32-byte X25519 public key. */
  readonly key: string;
}

/** GitHub owner (organization or user). */
export interface GitHubConfig {
  /** Organization or user that owns the repositories, e.g. `acme`. */
  readonly owner: string;
  /**
   * The organization's Actions secrets public key (`gh api orgs/OWNER/actions/secrets/public-key`),
   * with `signing.key.secretScope: organization`: the secrets are sealed at synth.
   * @default - the private key and password are sensitive Terraform variables
   */
  readonly actionsPublicKey?: ActionsPublicKeyConfig;
  /**
   * Overrides of the pinned actions the workflows use, by pin key (`checkout`, `login`,
   * `setup-buildx`, `setup-qemu`, `build-push`, `cosign-installer`, `cosign-installer-v4`,
   * `sbom`, `attest-build-provenance`).
   * @default - the built-in pins
   */
  readonly actionPins?: Record<string, ActionPinConfig>;
  /**
   * Write `.github/dependabot.yml` (version 2, ecosystem `github-actions`, directory `/`, weekly)
   * into every repository, committed by its Terraform stack like the workflow, so that Dependabot
   * proposes updates of the pinned SHAs and their `# vX.Y.Z` comments. `false` writes none (e.g.
   * when the repository keeps its own dependabot.yml).
   * @default true
   */
  readonly dependabot?: boolean;
}

/** A GitHub Action pinned to a commit, overriding one entry of the built-in pin map. */
export interface ActionPinConfig {
  /** Full 40-hex commit SHA the action is pinned to. */
  readonly sha: string;
  /** Release tag of that commit, written as a trailing `# <version>` comment. */
  readonly version: string;
  /**
   * `runs.using` of the action's `action.yml` at that commit (`node24`, `docker`, `composite`, …),
   * for ISB-WF-005 (runtimes the hosted runners no longer provide).
   * @default - the built-in pin's runtime when the SHA is the built-in one, else looked up by
   * action and release tag in the blueprint's table of known releases; unknown is a warning
   */
  readonly runtime?: string;
}

/**
 * A reusable workflow (`on: workflow_call`) that does the signing. Keyless certificates then
 * name this workflow (its `job_workflow_ref`), not the calling repository's workflow.
 */
export interface SignerWorkflowConfig {
  /** `owner/repo` holding the reusable workflow, e.g. `acme/release-tools`. */
  readonly repository: string;
  /** File name under `.github/workflows/` of that repository, e.g. `sign.yml`. */
  readonly file: string;
  /**
   * The ref the caller pins: `refs/tags/<tag>`, `refs/heads/<branch>` or a full 40-hex commit
   * SHA. It is part of the certificate identity, so the policies accept exactly this ref
   * (moving to another ref needs a new synth).
   */
  readonly ref: string;
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
  /**
   * Sign and attest in this reusable workflow instead of in the build job (keyless only).
   * @default - signing runs in the generated workflow itself
   */
  readonly signerWorkflow?: SignerWorkflowConfig;
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
  /**
   * The Actions secrets public key of the place this repository's secrets go: the repository's
   * (`gh api repos/OWNER/REPO/actions/secrets/public-key`), or with `secretScope: environment` the
   * environment's (`gh api repos/OWNER/REPO/environments/ENV/secrets/public-key`). The secrets are
   * then sealed at synth.
   * @default - the private key and password are sensitive Terraform variables
   */
  readonly actionsPublicKey?: ActionsPublicKeyConfig;
  /**
   * How this repository signs, over the top-level `signing` (the organization's default).
   * Objects deep-merge and lists replace: `{ mode: keyless }` alone switches the repository to
   * keyless signing with the top-level `keyless` settings, `{ key: { publicKeyFile: team.pub } }`
   * gives it its own key. A repository that names its own key (publicKeyFile or publicKey)
   * inherits none of the top-level key's files (privateKeyFile, previous keys); secretScope and
   * environment are inherited. Only the block of the effective mode is inherited (`key` for key
   * mode, `keyless` for keyless).
   * @default - the top-level signing
   */
  readonly signing?: SigningConfig;
}

/**
 * Defaults shared by every repository of the blueprint; each repository's own values win
 * (objects deep-merge, lists replace).
 */
export interface RepositoryDefaultsConfig {
  /**
   * Workflow settings every repository starts from, e.g. `tags: ['v*']` or `platforms`.
   * @default - the WorkflowConfig defaults
   */
  readonly workflow?: WorkflowConfig;
}

/** cosign as used by the workflow. */
export interface CosignConfig {
  /**
   * cosign release installed by the workflow. v2.x releases stay selectable (installed by the
   * cosign-installer v3 pin); v3.x by the v4 pin.
   * @default - the release the pinned sigstore/cosign-installer v4 installs by default (v3.0.6)
   */
  readonly version?: string;
  /**
   * Signature storage.
   * @default - `bundle` when cosign is v3 or later and every enabled admission engine of every
   * cluster (and the in-cluster verification job) reads Sigstore bundles for this signing mode;
   * otherwise `legacy` (signed with `--new-bundle-format=false` on cosign v3)
   */
  readonly signatureFormat?: SignatureFormat;
}

/** A replaced public key still accepted by the policies during a rotation. */
export interface PreviousKeyConfig {
  /** Path to the old `cosign.pub`, relative to the config file. */
  readonly publicKeyFile: string;
  /**
   * Last day (UTC, `YYYY-MM-DD`) the key is meant to be accepted; afterwards ISB-KEY-004 warns
   * until it is removed from the config.
   * @default - no end date
   */
  readonly notAfter?: string;
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
   * Previous public keys with an optional end date (rotation); accepted by the policies, never
   * used to sign. Combined with previousPublicKeyFiles.
   * @default []
   */
  readonly previousKeys?: PreviousKeyConfig[];
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
  /**
   * A cosign KMS key reference to sign with instead of a key pair in Actions secrets:
   * `awskms://[ENDPOINT]/KEY` (key id, key ARN, `alias/NAME` or alias ARN),
   * `gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K[/cryptoKeyVersions/N]`,
   * `azurekms://VAULT.vault.azure.net/KEY[/VERSION]` or `hashivault://KEY` (transit key name).
   * No private key or password exists in GitHub: the workflow logs in to the provider with
   * GitHub OIDC (`kmsAuth`) and runs `cosign sign --key <uri>`. With `publicKeyFile` (the output
   * of `cosign public-key --key <uri>`) the policies embed that key; without it they name the KMS
   * key and the cluster's verifier needs read access to it.
   * @default - a key pair in Actions secrets
   */
  readonly kms?: string;
  /**
   * How the signing workflow authenticates to the KMS provider with GitHub OIDC (with `kms`):
   * exactly the block of the URI's provider.
   * @default - required with kms
   */
  readonly kmsAuth?: KmsAuthConfig;
}

/** OIDC login of the signing workflow to the KMS provider; give the block of the key's provider. */
export interface KmsAuthConfig {
  /** `awskms://`: aws-actions/configure-aws-credentials assumes this role with the workflow's OIDC token. */
  readonly aws?: AwsKmsAuthConfig;
  /** `gcpkms://`: google-github-actions/auth with Workload Identity Federation. */
  readonly gcp?: GcpKmsAuthConfig;
  /** `azurekms://`: azure/login with a federated credential of an app registration or managed identity. */
  readonly azure?: AzureKmsAuthConfig;
  /** `hashivault://`: Vault JWT auth with the job's GitHub OIDC token (a shell step: hashicorp/vault-action still declares node20). */
  readonly vault?: VaultKmsAuthConfig;
}

/** AWS: an IAM role trusted for GitHub OIDC, allowed `kms:Sign` and `kms:GetPublicKey` on the key. */
export interface AwsKmsAuthConfig {
  /** IAM role ARN, e.g. `arn:aws:iam::111122223333:role/github-image-signing`. */
  readonly roleArn: string;
  /**
   * AWS region of the key.
   * @default - the region of the key ARN (required when the URI is an alias name or key id)
   */
  readonly region?: string;
}

/** Google Cloud: Workload Identity Federation for the workflow, allowed `cloudkms.signerVerifier` on the key. */
export interface GcpKmsAuthConfig {
  /** `projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER`. */
  readonly workloadIdentityProvider: string;
  /**
   * Service account to impersonate, e.g. `signer@PROJECT.iam.gserviceaccount.com`.
   * @default - direct Workload Identity Federation (the pool principal holds the KMS role)
   */
  readonly serviceAccount?: string;
}

/** Azure: an app registration or user-assigned identity with a federated credential for the workflow. */
export interface AzureKmsAuthConfig {
  /** Client (application) id. */
  readonly clientId: string;
  /** Directory (tenant) id. */
  readonly tenantId: string;
  /**
   * Subscription id.
   * @default - none: azure/login runs with `allow-no-subscriptions` (Key Vault needs no subscription)
   */
  readonly subscriptionId?: string;
}

/** HashiCorp Vault / OpenBao: a JWT auth role bound to the workflow's GitHub OIDC claims. */
export interface VaultKmsAuthConfig {
  /** Vault address, `https://vault.example.com:8200`. */
  readonly address: string;
  /** JWT auth role the workflow logs in with. */
  readonly role: string;
  /**
   * Mount path of the JWT auth method.
   * @default 'jwt'
   */
  readonly authPath?: string;
  /**
   * Mount path of the transit secrets engine holding the key (cosign's TRANSIT_SECRET_ENGINE_PATH).
   * @default 'transit'
   */
  readonly transitPath?: string;
  /**
   * `aud` of the GitHub OIDC token (the role's `bound_audiences`).
   * @default - GitHub's default audience, the repository owner's URL
   */
  readonly audience?: string;
  /**
   * Vault Enterprise namespace.
   * @default - none
   */
  readonly namespace?: string;
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
  /**
   * The TUF repository that publishes the private instance's trusted root (target
   * `trusted_root.json`), for verifiers that refresh it: the policy-controller TrustRoot becomes
   * `spec.remote`, ImageValidatingPolicies get `cosign.tuf`, `verify --config` refreshes through it.
   * Needs `trustedRootFile` too: a snapshot of the same trusted root for what reads no TUF
   * (Kyverno ClusterPolicy `roots`, the workflow's `cosign verify`, the synth-time checks).
   * @default - none: every verifier reads `trustedRootFile` as is
   */
  readonly tuf?: SigstoreTufConfig;
}

/** A TUF repository publishing a Sigstore trusted root. */
export interface SigstoreTufConfig {
  /** Base URL of the TUF repository (https). */
  readonly mirror: string;
  /** The repository's initial (pinned) root.json, relative to the config: the trust anchor of every refresh. */
  readonly rootFile: string;
}

/** How images are signed. */
export interface SigningConfig {
  /** @default SigningMode.KEY */
  readonly mode?: SigningMode;
  /** @default - cosign v3.0.6, the signature format every targeted engine reads */
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
  /**
   * Kyverno ClusterPolicy `skipImageReferences`: images matching these patterns are skipped
   * (recorded as `skip`), e.g. a debug image. Kyverno wildcard syntax.
   * @default - none
   */
  readonly skipImageReferences?: string[];
  /**
   * Registry credentials the admission engines use to read signatures from private registries.
   * @default - anonymous, plus the Pods' imagePullSecrets (Kyverno)
   */
  readonly registryCredentials?: RegistryCredentialsConfig;
  /**
   * Namespaces opted in to policy-controller: rendered as Namespace objects labelled
   * `policy.sigstore.dev/include=true` (policy-controller checks only labelled namespaces).
   * @default - none rendered; label namespaces yourself
   */
  readonly namespaces?: string[];
  /**
   * The clusters cannot reach the public Sigstore services (Fulcio roots via TUF, Rekor): keyless
   * verification then needs a private instance's trusted root (rule ISB-NET-001).
   * @default false
   */
  readonly airGapped?: boolean;
}

/** Registry credentials for the admission engines (Secrets of type kubernetes.io/dockerconfigjson). */
export interface RegistryCredentialsConfig {
  /**
   * Secret names: `name` (in the engine's namespace: kyverno, or cosign-system for
   * policy-controller) or `namespace/name` (Kyverno only).
   */
  readonly secrets: string[];
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
  /** @default - admission.skipImageReferences */
  readonly skipImageReferences?: string[];
  /** @default - admission.registryCredentials */
  readonly registryCredentials?: RegistryCredentialsConfig;
  /** @default - admission.namespaces */
  readonly namespaces?: string[];
  /** @default - admission.airGapped */
  readonly airGapped?: boolean;
}

/** In-cluster verification job. */
export interface ClusterVerificationConfig {
  /** @default '0 *\/6 * * *' */
  readonly schedule?: string;
  /** @default 'image-verification' */
  readonly namespace?: string;
  /**
   * cosign container image, pinned by digest (`repo:tag@sha256:…`).
   * @default - the official ghcr.io/sigstore/cosign/cosign v3.0.6 image by digest (reads legacy and bundle signatures)
   */
  readonly image?: string;
  /**
   * Tags verified for every image (a Pod cannot know the pushed digests; the job prints the digest
   * each tag resolves to).
   * @default ['latest']
   */
  readonly tags?: string[];
  /**
   * A `kubernetes.io/dockerconfigjson` Secret in the job's namespace: used as imagePullSecret and
   * as cosign's registry login.
   * @default - anonymous registry access
   */
  readonly pullSecret?: string;
  /**
   * Pods that verify in parallel. Above 1 the CronJob runs an Indexed Job (`completionMode:
   * Indexed`) whose pods each verify their share of the images, picked by `JOB_COMPLETION_INDEX`
   * in a `/bin/sh` script: `image` must then name a cosign image that has a shell (the official
   * image has none), pinned by digest. With 1, one Pod runs one container per chunk of images.
   * @default 1
   */
  readonly parallelism?: number;
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
  /**
   * A base blueprint this one extends: a path relative to this config's folder (and inside it).
   * The base is merged under this config: objects deep-merge, lists replace, and `repositories`
   * and `clusters` merge by `name` (an entry with the name of a base entry deep-merges over it,
   * others are appended). A base may extend another base; cycles are errors. Relative file paths
   * in every file (publicKeyFile, …) resolve against the folder of the config that is loaded.
   * @default - no base
   */
  readonly extends?: string;
  /** Used in resource names; DNS-1123 label. */
  readonly name: string;
  readonly github: GitHubConfig;
  /** At least one. */
  readonly repositories: RepositoryConfig[];
  /**
   * Defaults every repository starts from (its own values win).
   * @default - none
   */
  readonly defaults?: RepositoryDefaultsConfig;
  /**
   * How images are signed: the default of every repository (see RepositoryConfig.signing).
   * @default - key mode, cosign v3.0.6, the signature format every targeted engine reads, tlog on
   */
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
