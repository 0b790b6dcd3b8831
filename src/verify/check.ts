import { createHash, KeyObject, verify as cryptoVerify } from 'node:crypto';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { BundleSignature, COSIGN, LegacySignature } from './signatures';
import { goRegexpMatch } from '../checks/matchers/go-regexp';
import { kyvernoWildcardMatch } from '../checks/matchers/kyverno-wildcard';
import { ParsedPublicKey } from '../keys/public-key';

/** A keyless identity, as the policies write it. */
export interface IdentityRequirement {
  readonly subject?: string;
  readonly subjectRegExp?: string;
  readonly issuer?: string;
  readonly issuerRegExp?: string;
}

/** Offline trust: a Sigstore TrustedRoot and/or Rekor public keys. */
export interface TrustContext {
  /** parsed `trusted_root.json` (certificate authorities, tlogs, ctlogs, TSAs) */
  readonly trustedRoot?: TrustedRoot;
  /** Rekor keys (from --rekor-public-key or the trusted root's tlogs), by hex sha256 of the SPKI */
  readonly rekorKeys: readonly { readonly logId: string; readonly key: KeyObject }[];
}

/** What a signature must satisfy: one of the keys, or one of the identities (keyless). */
export interface Requirement {
  readonly keys?: readonly ParsedPublicKey[];
  readonly identities?: readonly IdentityRequirement[];
  /** `wildcard`: Kyverno ClusterPolicy type Cosign (subject/issuer are wildcards, any SAN); default exact */
  readonly identityMatch?: 'exact' | 'wildcard';
  /** accept signatures without a transparency-log entry */
  readonly ignoreTlog: boolean;
  readonly trust: TrustContext;
  /** bundles: the predicate type that counts; default cosign's signature predicate */
  readonly predicateType?: string;
  /**
   * keyless: does the verifier require a verified SCT in the certificate? Engines built on cosign
   * do unless told to ignore SCTs (cosign `ValidateAndUnpackCert`); undefined: only when the
   * trusted root names CT logs (the CLI's rule)
   */
  readonly requireSct?: boolean;
}

export type TlogStatus = 'verified' | 'present-unverified' | 'ignored' | 'missing';

/** The outcome of checking one signature against one requirement. */
export interface SignatureCheck {
  readonly source: string;
  readonly format: 'legacy' | 'bundle';
  readonly ok: boolean;
  /** failure code (NO_SIGNATURES, DIGEST_MISMATCH, BAD_SIGNATURE, IDENTITY_MISMATCH, UNTRUSTED_CERT, TRUSTED_ROOT_REQUIRED, TLOG_MISSING, TLOG_INVALID, PAYLOAD_INVALID, …) */
  readonly code?: string;
  /** what was checked, or what failed */
  readonly reason: string;
  /** `key sha256:<fingerprint>` or the certificate SAN */
  readonly signer?: string;
  readonly issuer?: string;
  readonly tlog?: TlogStatus;
  /** the verified payload (simple-signing JSON or in-toto statement) */
  readonly payload?: unknown;
}

const fail = (s: { source: string }, format: 'legacy' | 'bundle', code: string, reason: string, extra: Partial<SignatureCheck> = {}): SignatureCheck =>
  ({ source: s.source, format, ok: false, code, reason, ...extra });

// ------------------------------------------------------------------ identities

