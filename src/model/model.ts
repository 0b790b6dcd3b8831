import { ImageName } from '../config/image-name';
import { KmsProvider, ParsedKmsUri } from '../config/kms-uri';
import {
  FailureAction, KyvernoPolicyType, SbomFormat, SecretScope, SignatureFormat, SigningMode,
} from '../config/types';
import { ParsedPublicKey } from '../keys/public-key';

/*
 * The resolved, immutable model every renderer and check reads. All defaults are applied here
 * and nowhere else.
 */

export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly text: string;
}

export interface WorkflowModel {
  /** file name, e.g. `build-sign.yml` */
  readonly file: string;
  /** repository path, `.github/workflows/<file>` */
  readonly path: string;
  readonly branches: readonly string[];
  readonly tags: readonly string[];
  readonly context: string;
  readonly dockerfile: string;
  readonly platforms: readonly string[];
  /** reusable workflow that signs (keyless); undefined = the build job signs */
  readonly signer?: SignerWorkflowModel;
}

/** A reusable signing workflow, called at a fixed ref. */
export interface SignerWorkflowModel {
  /** `owner/repo` of the reusable workflow */
  readonly repository: string;
  readonly file: string;
  /** `.github/workflows/<file>` */
  readonly path: string;
  /** `refs/tags/…`, `refs/heads/…` or a 40-hex SHA: exactly what the SAN ends with */
  readonly ref: string;
  /** value for `uses:` (`owner/repo/.github/workflows/file@<tag|branch|sha>`) */
  readonly uses: string;
}

/** A keyless signer: the certificate SAN GitHub Actions gets, per allowed ref. */
export interface SignerIdentityModel {
  readonly issuer: string;
  /** exact SANs (branches and literal tags) */
  readonly subjects: readonly string[];
  /** anchored, dot-escaped regexp covering every allowed ref (also the patterns, e.g. `v*`) */
  readonly subjectRegExp: string;
  /** true when `subjects[0]` alone is the identity (one literal ref, or a reusable signer workflow) */
  readonly exact: boolean;
  /**
   * With a reusable signer workflow: the calling repository `owner/name`, which the certificate
   * carries as its GitHub workflow repository (OID 1.3.6.1.4.1.57264.1.5). The SAN alone names
   * the shared signer and would accept any repository that calls it.
   */
  readonly sourceRepository?: string;
}

export interface RepositoryModel {
  readonly name: string;
  /** `owner/name` */
  readonly fullName: string;
  /** config path, `repositories[i]` */
  readonly path: string;
  readonly images: readonly ImageName[];
  readonly workflow: WorkflowModel;
  /** keyless identity (also computed in key mode, unused there) */
  readonly identity: SignerIdentityModel;
  /**
   * How this repository signs: the top-level `signing` with the repository's override applied.
   * Repositories with the same effective signing config share one object.
   */
  readonly signing: SigningModel;
}

/** A public key replaced in a rotation: accepted by the policies, never used to sign. */
export interface PreviousPublicKeyModel {
  readonly key: ParsedPublicKey;
  /** file it came from, relative to the config */
  readonly file: string;
  /** config path, `signing.key.previousKeys[i]` or `signing.key.previousPublicKeyFiles[i]` */
  readonly path: string;
  /** last day (UTC, `YYYY-MM-DD`) it is meant to be accepted; ISB-KEY-004 warns after it */
  readonly notAfter?: string;
}

/** A GitHub Actions secrets public key (libsodium X25519) the secret values are sealed to. */
export interface ActionsPublicKeyModel {
  readonly keyId: string;
  /** base64 of the 32-byte key, as the GitHub API returns it */
  readonly key: string;
  /** config path, `github.actionsPublicKey` or `repositories[i].actionsPublicKey` */
  readonly path: string;
}

/** How the signing workflow logs in to the KMS provider (the config's `kmsAuth` block, defaults applied). */
export type KmsAuthModel =
  | { readonly provider: KmsProvider.AWS; readonly roleArn: string; readonly region: string }
  | { readonly provider: KmsProvider.GCP; readonly workloadIdentityProvider: string; readonly serviceAccount?: string }
  | { readonly provider: KmsProvider.AZURE; readonly clientId: string; readonly tenantId: string; readonly subscriptionId?: string }
  | {
    readonly provider: KmsProvider.HASHIVAULT;
    readonly address: string;
    readonly role: string;
    readonly authPath: string;
    readonly transitPath: string;
    readonly audience?: string;
    readonly namespace?: string;
  };

/** A KMS signing key (`signing.key.kms`): cosign signs with `--key <uri>`, no secrets exist. */
export interface KmsKeyModel {
  readonly uri: string;
  readonly provider: KmsProvider;
  readonly parsed: ParsedKmsUri;
  readonly auth: KmsAuthModel;
  /** config path of the URI, `signing.key.kms` */
  readonly path: string;
  /** stable short id of the URI (sha256 hex prefix), where a key fingerprint names things */
  readonly id: string;
}

