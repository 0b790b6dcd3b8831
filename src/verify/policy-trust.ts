import { createHash, createPublicKey } from 'node:crypto';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { TrustContext } from './check';
import { VerifyError } from './errors';
import { parsePublicKeyPem } from '../keys/public-key';

/*
 * Trust material (Sigstore TrustedRoot + Rekor keys) from a trusted_root.json, and from the trust
 * fields the admission policies carry, so that `verify --config` checks each policy with the
 * roots its engine would use:
 * - Kyverno ClusterPolicy keyless attestor: `roots` (PEM certificates), `rekor.pubkey`,
 *   `ctlog.pubkey`, `ctlog.tsaCertChain`; key attestor: `rekor.pubkey`
 * - ImageValidatingPolicy cosign attestor: `trustedRoot.value` (TrustedRoot JSON)
 * - policy-controller: `keyless.trustRootRef` / `ctlog.trustRootRef` naming a TrustRoot whose
 *   `spec.sigstoreKeys` holds base64 PEM chains and keys
 * A policy naming no trust material gets the default (the engines' default: the public Sigstore
 * root, or the trusted root given to the verifier). A Kyverno entry with `roots` is a private
 * instance: only what it names is trusted; without `roots`, its `rekor.pubkey`/`ctlog.pubkey`
 * replace the default's logs. IVPOL `trustedRoot` and policy-controller TrustRoots are complete.
 */

function derToPem(der: Buffer): string {
  return `-----BEGIN PUBLIC KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END PUBLIC KEY-----\n`;
}

/** the TrustContext of a TrustedRoot JSON text (and an extra Rekor key) */
export function trustFromRootJson(trustedRootJson?: string, rekorPem?: string): TrustContext {
  let trustedRoot: TrustedRoot | undefined;
  const rekorKeys: { logId: string; key: any }[] = [];
  if (trustedRootJson !== undefined) {
    try {
      trustedRoot = TrustedRoot.fromJSON(JSON.parse(trustedRootJson));
    } catch (e) {
      throw new VerifyError('TRUSTED_ROOT_INVALID', `the trusted root is not a Sigstore TrustedRoot JSON: ${(e as Error).message}`,
        { fix: 'pass a trusted_root.json (cosign trusted-root create, or the private Sigstore instance\'s TUF target)' });
    }
    for (const t of trustedRoot.tlogs) {
      const raw = t.publicKey?.rawBytes;
      if (!raw) continue;
      try {
        const parsed = parsePublicKeyPem(derToPem(Buffer.from(raw)), 'trusted root tlog key');
        rekorKeys.push({ logId: Buffer.from(t.logId?.keyId ?? Buffer.alloc(0)).toString('hex') || parsed.fingerprint, key: parsed.keyObject });
      } catch {
        // keys node cannot parse cannot verify anything: left out
      }
    }
  }
  if (rekorPem !== undefined) {
    const parsed = parsePublicKeyPem(rekorPem, 'Rekor public key');
    rekorKeys.push({ logId: createHash('sha256').update(parsed.spkiDer).digest('hex'), key: parsed.keyObject });
  }
  return { trustedRoot, rekorKeys };
}

const CERT_RE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

function certDers(pemText: string): string[] {
  return (pemText.match(CERT_RE) ?? []).map((p) => p.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, ''));
}

const START = { start: '1970-01-01T00:00:00Z' };

/** a TrustedRoot transparency/CT log entry for a PEM public key */
function logEntry(pem: string, baseUrl: string): Record<string, unknown> {
  const key = createPublicKey(pem);
  const spki = key.export({ type: 'spki', format: 'der' });
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const keyDetails = key.asymmetricKeyType === 'ed25519' ? 'PKIX_ED25519'
    : curve === 'secp384r1' ? 'PKIX_ECDSA_P384_SHA_384' : curve === 'secp521r1' ? 'PKIX_ECDSA_P521_SHA_512' : 'PKIX_ECDSA_P256_SHA_256';
  return {
    baseUrl,
    hashAlgorithm: 'SHA2_256',
    publicKey: { rawBytes: spki.toString('base64'), keyDetails, validFor: START },
    logId: { keyId: createHash('sha256').update(spki).digest('base64') },
  };
}

function chainEntry(pemText: string, uri: string): Record<string, unknown> | undefined {
  const certs = certDers(pemText);
  if (certs.length === 0) return undefined;
  return { subject: {}, uri, certChain: { certificates: certs.map((c) => ({ rawBytes: c })) }, validFor: START };
}

export interface TrustParts {
  /** PEM certificates of the Fulcio CA chains */
  readonly caChains?: readonly string[];
  readonly tlogs?: readonly { readonly pem: string; readonly baseUrl: string }[];
  readonly ctlogs?: readonly { readonly pem: string; readonly baseUrl: string }[];
  /** PEM certificate chains of the TSAs */
  readonly tsaChains?: readonly string[];
}

