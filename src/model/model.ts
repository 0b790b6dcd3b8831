import { ImageName } from './image-name';
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
}

/** A keyless signer: the certificate SAN GitHub Actions gets, per allowed ref. */
export interface SignerIdentityModel {
  readonly issuer: string;
  /** exact SANs (branches and literal tags) */
  readonly subjects: readonly string[];
  /** anchored, dot-escaped regexp covering every allowed ref (also the patterns, e.g. `v*`) */
  readonly subjectRegExp: string;
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
}

export interface KeyModel {
  readonly publicKey: ParsedPublicKey;
  /** file the public key came from, relative to the config (for the runbook) */
  readonly publicKeyFile?: string;
  readonly previousPublicKeys: readonly { readonly key: ParsedPublicKey; readonly file: string }[];
  readonly secretScope: SecretScope;
  readonly environment?: string;
  /** absolute path of cosign.key, when the config names it (never read into outputs) */
  readonly privateKeyFile?: string;
}

export interface KeylessModel {
  readonly issuer: string;
  readonly fulcioUrl: string;
  readonly rekorUrl: string;
  readonly trustedRootFile?: string;
  /** true when any URL differs from the public Sigstore instance */
  readonly privateInstance: boolean;
}

export interface SigningModel {
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
}

export interface BlueprintModel {
  readonly name: string;
  readonly owner: string;
  readonly repositories: readonly RepositoryModel[];
  readonly signing: SigningModel;
  readonly attestations: { readonly sbom?: SbomFormat; readonly provenance: boolean };
  readonly clusters: readonly ClusterModel[];
  readonly verification: {
    readonly ci: boolean;
    readonly cluster?: { readonly schedule: string; readonly namespace: string };
  };
  readonly suppressions: readonly { readonly id: string; readonly reason: string }[];
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
