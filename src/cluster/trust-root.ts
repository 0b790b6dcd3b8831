import { BLUEPRINT_ANNOTATION, MANAGED_BY_LABEL } from './metadata';
import { TufModel } from '../model/model';

/*
 * A private Sigstore instance's trust material, read from a Sigstore TrustedRoot JSON
 * (`cosign trusted-root create`, media type application/vnd.dev.sigstore.trustedroot…+json),
 * in the shapes each admission engine takes it:
 * - policy-controller: a `policy.sigstore.dev/v1alpha1` TrustRoot with `spec.sigstoreKeys`
 *   (certificateAuthorities / tLogs / ctLogs / timestampAuthorities). The Go fields `certChain`
 *   and `publicKey` are `[]byte` holding PEM, so in YAML/JSON they are base64 of the PEM text
 *   (policy-controller docs/api-types/index-v1alpha1.md; its TrustRoot examples use
 *   `hashAlgorithm: sha-256`).
 * - Kyverno ClusterPolicy keyless attestor: `roots` (PEM of the Fulcio chain), `rekor.pubkey`,
 *   `ctlog.pubkey`, `ctlog.tsaCertChain` (admission-engines.md §2, verifyImages attestor fields).
 * - Kyverno ImageValidatingPolicy: `cosign.trustedRoot.value` takes the TrustedRoot JSON itself.
 * With a TUF repository publishing that root (`signing.keyless.tuf`), the verifiers that can
 * refresh it do: the TrustRoot is `spec.remote` (mirror + base64 initial root.json; policy-controller
 * allows exactly one of repository, remote, sigstoreKeys: trustroot_validation.go), and the
 * ImageValidatingPolicy gets `cosign.tuf` (mirror + `root.data`, base64; Kyverno 1.19
 * pkg/image/verifiers/ivpol/cosign/opts.go initTUFAndFetch, which without it initializes the
 * public TUF repository for every keyless attestor).
 */

export const TRUST_ROOT_API_VERSION = 'policy.sigstore.dev/v1alpha1';

/** One certificate authority (Fulcio or TSA): subject, URI and its chain as PEM. */
export interface CaMaterial {
  readonly organization: string;
  readonly commonName: string;
  readonly uri: string;
  /** PEM certificates in the TrustedRoot's order (policy-controller: the root is the last one) */
  readonly chainPem: string;
}

/** One transparency log (Rekor or CT): base URL, hash algorithm, public key as PEM. */
export interface LogMaterial {
  readonly baseUrl: string;
  /** as policy-controller spells it: sha-256, sha-384, sha-512 */
  readonly hashAlgorithm: string;
  readonly publicKeyPem: string;
}

export interface TrustMaterial {
  readonly certificateAuthorities: readonly CaMaterial[];
  readonly tlogs: readonly LogMaterial[];
  readonly ctlogs: readonly LogMaterial[];
  readonly timestampAuthorities: readonly CaMaterial[];
}

/** protobuf-specs HashAlgorithm names → policy-controller's TransparencyLogInstance.hashAlgorithm */
const HASH_NAMES: Record<string, string> = { SHA2_256: 'sha-256', SHA2_384: 'sha-384', SHA2_512: 'sha-512' };