/** undefined when the identity matches; else why not */
export function identityMismatch(id: IdentityRequirement, san: string | undefined, issuer: string | undefined, mode: 'exact' | 'wildcard' = 'exact'): string | undefined {
  const eq = (pattern: string, value: string) => (mode === 'wildcard' ? kyvernoWildcardMatch(pattern, value) : pattern === value);
  const sanText = JSON.stringify(san ?? '');
  if (id.subject !== undefined || id.subjectRegExp !== undefined) {
    if (san === undefined) return 'the certificate has no subject alternative name';
    const bySubject = id.subject !== undefined && eq(id.subject, san);
    const byRegexp = id.subjectRegExp !== undefined && goRegexpMatch(id.subjectRegExp, san);
    // cosign/sigstore-go: subjectRegExp takes precedence; Kyverno type Cosign: either one passes
    const ok = mode === 'wildcard' ? bySubject || byRegexp : id.subjectRegExp !== undefined ? byRegexp : bySubject;
    if (!ok) {
      return `certificate SAN ${sanText} does not match ${id.subjectRegExp !== undefined ? `subjectRegExp ${JSON.stringify(id.subjectRegExp)}` : `subject ${JSON.stringify(id.subject)}`}`;
    }
  }
  if (id.issuer !== undefined || id.issuerRegExp !== undefined) {
    if (issuer === undefined) return 'the certificate has no OIDC issuer extension';
    const ok = id.issuerRegExp !== undefined ? goRegexpMatch(id.issuerRegExp, issuer) : eq(id.issuer!, issuer);
    if (!ok) return `certificate issuer ${JSON.stringify(issuer)} does not match ${id.issuerRegExp !== undefined ? `issuerRegExp ${JSON.stringify(id.issuerRegExp)}` : `issuer ${JSON.stringify(id.issuer)}`}`;
  }
  return undefined;
}

export function describeIdentity(id: IdentityRequirement): string {
  const s = id.subjectRegExp !== undefined ? `subjectRegExp ${id.subjectRegExp}` : `subject ${id.subject ?? '(any)'}`;
  const i = id.issuerRegExp !== undefined ? `issuerRegExp ${id.issuerRegExp}` : `issuer ${id.issuer ?? '(any)'}`;
  return `${s}, ${i}`;
}

// ------------------------------------------------------------------ legacy .sig

function verifyRaw(key: KeyObject, data: Buffer, sig: Buffer): boolean {
  try {
    if (key.asymmetricKeyType === 'ed25519') return cryptoVerify(null, data, key, sig);
    if (key.asymmetricKeyType === 'ec') {
      // ASN.1 DER (cosign), or IEEE-P1363 r||s (sigstore's verifier accepts both)
      return cryptoVerify('sha256', data, { key, dsaEncoding: 'der' }, sig)
        || cryptoVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, sig);
    }
    return cryptoVerify('sha256', data, key, sig); // RSA PKCS#1 v1.5
  } catch {
    return false;
  }
}

/** the simple-signing claims: type and docker-manifest-digest (what cosign's SimpleClaimVerifier checks) */
function checkClaims(payload: Buffer, digest: string): { json?: any; code?: string; reason?: string } {
  let json: any;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return { code: 'PAYLOAD_INVALID', reason: 'the payload is not JSON' };
  }
  const critical = json?.critical;
  if (critical?.type !== COSIGN.payloadType) {
    return { code: 'PAYLOAD_INVALID', reason: `payload critical.type is ${JSON.stringify(critical?.type)}, not "${COSIGN.payloadType}"` };
  }
  const claimed = critical?.image?.['docker-manifest-digest'];
  if (claimed !== digest) {
    return { code: 'DIGEST_MISMATCH', reason: `payload is for ${JSON.stringify(claimed)}, not the image digest ${digest}` };
  }
  return { json };
}

/** the canonical JSON cosign signs as the Rekor SignedEntryTimestamp (keys sorted, compact) */
function setPayload(p: any): Buffer {
  return Buffer.from(`{"body":${JSON.stringify(p.body)},"integratedTime":${Number(p.integratedTime)},"logID":${JSON.stringify(p.logID)},"logIndex":${Number(p.logIndex)}}`);
}

/** what a Rekor entry must record: the signature bytes and the sha256 (hex) of what was signed (payload, or DSSE statement) */
interface TlogExpectation {
  readonly signature: Buffer;
  readonly payloadHash: string;
}