export interface KeyModel {
  /** config path of the key block the public key came from: `signing.key` or `repositories[i].signing.key` */
  readonly configPath: string;
  /**
   * The public key. Undefined only for a KMS key whose public key the config does not give
   * (no publicKeyFile/publicKey): the policies then name the KMS key instead.
   */
  readonly publicKey?: ParsedPublicKey;
  /** the KMS key the workflow signs with, instead of a key pair in Actions secrets */
  readonly kms?: KmsKeyModel;
  /** file the public key came from, relative to the config (for the runbook) */
  readonly publicKeyFile?: string;
  readonly previousPublicKeys: readonly PreviousPublicKeyModel[];
  readonly secretScope: SecretScope;
  readonly environment?: string;
  /** absolute path of cosign.key, when the config names it (never read into outputs) */
  readonly privateKeyFile?: string;
  /** config-relative path of cosign.key, for messages */
  readonly privateKeyFileRel?: string;
  /** secretScope organization: the organization's Actions public key, when given (sealed secrets) */
  readonly organizationActionsPublicKey?: ActionsPublicKeyModel;
  /** repository/environment scope: Actions public keys by repository name, when given (sealed secrets) */
  readonly repositoryActionsPublicKeys: ReadonlyMap<string, ActionsPublicKeyModel>;
}

/** A TUF repository publishing a Sigstore trusted root (`signing.keyless.tuf`). */
export interface TufModel {
  readonly mirror: string;
  /** the initial root.json, as read (JSON text) */
  readonly rootJson: string;
  /** config-relative path of the root file */
  readonly rootFile: string;
}

export interface KeylessModel {
  readonly issuer: string;
  readonly fulcioUrl: string;
  readonly rekorUrl: string;
  readonly trustedRootFile?: string;
  /** the trusted root, when given: its JSON and where the workflow finds it in the repository */
  readonly trustedRoot?: { readonly json: string; readonly repoPath: string };
  /** the TUF repository publishing that trusted root, for verifiers that refresh it */
  readonly tuf?: TufModel;
  /** true when any URL differs from the public Sigstore instance */
  readonly privateInstance: boolean;
}

export interface SigningModel {
  /** true for the top-level `signing` as it is (what repositories without an override use) */
  readonly isDefault: boolean;
  readonly mode: SigningMode;
  readonly cosignVersion: Version;
  readonly signatureFormat: SignatureFormat;
  readonly transparencyLog: boolean;
  readonly key?: KeyModel;
  readonly keyless?: KeylessModel;
}

export interface ClusterModel {
  readonly name: string;
  /** config path, `clusters[i]` or `admission` for the implicit default cluster */
  readonly path: string;
  /** explicit patterns from the config; undefined = derive from the images per engine */
  readonly imageReferences?: readonly string[];
  readonly failureAction: FailureAction;
  readonly kyverno: { readonly enabled: boolean; readonly policy: KyvernoPolicyType; readonly version: Version };
  readonly policyController: { readonly enabled: boolean; readonly version: Version };
  /** Kyverno ClusterPolicy skipImageReferences (empty = none) */
  readonly skipImageReferences: readonly string[];
  /** registry credential Secrets for the engines (empty = none) */
  readonly registryCredentialSecrets: readonly string[];
  /** namespaces opted in to policy-controller (rendered as labelled Namespace objects) */
  readonly namespaces: readonly string[];
  /** the cluster cannot reach the public Sigstore services */
  readonly airGapped: boolean;
}

/** The in-cluster verification CronJob. */
export interface ClusterVerificationModel {
  readonly schedule: string;
  readonly namespace: string;
  /** cosign image pinned by digest, from the config; undefined = the renderer's built-in pin */
  readonly image?: string;
  readonly tags: readonly string[];
  readonly pullSecret?: string;
  /** pods of an Indexed Job; 1 = one Pod with a container per chunk */
  readonly parallelism: number;
}

export interface BlueprintModel {
  readonly name: string;
  readonly owner: string;
  readonly repositories: readonly RepositoryModel[];
  /**
   * The default signing (the top-level `signing`), or the first repository's when every
   * repository overrides it. Per-repository code reads `repository.signing`.
   */
  readonly signing: SigningModel;
  readonly attestations: { readonly sbom?: SbomFormat; readonly provenance: boolean };
  readonly clusters: readonly ClusterModel[];
  readonly verification: {
    readonly ci: boolean;
    readonly cluster?: ClusterVerificationModel;
  };
  readonly suppressions: readonly { readonly id: string; readonly reason: string }[];
  /** `github.actionPins`: sha + version per pin key (the workflow renderer merges them over its defaults) */
  readonly actionPins?: Readonly<Record<string, { readonly sha: string; readonly version: string; readonly runtime?: string }>>;
  /** write `.github/dependabot.yml` (github-actions, weekly) into every repository (`github.dependabot`) */
  readonly dependabot: boolean;
}

export function parseVersion(text: string): Version {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) throw new Error(`not a version: ${text}`);
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0), text };
}

/** a >= b, comparing major.minor.patch */
export function versionAtLeast(a: Version, major: number, minor: number, patch = 0): boolean {
  if (a.major !== major) return a.major > major;
  if (a.minor !== minor) return a.minor > minor;
  return a.patch >= patch;
}

/**
 * What identifies a signing key in names and group keys: the public key's fingerprint, or for a
 * KMS key without a known public key `kms-<sha256 of the URI, 16 hex>`.
 */
export function keyIdentity(k: KeyModel): string {
  return k.publicKey ? k.publicKey.fingerprint : `kms-${k.kms!.id}`;
}

/** Short human label of a key for messages: `SHA256:<12 hex>…`, or the KMS URI when its public key is unknown. */
export function keyLabel(k: KeyModel): string {
  return k.publicKey ? `SHA256:${k.publicKey.fingerprint.slice(0, 12)}…` : k.kms!.uri;
}