/** the default root with every part the policy names replaced by the policy's own */
export function trustFromParts(defaultRootJson: string | undefined, parts: TrustParts, what: string): TrustContext {
  const base: any = defaultRootJson !== undefined ? JSON.parse(defaultRootJson)
    : { mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] };
  try {
    if (parts.caChains && parts.caChains.length > 0) {
      base.certificateAuthorities = parts.caChains.map((c) => chainEntry(c, `${what} roots`)).filter((c) => c !== undefined);
    }
    if (parts.tlogs && parts.tlogs.length > 0) base.tlogs = parts.tlogs.map((t) => logEntry(t.pem, t.baseUrl));
    if (parts.ctlogs && parts.ctlogs.length > 0) base.ctlogs = parts.ctlogs.map((t) => logEntry(t.pem, t.baseUrl));
    if (parts.tsaChains && parts.tsaChains.length > 0) {
      base.timestampAuthorities = parts.tsaChains.map((c) => chainEntry(c, `${what} TSA`)).filter((c) => c !== undefined);
    }
  } catch (e) {
    throw new VerifyError('TRUSTED_ROOT_INVALID', `${what}: its trust material is not valid PEM: ${(e as Error).message}`);
  }
  return trustFromRootJson(JSON.stringify(base));
}

/** Kyverno ClusterPolicy attestor entry (keys or keyless): its `roots`, `rekor.pubkey`, `ctlog.pubkey`, `ctlog.tsaCertChain` */
export function kyvernoEntryTrust(defaultRootJson: string | undefined, entry: any, what: string): TrustContext | undefined {
  const k = entry?.keyless ?? entry?.keys;
  if (!k) return undefined;
  const parts: TrustParts = {
    caChains: typeof entry?.keyless?.roots === 'string' ? [entry.keyless.roots] : undefined,
    tlogs: typeof k.rekor?.pubkey === 'string' ? [{ pem: k.rekor.pubkey, baseUrl: String(k.rekor.url ?? 'https://rekor.sigstore.dev') }] : undefined,
    ctlogs: typeof k.ctlog?.pubkey === 'string' ? [{ pem: k.ctlog.pubkey, baseUrl: 'https://ctfe.invalid' }] : undefined,
    tsaChains: typeof k.ctlog?.tsaCertChain === 'string' ? [k.ctlog.tsaCertChain] : undefined,
  };
  if (!parts.caChains && !parts.tlogs && !parts.ctlogs && !parts.tsaChains) return undefined;
  // own roots mean a private instance: nothing of the default (public) root applies then
  return trustFromParts(parts.caChains ? undefined : defaultRootJson, parts, what);
}

/** ImageValidatingPolicy cosign attestor: `trustedRoot.value` */
export function ivpolAttestorTrust(cosign: any, what: string): TrustContext | undefined {
  const v = cosign?.trustedRoot?.value;
  if (typeof v !== 'string') return undefined;
  try {
    return trustFromRootJson(v);
  } catch (e) {
    throw new VerifyError('TRUSTED_ROOT_INVALID', `${what}: trustedRoot.value: ${(e as Error).message}`);
  }
}

const b64pem = (s: unknown) => Buffer.from(String(s ?? ''), 'base64').toString('utf8');

/** the key of a TrustRoot `spec.remote` in {@link RemoteTrustRoots}: mirror and base64 root */
export function remoteKey(remote: any): string {
  return `${String(remote?.mirror ?? '')}\n${String(remote?.root ?? '')}`;
}

/** trusted_root.json texts refreshed through TUF for `spec.remote` TrustRoots (or why not), by {@link remoteKey} */
export type RemoteTrustRoots = ReadonlyMap<string, string | VerifyError>;

/**
 * policy-controller TrustRoot: `spec.sigstoreKeys` (base64 PEM chains and keys, complete), or a
 * `spec.remote` root refreshed through TUF beforehand; undefined for `repository` roots
 */
export function cipTrustRoot(trustRoot: any, remotes: RemoteTrustRoots = new Map()): TrustContext | undefined {
  const remote = trustRoot?.spec?.remote;
  if (remote) {
    const got = remotes.get(remoteKey(remote));
    if (got === undefined) return undefined;
    if (got instanceof VerifyError) throw got;
    return trustFromRootJson(got);
  }
  const k = trustRoot?.spec?.sigstoreKeys;
  if (!k) return undefined;
  const what = `TrustRoot/${trustRoot?.metadata?.name}`;
  return trustFromParts(undefined, {
    caChains: (k.certificateAuthorities ?? []).map((c: any) => b64pem(c.certChain)),
    tlogs: (k.tLogs ?? []).map((t: any) => ({ pem: b64pem(t.publicKey), baseUrl: String(t.baseURL ?? '') })),
    ctlogs: (k.ctLogs ?? []).map((t: any) => ({ pem: b64pem(t.publicKey), baseUrl: String(t.baseURL ?? '') })),
    tsaChains: (k.timestampAuthorities ?? []).map((c: any) => b64pem(c.certChain)),
  }, what);
}