/** the signature and payload hash a Rekor entry body records (hashedrekord 0.0.1, intoto 0.0.2, dsse 0.0.1) */
function recordedInBody(body: any): { signature: Buffer; hash: string } | string {
  const kind = body?.kind;
  const spec = body?.spec;
  if (kind === 'hashedrekord') {
    return { signature: Buffer.from(String(spec?.signature?.content ?? ''), 'base64'), hash: String(spec?.data?.hash?.value ?? '') };
  }
  if (kind === 'intoto' && body?.apiVersion === '0.0.2') {
    // the envelope signature is base64 of the base64 signature in intoto 0.0.2 entries
    const inner = Buffer.from(String(spec?.content?.envelope?.signatures?.[0]?.sig ?? ''), 'base64').toString('utf8');
    return { signature: Buffer.from(inner, 'base64'), hash: String(spec?.content?.payloadHash?.value ?? '') };
  }
  if (kind === 'dsse' && body?.apiVersion === '0.0.1') {
    return { signature: Buffer.from(String(spec?.signatures?.[0]?.signature ?? ''), 'base64'), hash: String(spec?.payloadHash?.value ?? '') };
  }
  return `Rekor entry kind ${JSON.stringify(kind)} version ${JSON.stringify(body?.apiVersion)} is not supported (hashedrekord 0.0.1, intoto 0.0.2 or dsse 0.0.1 expected)`;
}

/** checks the Rekor bundle annotation of a legacy signature/attestation: body ↔ signature/payload, and the SET when a Rekor key is known */
function checkRekorBundle(sig: LegacySignature, trust: TrustContext, expect: TlogExpectation): { status: TlogStatus; code?: string; reason: string } {
  const b = sig.rekorBundle;
  if (b === undefined) return { status: 'missing', reason: 'no Rekor bundle annotation (dev.sigstore.cosign/bundle)' };
  const p = b?.Payload;
  if (!p || typeof p.body !== 'string' || typeof b.SignedEntryTimestamp !== 'string') {
    return { status: 'missing', code: 'TLOG_INVALID', reason: 'the Rekor bundle annotation is malformed' };
  }
  let body: any;
  try {
    body = JSON.parse(Buffer.from(p.body, 'base64').toString('utf8'));
  } catch {
    return { status: 'missing', code: 'TLOG_INVALID', reason: 'the Rekor entry body is not JSON' };
  }
  const recorded = recordedInBody(body);
  if (typeof recorded === 'string') return { status: 'missing', code: 'TLOG_INVALID', reason: recorded };
  if (!recorded.signature.equals(expect.signature)) return { status: 'missing', code: 'TLOG_INVALID', reason: 'the Rekor entry records another signature' };
  if (recorded.hash !== expect.payloadHash) return { status: 'missing', code: 'TLOG_INVALID', reason: 'the Rekor entry records another payload hash' };
  const key = trust.rekorKeys.find((k) => k.logId === String(p.logID));
  if (!key && trust.rekorKeys.length > 0) {
    // the verifier knows its logs (a trusted root or --rekor-public-key): an entry of another log proves nothing,
    // and cosign refuses it too (its Rekor keys are looked up by the entry's log ID)
    return {
      status: 'missing',
      code: 'TLOG_INVALID',
      reason: `the Rekor entry is from log ${String(p.logID).slice(0, 16)}…, which none of the ${trust.rekorKeys.length} trusted Rekor key(s) signs for`,
    };
  }
  if (!key) {
    return { status: 'present-unverified', reason: `tlog entry present (log index ${p.logIndex}; it records this signature and payload hash) but not verified offline: no Rekor public key for log ${String(p.logID).slice(0, 16)}… (pass --rekor-public-key or a trusted root)` };
  }
  if (!verifyRaw(key.key, setPayload(p), Buffer.from(b.SignedEntryTimestamp, 'base64'))) {
    return { status: 'missing', code: 'TLOG_INVALID', reason: 'the Rekor SignedEntryTimestamp does not verify with the Rekor public key' };
  }
  return { status: 'verified', reason: `tlog entry verified (SignedEntryTimestamp, log index ${p.logIndex})` };
}