function pem(label: string, base64Der: string): string {
  const b64 = Buffer.from(base64Der, 'base64').toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

function ca(c: any): CaMaterial {
  const certs: any[] = c?.certChain?.certificates ?? [];
  return {
    organization: String(c?.subject?.organization ?? ''),
    commonName: String(c?.subject?.commonName ?? ''),
    uri: String(c?.uri ?? ''),
    chainPem: certs.map((x) => pem('CERTIFICATE', String(x.rawBytes ?? ''))).join(''),
  };
}

function log(l: any): LogMaterial {
  return {
    baseUrl: String(l?.baseUrl ?? ''),
    hashAlgorithm: HASH_NAMES[String(l?.hashAlgorithm ?? 'SHA2_256')] ?? 'sha-256',
    publicKeyPem: pem('PUBLIC KEY', String(l?.publicKey?.rawBytes ?? '')),
  };
}

/** Reads the trust material out of a TrustedRoot JSON (already checked to be one by the model). */
export function trustMaterial(trustedRootJson: string): TrustMaterial {
  const doc = JSON.parse(trustedRootJson);
  return {
    certificateAuthorities: (doc.certificateAuthorities ?? []).map(ca),
    tlogs: (doc.tlogs ?? []).map(log),
    ctlogs: (doc.ctlogs ?? []).map(log),
    timestampAuthorities: (doc.timestampAuthorities ?? []).map(ca),
  };
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/** ImageValidatingPolicy `cosign.tuf`: the mirror and the initial root.json (base64, `root.data`) */
export function ivpolTuf(tuf: TufModel): { mirror: string; root: { data: string } } {
  return { mirror: tuf.mirror, root: { data: b64(tuf.rootJson) } };
}

/**
 * The policy-controller TrustRoot that the ClusterImagePolicies' `trustRootRef` names:
 * `spec.sigstoreKeys` from the trusted root, or `spec.remote` when a TUF repository publishes it.
 */
export function renderPolicyControllerTrustRoot(name: string, blueprint: string, trustedRootJson: string, tuf?: TufModel): Record<string, any> {
  const metadata = { name, labels: { ...MANAGED_BY_LABEL }, annotations: { [BLUEPRINT_ANNOTATION]: blueprint } };
  if (tuf) {
    return { apiVersion: TRUST_ROOT_API_VERSION, kind: 'TrustRoot', metadata, spec: { remote: { mirror: tuf.mirror, root: b64(tuf.rootJson) } } };
  }
  const m = trustMaterial(trustedRootJson);
  const caOut = (c: CaMaterial) => ({ subject: { organization: c.organization, commonName: c.commonName }, uri: c.uri, certChain: b64(c.chainPem) });
  const logOut = (l: LogMaterial) => ({ baseURL: l.baseUrl, hashAlgorithm: l.hashAlgorithm, publicKey: b64(l.publicKeyPem) });
  const sigstoreKeys: Record<string, unknown> = { certificateAuthorities: m.certificateAuthorities.map(caOut) };
  if (m.tlogs.length > 0) sigstoreKeys.tLogs = m.tlogs.map(logOut);
  if (m.ctlogs.length > 0) sigstoreKeys.ctLogs = m.ctlogs.map(logOut);
  if (m.timestampAuthorities.length > 0) sigstoreKeys.timestampAuthorities = m.timestampAuthorities.map(caOut);
  return { apiVersion: TRUST_ROOT_API_VERSION, kind: 'TrustRoot', metadata, spec: { sigstoreKeys } };
}

/**
 * Does the private instance certify its certificates in a CT log? A trusted root without `ctlogs`
 * describes a Fulcio that embeds no SCT, and every engine's verifier built on cosign refuses a
 * certificate without an embedded SCT unless told to ignore SCTs (cosign pkg/cosign/verify.go
 * `ValidateAndUnpackCert`: "certificate does not include required embedded SCT"), so the
 * policies must say so (Kyverno `ctlog.ignoreSCT`, ImageValidatingPolicy
 * `ctlog.insecureIgnoreSCT`, policy-controller `keyless.insecureIgnoreSCT`).
 */
export function trustedRootHasCtLogs(trustedRootJson: string): boolean {
  return trustMaterial(trustedRootJson).ctlogs.length > 0;
}

/**
 * The Kyverno ClusterPolicy keyless-attestor fields for a private instance: `roots` (every CA
 * chain, PEM), `rekor.pubkey` and `ctlog.pubkey` (Kyverno takes one PEM key per field: the
 * trusted root's first Rekor / CT log), `ctlog.tsaCertChain` (the TSA chains).
 */
export function kyvernoKeylessTrust(trustedRootJson: string): { roots?: string; rekorPubKey?: string; ctlogPubKey?: string; tsaCertChain?: string } {
  const m = trustMaterial(trustedRootJson);
  const joined = (cas: readonly CaMaterial[]) => cas.map((c) => c.chainPem).join('').trimEnd() || undefined;
  return {
    roots: joined(m.certificateAuthorities),
    rekorPubKey: m.tlogs[0]?.publicKeyPem.trimEnd(),
    ctlogPubKey: m.ctlogs[0]?.publicKeyPem.trimEnd(),
    tsaCertChain: joined(m.timestampAuthorities),
  };
}