/** the tlog part of a key-verified legacy signature or attestation, and the verdict */
function keyedVerdict(
  sig: LegacySignature, req: Requirement, signer: string, expect: TlogExpectation, what: string, payload: unknown,
): SignatureCheck {
  const tlog = checkRekorBundle(sig, req.trust, expect);
  if (tlog.code) return fail(sig, 'legacy', tlog.code, tlog.reason, { signer });
  if (req.ignoreTlog) {
    return { source: sig.source, format: 'legacy', ok: true, signer, tlog: 'ignored', payload, reason: `${what}; tlog ignored (--insecure-ignore-tlog)` };
  }
  if (tlog.status === 'missing') return fail(sig, 'legacy', 'TLOG_MISSING', `${tlog.reason}, and the tlog is required`, { signer });
  return { source: sig.source, format: 'legacy', ok: true, signer, tlog: tlog.status, payload, reason: `${what}; ${tlog.reason}` };
}

function keyName(k: ParsedPublicKey): string {
  return `key sha256:${k.fingerprint.slice(0, 16)}…`;
}

/** one legacy simple-signing layer against a requirement */
export function checkLegacy(sig: LegacySignature, digest: string, req: Requirement): SignatureCheck {
  if (sig.error) return fail(sig, 'legacy', sig.error.code, sig.error.message);
  if (!sig.payload) return fail(sig, 'legacy', 'PAYLOAD_INVALID', 'the layer blob could not be read');
  const claims = checkClaims(sig.payload, digest);
  if (claims.code) return fail(sig, 'legacy', claims.code, claims.reason!);
  if (!sig.signature) return fail(sig, 'legacy', 'BAD_SIGNATURE', 'the layer has no dev.cosignproject.cosign/signature annotation');

  if (req.keys && req.keys.length > 0) {
    const key = req.keys.find((k) => verifyRaw(k.keyObject, sig.payload!, sig.signature!));
    if (!key) {
      return fail(sig, 'legacy', 'BAD_SIGNATURE', `the signature over the payload verifies with none of the ${req.keys.length} key(s) (${req.keys.map(keyName).join(', ')})`);
    }
    const signer = keyName(key);
    const expect = { signature: sig.signature, payloadHash: createHash('sha256').update(sig.payload).digest('hex') };
    return keyedVerdict(sig, req, signer, expect, `signature over the payload verified with ${signer}; payload digest matches`, claims.json);
  }
  if (req.identities && req.identities.length > 0) {
    const r = checkLegacyKeyless(sig, req);
    return r.ok ? { ...r, payload: claims.json } : r;
  }
  return fail(sig, 'legacy', 'VERIFY_OPTIONS_INVALID', 'neither a key nor an identity to verify against');
}

function pemBlocks(text: string | undefined): Buffer[] {
  if (!text) return [];
  const out: Buffer[] = [];
  const re = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) out.push(Buffer.from(m[1].replace(/\s+/g, ''), 'base64'));
  return out;
}

/**
 * the certificates, Rekor entry and (signatures only) RFC 3161 timestamp of a legacy layer as the
 * verification material of a v0.1 bundle; a failure when unusable. cosign timestamps the raw
 * signature bytes of a signature (what @sigstore/verify checks a message signature's timestamp
 * against), but the whole envelope of an attestation, so attestation timestamps are not used.
 */
function legacyKeylessMaterial(sig: LegacySignature, req: Requirement, useTimestamp: boolean): any | SignatureCheck {
  const certs = [...pemBlocks(sig.certificatePem), ...pemBlocks(sig.chainPem)];
  if (certs.length === 0) {
    return fail(sig, 'legacy', 'UNTRUSTED_CERT', 'keyless verification needs a certificate (dev.sigstore.cosign/certificate), and the layer has none (signed with a key?)');
  }
  if (!req.trust.trustedRoot) {
    return fail(sig, 'legacy', 'TRUSTED_ROOT_REQUIRED', NEEDS_ROOT);
  }
  const b = sig.rekorBundle;
  const tlogEntries: any[] = [];
  if (b?.Payload && typeof b.SignedEntryTimestamp === 'string') {
    let body: any = {};
    try {
      body = JSON.parse(Buffer.from(String(b.Payload.body), 'base64').toString('utf8'));
    } catch {
      // verifyTLogBody will reject it
    }
    tlogEntries.push({
      logIndex: String(b.Payload.logIndex),
      logId: { keyId: Buffer.from(String(b.Payload.logID), 'hex').toString('base64') },
      kindVersion: { kind: String(body.kind ?? 'hashedrekord'), version: String(body.apiVersion ?? '0.0.1') },
      integratedTime: String(b.Payload.integratedTime),
      inclusionPromise: { signedEntryTimestamp: b.SignedEntryTimestamp },
      canonicalizedBody: String(b.Payload.body),
    });
  }
  const rfc3161Timestamps: { signedTimestamp: string }[] = [];
  const tsa = sig.annotations[COSIGN.timestampAnnotation];
  if (useTimestamp && tsa !== undefined) {
    let ts: unknown;
    try {
      ts = JSON.parse(tsa)?.SignedRFC3161Timestamp;
    } catch {
      // reported below
    }
    if (typeof ts !== 'string') return fail(sig, 'legacy', 'UNTRUSTED_CERT', `the ${COSIGN.timestampAnnotation} annotation is not {"SignedRFC3161Timestamp": "<base64>"}`);
    rfc3161Timestamps.push({ signedTimestamp: ts });
  }
  if (tlogEntries.length === 0 && !req.ignoreTlog) {
    return fail(sig, 'legacy', 'TLOG_MISSING', 'no Rekor bundle annotation (dev.sigstore.cosign/bundle), and the tlog is required');
  }
  if (tlogEntries.length === 0 && rfc3161Timestamps.length === 0) {
    return fail(sig, 'legacy', 'UNTRUSTED_CERT', 'no Rekor bundle annotation (dev.sigstore.cosign/bundle) and no RFC 3161 timestamp '
      + `(${COSIGN.timestampAnnotation}): without a trusted signing time the short-lived certificate cannot be checked`);
  }
  return {
    x509CertificateChain: { certificates: certs.map((c) => ({ rawBytes: c.toString('base64') })) },
    tlogEntries,
    timestampVerificationData: { rfc3161Timestamps },
  };
}

const NEEDS_ROOT = 'keyless verification needs a trusted root: --trusted-root FILE (a Sigstore trusted_root.json) '
  + 'or --public-good-root (the public Sigstore root embedded in @sigstore/tuf)';

const isCheck = (x: any): x is SignatureCheck => typeof x?.ok === 'boolean' && typeof x?.source === 'string';

/** keyless legacy: re-wrapped as a v0.1 message-signature bundle and verified by @sigstore/verify against the trusted root */
function checkLegacyKeyless(sig: LegacySignature, req: Requirement): SignatureCheck {
  const material = legacyKeylessMaterial(sig, req, true);
  if (isCheck(material)) return material;
  const bundleJson = {
    mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1',
    verificationMaterial: material,
    messageSignature: {
      messageDigest: { algorithm: 'SHA2_256', digest: createHash('sha256').update(sig.payload!).digest('base64') },
      signature: sig.signature!.toString('base64'),
    },
  };
  return verifyWithSigstore(sig, 'legacy', bundleJson, sig.payload!, req, 'keyless');
}

// ------------------------------------------------------------------ legacy .att (DSSE)

/** DSSE pre-authentication encoding: `DSSEv1 <len(type)> <type> <len(body)> <body>` (cosign-formats.md §c) */
export function dssePae(payloadType: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(payloadType)} ${payloadType} ${body.length} `), body]);
}

const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** the in-toto statement of a DSSE envelope, its predicate type and subject digest checked; a failure otherwise */
function checkStatement(s: { source: string }, format: 'legacy' | 'bundle', statement: any, digest: string, wantPredicate: string): SignatureCheck | undefined {
  if (statement?.predicateType !== wantPredicate) {
    return fail(s, format, 'PREDICATE_TYPE_MISMATCH', `in-toto predicateType ${JSON.stringify(statement?.predicateType)} is not the required ${wantPredicate}`);
  }
  const hex = digest.replace(/^sha256:/, '');
  const subjects: any[] = Array.isArray(statement?.subject) ? statement.subject : [];
  if (!subjects.some((x) => x?.digest?.sha256 === hex)) {
    return fail(s, format, 'DIGEST_MISMATCH', `no in-toto subject has sha256 ${hex} (subjects: ${subjects.map((x) => x?.digest?.sha256).join(', ') || 'none'})`);
  }
  return undefined;
}

/**
 * one legacy `.att` layer (a DSSE envelope, cosign attest --new-bundle-format=false) against a
 * requirement: the DSSE signature over the PAE with a key or a certificate chaining to the trusted
 * root, the in-toto subject digest, the predicate type (`req.predicateType`), and the tlog.
 */
export function checkLegacyAttestation(sig: LegacySignature, digest: string, req: Requirement): SignatureCheck {
  if (sig.error) return fail(sig, 'legacy', sig.error.code, sig.error.message);
  if (!sig.payload) return fail(sig, 'legacy', 'PAYLOAD_INVALID', 'the layer blob could not be read');
  if (!req.predicateType) return fail(sig, 'legacy', 'VERIFY_OPTIONS_INVALID', 'an attestation check needs the required predicate type');
  let env: any;
  try {
    env = JSON.parse(sig.payload.toString('utf8'));
  } catch {
    return fail(sig, 'legacy', 'PAYLOAD_INVALID', 'the DSSE envelope is not JSON');
  }
  if (typeof env?.payload !== 'string' || typeof env?.payloadType !== 'string' || !Array.isArray(env?.signatures) || env.signatures.length === 0) {
    return fail(sig, 'legacy', 'PAYLOAD_INVALID', 'not a DSSE envelope (payloadType, payload and signatures expected)');
  }
  if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    return fail(sig, 'legacy', 'PAYLOAD_INVALID', `DSSE payloadType ${JSON.stringify(env.payloadType)} is not ${IN_TOTO_PAYLOAD_TYPE}`);
  }
  const body = Buffer.from(env.payload, 'base64');
  let statement: any;
  try {
    statement = JSON.parse(body.toString('utf8'));
  } catch {
    return fail(sig, 'legacy', 'PAYLOAD_INVALID', 'the DSSE payload is not JSON');
  }
  const bad = checkStatement(sig, 'legacy', statement, digest, req.predicateType);
  if (bad) return bad;
  const sigs = (env.signatures as any[]).map((x) => Buffer.from(String(x?.sig ?? ''), 'base64')).filter((b) => b.length > 0);
  if (sigs.length === 0) return fail(sig, 'legacy', 'BAD_SIGNATURE', 'the DSSE envelope has no signature');
  const pae = dssePae(env.payloadType, body);
  const payloadHash = createHash('sha256').update(body).digest('hex');

  if (req.keys && req.keys.length > 0) {
    for (const k of req.keys) {
      const s = sigs.find((x) => verifyRaw(k.keyObject, pae, x));
      if (s) {
        return keyedVerdict(sig, req, keyName(k), { signature: s, payloadHash },
          `DSSE signature (PAE) verified with ${keyName(k)}; in-toto subject matches the digest; predicateType ${req.predicateType}`, statement);
      }
    }
    return fail(sig, 'legacy', 'BAD_SIGNATURE', `the DSSE signature over the PAE verifies with none of the ${req.keys.length} key(s) (${req.keys.map(keyName).join(', ')})`);
  }
  if (req.identities && req.identities.length > 0) {
    const material = legacyKeylessMaterial(sig, req, false);
    if (isCheck(material)) return material;
    const bundleJson = {
      mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1',
      verificationMaterial: material,
      dsseEnvelope: { payload: env.payload, payloadType: env.payloadType, signatures: [{ sig: sigs[0].toString('base64'), keyid: '' }] },
    };
    const r = verifyWithSigstore(sig, 'legacy', bundleJson, undefined, req, 'keyless');
    return r.ok ? { ...r, payload: statement, reason: r.reason.replace('payload digest matches', `in-toto subject matches the digest; predicateType ${req.predicateType}`) } : r;
  }
  return fail(sig, 'legacy', 'VERIFY_OPTIONS_INVALID', 'neither a key nor an identity to verify against');
}

// ------------------------------------------------------------------ bundles

const EMPTY_ROOT = {
  mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  tlogs: [],
  certificateAuthorities: [],
  ctlogs: [],
  timestampAuthorities: [],
};

/** one Sigstore bundle (referrer) against a requirement */
export function checkBundle(b: BundleSignature, digest: string, req: Requirement): SignatureCheck {
  if (b.error) return fail(b, 'bundle', b.error.code, b.error.message);
  const env = b.bundleJson?.dsseEnvelope;
  if (!env || typeof env.payload !== 'string') return fail(b, 'bundle', 'PAYLOAD_INVALID', 'not a DSSE bundle (cosign signs images with an in-toto statement)');
  let statement: any;
  try {
    statement = JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8'));
  } catch {
    return fail(b, 'bundle', 'PAYLOAD_INVALID', 'the DSSE payload is not JSON');
  }
  const bad = checkStatement(b, 'bundle', statement, digest, req.predicateType ?? COSIGN.signPredicateType);
  if (bad) return bad;
  const r = verifyWithSigstore(b, 'bundle', b.bundleJson, undefined, req, req.keys && req.keys.length > 0 ? 'key' : 'keyless');
  return r.ok ? { ...r, payload: statement } : r;
}

function toTrustedRoot(trust: TrustContext, withRekorKeys: boolean): TrustedRoot {
  const base = trust.trustedRoot ?? TrustedRoot.fromJSON(EMPTY_ROOT);
  if (!withRekorKeys || trust.trustedRoot) return base;
  // --rekor-public-key without a trusted root: a root holding just that log
  return TrustedRoot.fromJSON({
    ...EMPTY_ROOT,
    tlogs: trust.rekorKeys.map((k) => ({
      baseUrl: 'https://rekor.invalid',
      hashAlgorithm: 'SHA2_256',
      publicKey: { rawBytes: k.key.export({ type: 'spki', format: 'der' }).toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: '1970-01-01T00:00:00Z' } },
      logId: { keyId: Buffer.from(k.logId, 'hex').toString('base64') },
    })),
  });
}

function verifyWithSigstore(
  s: { source: string }, format: 'legacy' | 'bundle', bundleJson: any, artifact: Buffer | undefined, req: Requirement, mode: 'key' | 'keyless',
): SignatureCheck {
  let bundle;
  try {
    bundle = bundleFromJSON(bundleJson);
  } catch (e) {
    return fail(s, format, 'PAYLOAD_INVALID', `not a valid Sigstore bundle: ${(e as Error).message}`);
  }
  const entries = bundle.verificationMaterial.tlogEntries ?? [];
  const tlogKnown = entries.length > 0 && (req.trust.rekorKeys.length > 0 || (req.trust.trustedRoot?.tlogs.length ?? 0) > 0);
  let tlog: TlogStatus;
  if (entries.length === 0) tlog = 'missing';
  else tlog = tlogKnown ? 'verified' : 'present-unverified';
  if (tlog === 'missing' && !req.ignoreTlog) return fail(s, format, 'TLOG_MISSING', 'the signature has no transparency-log entry, and the tlog is required');
  if (tlog === 'present-unverified') {
    // @sigstore/verify checks every entry's inclusion against known logs: without the log's key, leave them out
    (bundle.verificationMaterial as any).tlogEntries = [];
  }

  if (mode === 'key') {
    if (bundle.verificationMaterial.content.$case !== 'publicKey') {
      return fail(s, format, 'BAD_SIGNATURE', 'the bundle carries a certificate (keyless), but a key is required');
    }
    const reasons: string[] = [];
    const codes: (string | undefined)[] = [];
    for (const key of req.keys ?? []) {
      try {
        const trust = toTrustMaterial(toTrustedRoot(req.trust, tlog === 'verified'), () => ({ publicKey: key.keyObject, validFor: () => true }));
        new Verifier(trust, { tlogThreshold: tlog === 'verified' ? 1 : 0, ctlogThreshold: 0, timestampThreshold: 0 }).verify(toSignedEntity(bundle, artifact));
        return {
          source: s.source,
          format,
          ok: true,
          signer: keyName(key),
          tlog: req.ignoreTlog && tlog !== 'verified' ? 'ignored' : tlog,
          reason: `bundle signature verified with ${keyName(key)}; in-toto subject matches the digest; ${tlogText(tlog, req.ignoreTlog)}`,
        };
      } catch (e) {
        codes.push((e as { code?: string }).code);
        reasons.push(`${keyName(key)}: ${(e as Error).message}`);
      }
    }
    // every key failed on the transparency log (@sigstore/verify TLOG_* codes, e.g. a SET no trusted log key signs): the log, not the signature
    const tlogOnly = codes.length > 0 && codes.every((c) => c?.startsWith('TLOG_'));
    return fail(s, format, tlogOnly ? 'TLOG_INVALID' : 'BAD_SIGNATURE', `the bundle verifies with none of the ${reasons.length} key(s): ${reasons.join('; ')}`);
  }

  if (!req.trust.trustedRoot) {
    return fail(s, format, 'TRUSTED_ROOT_REQUIRED', NEEDS_ROOT);
  }
  const root = req.trust.trustedRoot;
  let signer;
  try {
    const trust = toTrustMaterial(root);
    signer = new Verifier(trust, {
      tlogThreshold: tlog === 'verified' ? 1 : 0,
      ctlogThreshold: sctRequired(req, root) ? 1 : 0,
      timestampThreshold: 1,
    }).verify(toSignedEntity(bundle, artifact));
  } catch (e) {
    const code = (e as { code?: string }).code;
    const mapped = code === 'SIGNATURE_ERROR' ? 'BAD_SIGNATURE' : code?.startsWith('TLOG_') ? 'TLOG_INVALID' : 'UNTRUSTED_CERT';
    return fail(s, format, mapped, `@sigstore/verify: ${code ?? ''} ${(e as Error).message}`.trim());
  }
  const san = signer.identity?.subjectAlternativeName;
  const issuer = signer.identity?.extensions?.issuer;
  const mismatches: string[] = [];
  for (const id of req.identities ?? []) {
    const why = identityMismatch(id, san, issuer, req.identityMatch);
    if (why === undefined) {
      return {
        source: s.source,
        format,
        ok: true,
        signer: san,
        issuer,
        tlog: req.ignoreTlog && tlog !== 'verified' ? 'ignored' : tlog,
        reason: `certificate chains to the trusted root; SAN ${san} and issuer ${issuer} match (${describeIdentity(id)}); signature verified; `
          + `${format === 'bundle' ? 'in-toto subject' : 'payload'} digest matches; ${tlogText(tlog, req.ignoreTlog)}`
          + `${(bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps.length ?? 0) > 0 ? '; RFC 3161 timestamp verified' : ''}`
          + `${sctText(req, root)}`,
      };
    }
    mismatches.push(why);
  }
  return fail(s, format, 'IDENTITY_MISMATCH', mismatches.join('; '), { signer: san, issuer });
}

function sctRequired(req: Requirement, root: TrustedRoot): boolean {
  return req.requireSct ?? root.ctlogs.length > 0;
}

function sctText(req: Requirement, root: TrustedRoot): string {
  if (sctRequired(req, root)) return '; SCT verified';
  return req.requireSct === false ? '; SCT not required (the policy ignores SCTs)' : '; no CT log in the trusted root: SCT not checked';
}

function tlogText(tlog: TlogStatus, ignore: boolean): string {
  if (tlog === 'verified') return 'tlog entry verified against the Rekor key';
  if (tlog === 'present-unverified') return 'tlog entry present but not verified offline (no Rekor public key given)';
  return ignore ? 'tlog ignored (--insecure-ignore-tlog)' : 'no tlog entry';
}
