import { evaluateCipPolicy, evaluateKyvernoConditions, PolicyOutcome } from './attestation-policy';
import { checkBundle, checkLegacy, checkLegacyAttestation, describeIdentity, IdentityRequirement, Requirement, SignatureCheck, TrustContext } from './check';
import { cipTrustRoot, ivpolAttestorTrust, kyvernoEntryTrust, RemoteTrustRoots } from './policy-trust';
import { BundleSignature, CollectedSignatures } from './signatures';
import type { AdmissionVerdict } from './verdict';
import { matchImage } from '../checks/matchers/engine';
import { cipAuthorityNeedsPublicTuf, ivpolAttestorNeedsPublicTuf, kyvernoEntryNeedsPublicTuf } from '../cluster/public-tuf';
import { parsePublicKeyPem, ParsedPublicKey } from '../keys/public-key';
import { Version, versionAtLeast } from '../model/model';

/** What one policy object would do with the image: the public verdict struct, built here. */
export type AdmissionDecision = AdmissionVerdict;

export interface AdmissionInput {
  readonly cluster: string;
  readonly objects: readonly any[];
  /** the image as a Pod names it */
  readonly image: string;
  /** `registry/repository` of the image */
  readonly repository: string;
  readonly digest: string;
  readonly signatures: CollectedSignatures;
  /** the `.att` layers and bundle referrers (attestations); without them attestation requirements fail closed */
  readonly attestations?: CollectedSignatures;
  /** the engines' default trust (the public Sigstore root, or the verifier's), for policies that name none */
  readonly trust: TrustContext;
  /** the same default as TrustedRoot JSON, the base a Kyverno entry's `rekor.pubkey`/`ctlog.pubkey` modify */
  readonly defaultRootJson?: string;
  /** the KMS keys the policies name (`policyKmsKeys`), read from the KMS as the engines read them, or why not */
  readonly kmsKeys?: ReadonlyMap<string, KmsKeyLookup>;
  /** policy-controller `spec.remote` TrustRoots, refreshed through TUF beforehand */
  readonly remoteTrustRoots?: RemoteTrustRoots;
  /** what the blueprint says about the cluster the objects are for */
  readonly clusterFacts?: ClusterFacts;
}

/** The cluster facts a verdict depends on beyond the policy objects. */
interface ClusterFacts {
  /** the Kyverno version the policies target */
  readonly kyvernoVersion?: Version;
  /** the cluster cannot reach the public Sigstore services (TUF repository, Rekor) */
  readonly airGapped?: boolean;
}

/** a KMS key's public key (PEM), or why it could not be read */
export interface KmsKeyLookup { readonly pem?: string; readonly error?: string }

/** the KMS key references of policy objects (Kyverno `keys.kms`, ImageValidatingPolicy `cosign.key.kms`, CIP `key.kms`) */
export function policyKmsKeys(objects: readonly any[]): string[] {
  const found = new Set<string>();
  const walk = (x: any): void => {
    if (Array.isArray(x)) {
      x.forEach(walk);
    } else if (x && typeof x === 'object') {
      for (const [k, v] of Object.entries(x)) {
        if (k === 'kms' && typeof v === 'string' && v !== '') found.add(v);
        else walk(v);
      }
    }
  };
  walk(objects);
  return [...found];
}

/** the public key of a KMS key a policy names, as looked up before the evaluation */
function kmsPolicyKeys(input: AdmissionInput, uri: string, label: string): ParsedPublicKey[] | AttestorOutcome {
  const found = input.kmsKeys?.get(uri);
  if (found?.pem === undefined) {
    return { ok: false, code: 'VERIFY_OPTIONS_INVALID', text: `${label}: KMS key ${uri}: ${found?.error ?? 'its public key was not read'}` };
  }
  try {
    return splitPems(found.pem);
  } catch (e) {
    return { ok: false, code: 'VERIFY_OPTIONS_INVALID', text: `${label}: KMS key ${uri}: ${(e as Error).message}` };
  }
}
const isKeys = (x: ParsedPublicKey[] | AttestorOutcome): x is ParsedPublicKey[] => Array.isArray(x);

/** the trust a policy names, or the default; a failed outcome when its trust material is invalid */
function policyTrust(input: AdmissionInput, label: string, derive: () => TrustContext | undefined): TrustContext | AttestorOutcome {
  try {
    return derive() ?? input.trust;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    return { ok: false, code: typeof code === 'string' ? code : 'TRUSTED_ROOT_INVALID', text: `${label}: ${(e as Error).message}` };
  }
}
const isOutcome = (x: TrustContext | AttestorOutcome): x is AttestorOutcome => typeof (x as AttestorOutcome).ok === 'boolean';

/** what an attestor must show: signatures, or attestations of a predicate type whose statement satisfies a policy */
interface AttestationNeed {
  readonly predicateType: string;
  /** the policy over the verified in-toto statement */
  readonly policy: (statement: any) => PolicyOutcome;
}

interface AttestorOutcome { readonly ok: boolean; readonly text: string; readonly code?: string }

function splitPems(text: string): ParsedPublicKey[] {
  const blocks = text.match(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g) ?? [];
  return blocks.map((b) => parsePublicKeyPem(b, 'policy public key'));
}

/**
 * Kyverno ClusterPolicy `type: SigstoreBundle` reads only the referrers whose listed artifactType
 * starts with `application/vnd.dev.sigstore.bundle` (v1.16.3 pkg/cosign/sigstore.go, v1.19.1
 * pkg/image/verifiers/cpol/cosign/sigstore.go `fetchBundles`). cosign v3.0 on a registry without
 * the referrers API lists its bundle in the fallback-tag index under the empty config's type
 * (`application/vnd.oci.empty.v1+json`): Kyverno never sees it there.
 */
const KYVERNO_LISTED_BUNDLE = (b: BundleSignature) => (b.listedArtifactType ?? '').startsWith('application/vnd.dev.sigstore.bundle');

/**
 * the best check of any signature (or, with `need`, attestation) in `format` against `req`: the
 * first that verifies (and whose statement satisfies the policy), else the failures
 */
function satisfy(
  input: AdmissionInput, format: 'legacy' | 'bundle' | 'any', req: Requirement, label: string, need?: AttestationNeed,
  seesBundle: (b: BundleSignature) => boolean = () => true,
): AttestorOutcome {
  const digest = input.digest;
  const sigs = need ? input.attestations : input.signatures;
  if (!sigs) return { ok: false, code: 'ATTESTATION_NOT_EVALUATED', text: `${label}: attestations were not collected` };
  const r: Requirement = need ? { ...req, predicateType: need.predicateType } : req;
  const checks: SignatureCheck[] = [];
  const unseen = format === 'legacy' ? [] : sigs.bundles.filter((b) => !seesBundle(b));
  if (format !== 'legacy') checks.push(...sigs.bundles.filter(seesBundle).map((b) => checkBundle(b, digest, r)));
  if (format !== 'bundle') checks.push(...sigs.legacy.map((l) => (need ? checkLegacyAttestation(l, digest, r) : checkLegacy(l, digest, r))));
  const failures: SignatureCheck[] = [];
  for (const c of checks.filter((x) => x.ok)) {
    if (!need) return { ok: true, text: `${label}: verified ${c.source} (${c.reason})` };
    const p = need.policy(c.payload);
    if (p.ok) return { ok: true, text: `${label}: verified ${c.source} (${c.reason}); ${p.reason}` };
    failures.push({ ...c, ok: false, code: p.unsupported ? 'POLICY_NOT_EVALUATED' : 'POLICY_FAILED', reason: `${c.reason}, but ${p.reason}` });
  }
  failures.push(...checks.filter((x) => !x.ok));
  // a verified statement of another predicate type explains least
  failures.sort((a, b) => Number(a.code === 'PREDICATE_TYPE_MISMATCH') - Number(b.code === 'PREDICATE_TYPE_MISMATCH'));
  const what = need ? `attestation ${need.predicateType}` : 'signature';
  if (failures.length === 0) {
    const hidden = unseen.length === 0 ? '' : `; ${unseen.map((b) => b.source).join(', ')} listed with artifactType ${unseen.map((b) => JSON.stringify(b.listedArtifactType ?? '')).join(', ')}, `
      + 'which Kyverno skips (it reads only referrers listed as application/vnd.dev.sigstore.bundle*)';
    const where = format === 'legacy' ? `no legacy ${what} at ${sigs.legacyTag}` : format === 'bundle'
      ? `no Sigstore bundle referrer (referrers listed via ${sigs.referrersVia})${hidden}` : `no ${what} at ${sigs.legacyTag} and no bundle referrer`;
    const regErr = sigs.errors.length > 0 ? `; registry errors: ${sigs.errors.map((e) => `${e.code} ${e.message}`).join('; ')}` : '';
    return { ok: false, code: sigs.errors.length > 0 ? 'REGISTRY_ERROR' : need ? 'NO_ATTESTATIONS' : 'NO_SIGNATURES', text: `${label}: ${where}${regErr}` };
  }
  return { ok: false, code: failures[0].code, text: `${label}: ${failures.map((c) => `${c.source}: [${c.code}] ${c.reason}`).join('; ')}` };
}

function firstMatch(engine: 'kyverno' | 'kyverno-ivpol' | 'policy-controller', patterns: readonly string[], image: string): { pattern?: string; why: string } {
  const tried: string[] = [];
  for (const p of patterns) {
    try {
      const r = matchImage(engine, p, image);
      if (r.matched) return { pattern: p, why: `pattern ${JSON.stringify(p)} matches: ${r.reason}` };
      tried.push(p);
    } catch (e) {
      tried.push(`${p} (invalid: ${(e as Error).message})`);
    }
  }
  return { why: `none of the patterns ${JSON.stringify(tried)} matches ${JSON.stringify(image)}` };
}

function decision(input: AdmissionInput, engine: string, policy: string, enforcing: boolean, match: { pattern?: string; why: string },
  outcome?: { ok: boolean; code?: string; reasons: string[] }): AdmissionDecision {
  if (!match.pattern || !outcome) {
    return { cluster: input.cluster, engine, policy, matched: false, match: match.why, admitted: true, reasons: ['the policy does not select this image'], enforcing };
  }
  return {
    cluster: input.cluster,
    engine,
    policy,
    matched: true,
    match: match.why,
    enforcing,
    admitted: outcome.ok || !enforcing,
    satisfied: outcome.ok,
    code: outcome.ok ? undefined : outcome.code ?? 'NO_SIGNATURES',
    reasons: outcome.ok || enforcing ? outcome.reasons : [...outcome.reasons, 'the policy only audits/warns: the Pod is admitted and the violation reported'],
  };
}

// ------------------------------------------------------------------ Kyverno ClusterPolicy

/** the failed outcome of a verifier that needs the public Sigstore TUF repository in an air-gapped cluster */
function unreachable(input: AdmissionInput, label: string, needs: boolean, what: string): AttestorOutcome | undefined {
  if (!input.clusterFacts?.airGapped || !needs) return undefined;
  return { ok: false, code: 'SIGSTORE_UNREACHABLE', text: `${label}: ${what} through the public Sigstore TUF repository, and the cluster is air-gapped: the verification fails` };
}

function kyvernoAttestor(input: AdmissionInput, e: any, format: 'legacy' | 'bundle', i: number, need?: AttestationNeed): AttestorOutcome {
  const cut = unreachable(input, `entry ${i}`, kyvernoEntryNeedsPublicTuf(e, format === 'bundle' ? 'SigstoreBundle' : 'Cosign'),
    'Kyverno fetches the Rekor/CT log keys, Fulcio roots or trusted root this entry needs');
  if (cut) return cut;
  // type SigstoreBundle, keyless: Kyverno takes the trusted root only from its TUF repository and
  // ignores the entry's roots, rekor and ctlog (kyverno v1.16.3 pkg/cosign/sigstore.go, v1.19.1
  // pkg/image/verifiers/cpol/cosign/sigstore.go getTrustedMaterial → getTrustedRoot): the default
  const tufOnly = format === 'bundle' && e?.keyless !== undefined;
  const trust = tufOnly ? input.trust : policyTrust(input, `entry ${i}`, () => kyvernoEntryTrust(input.defaultRootJson, e, `entry ${i}`));
  if (isOutcome(trust)) return trust;
  if (e?.keys) {
    const ignoreTlog = e.keys.rekor?.ignoreTlog === true;
    let keys: ParsedPublicKey[];
    const kms = !e.keys.publicKeys && typeof e.keys.kms === 'string' ? String(e.keys.kms) : undefined;
    if (kms !== undefined) {
      const got = kmsPolicyKeys(input, kms, `entry ${i}`);
      if (!isKeys(got)) return got;
      keys = got;
    } else {
      try {
        keys = splitPems(String(e.keys.publicKeys ?? ''));
      } catch (err) {
        return { ok: false, code: 'VERIFY_OPTIONS_INVALID', text: `entry ${i}: ${(err as Error).message}` };
      }
    }
    if (keys.length === 0) return { ok: false, code: 'VERIFY_OPTIONS_INVALID', text: `entry ${i}: keys without inline publicKeys or kms (secret) cannot be evaluated here` };
    return satisfy(input, format, { keys, ignoreTlog, trust }, `entry ${i} (keys${kms ? ` kms ${kms}` : ''}, tlog ${ignoreTlog ? 'ignored' : 'required'})`, need, KYVERNO_LISTED_BUNDLE);
  }
  if (e?.keyless) {
    const k = e.keyless;
    const id: IdentityRequirement = { subject: k.subject, subjectRegExp: k.subjectRegExp, issuer: k.issuer, issuerRegExp: k.issuerRegExp };
    const ignoreTlog = k.rekor?.ignoreTlog === true;
    // type Cosign needs an embedded SCT unless ctlog.ignoreSCT (Kyverno forces IgnoreSCT for
    // attestations, pkg/engine/internal/imageverifier.go); SigstoreBundle asks sigstore-go for an
    // observer timestamp (a tlog entry or TSA), not an SCT
    const requireSct = format === 'legacy' && !need && k.ctlog?.ignoreSCT !== true;
    const roots = tufOnly && (k.roots !== undefined || k.rekor?.pubkey !== undefined) ? ', roots/rekor ignored: type SigstoreBundle reads the trusted root from TUF' : '';
    return satisfy(input, format, { identities: [id], identityMatch: format === 'legacy' ? 'wildcard' : 'exact', ignoreTlog, trust, requireSct },
      `entry ${i} (keyless ${describeIdentity(id)}${roots})`, need, KYVERNO_LISTED_BUNDLE);
  }
  return { ok: false, code: 'VERIFY_OPTIONS_INVALID', text: `entry ${i}: attestor kind ${Object.keys(e ?? {}).join('/')} is not evaluated here` };
}

/** Kyverno attestor sets: every set needs `count` (default: all) of its entries to verify */
function kyvernoAttestorSets(input: AdmissionInput, sets: any[], format: 'legacy' | 'bundle', label: string, need?: AttestationNeed) {
  const reasons: string[] = [];
  let ok = true;
  let code: string | undefined;
  for (const [si, set] of sets.entries()) {
    const entries: any[] = set.entries ?? [];
    const needCount = set.count && set.count > 0 ? set.count : entries.length;
    const results = entries.map((e, i) => kyvernoAttestor(input, e, format, i, need));
    const passed = results.filter((r) => r.ok).length;
    reasons.push(`${label}attestors[${si}]: ${passed} of ${entries.length} entries verified, ${needCount} required`, ...results.map((r) => `  ${r.text}`));
    if (passed < needCount) {
      ok = false;
      code = code ?? results.find((r) => !r.ok)?.code;
    }
  }
  return { ok, code, reasons };
}

function kyvernoClusterPolicy(input: AdmissionInput, obj: any): AdmissionDecision[] {
  const out: AdmissionDecision[] = [];
  const policy = `ClusterPolicy/${obj.metadata?.name}`;
  for (const rule of obj.spec?.rules ?? []) {
    for (const [vi, v] of (rule.verifyImages ?? []).entries()) {
      const action = v.failureAction ?? obj.spec?.validationFailureAction ?? 'Audit';
      const enforcing = action === 'Enforce';
      const name = `${policy} rule ${rule.name} verifyImages[${vi}]`;
      const m = firstMatch('kyverno', v.imageReferences ?? [], input.image);
      if (m.pattern && (v.skipImageReferences ?? []).length > 0 && firstMatch('kyverno', v.skipImageReferences, input.image).pattern) {
        out.push(decision(input, 'kyverno', name, enforcing, { why: `${m.why}, but skipImageReferences also matches` }));
        continue;
      }
      if (!m.pattern) {
        out.push(decision(input, 'kyverno', name, enforcing, m));
        continue;
      }
      const format = v.type === 'SigstoreBundle' ? 'bundle' : 'legacy';
      const reasons: string[] = [`type ${v.type ?? 'Cosign'} reads ${format === 'bundle' ? 'Sigstore bundle referrers' : 'the legacy .sig/.att tags'}`];
      const sig = kyvernoAttestorSets(input, v.attestors ?? [], format, '');
      let ok = sig.ok;
      let code = sig.code;
      reasons.push(...sig.reasons);
      for (const [ai, att] of (v.attestations ?? []).entries()) {
        const type = att?.type ?? att?.predicateType;
        const label = `attestations[${ai}] ${type}: `;
        if (typeof type !== 'string' || (att.attestors ?? []).length === 0) {
          ok = false;
          code = code ?? 'ATTESTATION_NOT_EVALUATED';
          reasons.push(`${label}no predicate type or no attestors: not evaluated here, not claiming admission`);
          continue;
        }
        // Kyverno evaluates the conditions over the statement's predicate
        const need: AttestationNeed = { predicateType: type, policy: (st) => evaluateKyvernoConditions(att.conditions, st?.predicate) };
        const r = kyvernoAttestorSets(input, att.attestors, format, label, need);
        reasons.push(...r.reasons);
        if (!r.ok) {
          ok = false;
          code = code ?? r.code;
        }
      }
      out.push(decision(input, 'kyverno', name, enforcing, m, { ok, code, reasons }));
    }
  }
  return out;
}

// ------------------------------------------------------------------ Kyverno ImageValidatingPolicy

function ivpol(input: AdmissionInput, obj: any): AdmissionDecision[] {
  const spec = obj.spec ?? {};
  const policy = `ImageValidatingPolicy/${obj.metadata?.name}`;
  const enforcing = (spec.validationActions ?? []).includes('Deny');
  const m = firstMatch('kyverno-ivpol', (spec.matchImageReferences ?? []).map((r: any) => r.glob).filter((g: any) => typeof g === 'string'), input.image);
  if (!m.pattern) return [decision(input, 'kyverno-ivpol', policy, enforcing, m)];
  const attestors = new Map<string, any>((spec.attestors ?? []).map((a: any) => [a.name, a]));
  const attestations = new Map<string, any>((spec.attestations ?? []).map((a: any) => [a.name, a]));
  const reasons: string[] = [];
  let ok = true;
  let code: string | undefined;
  const names = (list: string) => list.split(',').map((x) => x.trim().replace(/^attestors\./, '')).filter((x) => x !== '');
  for (const v of spec.validations ?? []) {
    const expr = String(v.expression ?? '');
    const sigCall = /verifyImageSignatures\(image,\s*\[([^\]]*)\]\)/.exec(expr);
    const attCall = /verifyAttestationSignatures\(image,\s*attestations\.([A-Za-z0-9_-]+),\s*\[([^\]]*)\]\)/.exec(expr);
    let need: AttestationNeed | undefined;
    let list: string;
    if (attCall) {
      const att = attestations.get(attCall[1]);
      const type = att?.intoto?.type;
      if (typeof type !== 'string') {
        ok = false;
        code = code ?? 'ATTESTATION_NOT_EVALUATED';
        reasons.push(`validation "${v.message}": attestation ${attCall[1]} is not an intoto attestation (referrer attestations are not evaluated here): not claiming admission`);
        continue;
      }
      // verifyAttestationSignatures counts verified attestations of the type; predicate checks are separate CEL
      need = { predicateType: type, policy: () => ({ ok: true, reason: `predicateType ${type}` }) };
      list = attCall[2];
    } else if (sigCall) {
      list = sigCall[1];
    } else {
      ok = false;
      code = code ?? 'VERIFY_OPTIONS_INVALID';
      reasons.push(`validation ${JSON.stringify(expr)} is not a verifyImageSignatures(...) / verifyAttestationSignatures(...) > 0 check: not evaluated`);
      continue;
    }
    const ns = names(list);
    const results = ns.map((n) => ivpolAttestor(input, n, attestors.get(n), need));
    const passed = results.filter((r) => r.ok).length;
    reasons.push(`validation "${v.message}": ${passed} of ${ns.length} attestors verified (> 0 required)`, ...results.map((r) => `  ${r.text}`));
    if (passed === 0) {
      ok = false;
      code = code ?? results[0]?.code;
    }
  }
  return [decision(input, 'kyverno-ivpol', policy, enforcing, m, { ok, code, reasons })];
}

function ivpolAttestor(input: AdmissionInput, name: string, a: any, need?: AttestationNeed): AttestorOutcome {
  const cosign = a?.cosign;
  if (!cosign) return { ok: false, code: 'VERIFY_OPTIONS_INVALID', text: `attestor ${name}: not a cosign attestor` };
  const kyverno = input.clusterFacts?.kyvernoVersion;
  const cut = unreachable(input, `attestor ${name}`, ivpolAttestorNeedsPublicTuf(cosign, kyverno),
    `Kyverno ${kyverno?.text ?? ''} initializes the Sigstore TUF client for this attestor (every cosign attestor before 1.19; `
    + 'from 1.19 all but key/certificate attestors with insecureIgnoreTlog)');
  if (cut) return cut;
  // verifyAttestationSignatures fails whenever cosign reports the tlog/bundle unverified, whatever
  // insecureIgnoreTlog says (kyverno#17109; VerifyAttestationSignature in v1.16.3
  // pkg/imageverification/imageverifiers/cosign/verifier.go and v1.19.1
  // pkg/image/verifiers/ivpol/cosign/verifier.go: "cosign bundle verification failed"); only
  // verifyImageSignatures honours it
  const ignoreTlog = cosign.ctlog?.insecureIgnoreTlog === true && !need;
  const tlogNote = need && cosign.ctlog?.insecureIgnoreTlog === true ? ', required for attestations despite insecureIgnoreTlog: kyverno#17109' : '';
  // `cosign.trustedRoot` exists from Kyverno 1.19 (absent from the v1.16.3 API types and CRD, which
  // prunes it; kyverno#15507): before, the attestor uses the default (TUF) root
  const rootIgnored = cosign.trustedRoot !== undefined && kyverno !== undefined && !versionAtLeast(kyverno, 1, 19);
  const trust = rootIgnored ? input.trust : policyTrust(input, `attestor ${name}`, () => ivpolAttestorTrust(cosign, `attestor ${name}`));
  if (isOutcome(trust)) return trust;
  const rootNote = rootIgnored ? `, trustedRoot ignored: Kyverno ${kyverno.text} has no such field (from 1.19)` : '';
  if (cosign.key?.data || typeof cosign.key?.kms === 'string') {
    const kms = cosign.key.data ? undefined : String(cosign.key.kms);
    const keys = kms !== undefined ? kmsPolicyKeys(input, kms, `attestor ${name}`) : splitPems(String(cosign.key.data));
    if (!isKeys(keys)) return keys;
    const r = satisfy(input, 'any', { keys, ignoreTlog, trust }, `attestor ${name} (key${kms ? ` kms ${kms}` : ''}, tlog ${ignoreTlog ? 'ignored' : 'required'}${tlogNote})`, need);
    // Kyverno 1.19.0 regressed key verification of v0.3 bundle referrers (kyverno#17363)
    return r.ok && /@sha256:/.test(r.text) && !/\.(sig|att) layer/.test(r.text) ? { ...r, text: `${r.text} (note: Kyverno 1.19.0 fails key-verified bundles, kyverno#17363)` } : r;
  }
  const ids: any[] = cosign.keyless?.identities ?? [];
  if (ids.length > 0) {
    // cosign's CheckOpts: an embedded SCT unless ctlog.insecureIgnoreSCT (ivpol/cosign/opts.go)
    const requireSct = cosign.ctlog?.insecureIgnoreSCT !== true;
    return satisfy(input, 'any', { identities: ids, identityMatch: 'exact', ignoreTlog, trust, requireSct },
      `attestor ${name} (keyless ${ids.map(describeIdentity).join(' | ')}${tlogNote}${rootNote})`, need);
  }
  return { ok: false, code: 'VERIFY_OPTIONS_INVALID', text: `attestor ${name}: no key data or keyless identities` };
}

// ------------------------------------------------------------------ policy-controller

function cipAuthority(input: AdmissionInput, a: any): AttestorOutcome {
  const label = `authority ${a.name ?? '?'}`;
  if (a.static) return { ok: a.static.action === 'pass', code: 'STATIC_FAIL', text: `${label}: static ${a.static.action}` };
  const cut = unreachable(input, label, cipAuthorityNeedsPublicTuf(a), 'policy-controller fetches the Rekor keys or Fulcio roots this authority needs');
  if (cut) return cut;
  const format = a.signatureFormat === 'bundle' ? 'bundle' : 'legacy';
  // no ctlog => tlog verification skipped (admission-engines.md §4.1)
  const ignoreTlog = !a.ctlog;
  const ref = a.keyless?.trustRootRef ?? a.ctlog?.trustRootRef;
  const trust = policyTrust(input, label, () => {
    if (ref === undefined) return undefined;
    const tr = input.objects.find((o) => o?.kind === 'TrustRoot' && o?.metadata?.name === ref);
    if (!tr) throw new Error(`trustRootRef ${ref}: no TrustRoot of that name among the cluster's objects`);
    const t = cipTrustRoot(tr, input.remoteTrustRoots);
    if (!t) throw new Error(`TrustRoot ${ref} has no inline sigstoreKeys or remote (repository roots are not evaluated here)`);
    return t;
  });
  if (isOutcome(trust)) return trust;
  let req: Requirement;
  let what: string;
  if (a.key?.data) {
    req = { keys: splitPems(String(a.key.data)), ignoreTlog, trust };
    what = `key, ${format}, tlog ${ignoreTlog ? 'not checked' : 'required'}`;
  } else if (typeof a.key?.kms === 'string') {
    const keys = kmsPolicyKeys(input, a.key.kms, label);
    if (!isKeys(keys)) return keys;
    req = { keys, ignoreTlog, trust };
    what = `key kms ${a.key.kms}, ${format}, tlog ${ignoreTlog ? 'not checked' : 'required'}`;
  } else if ((a.keyless?.identities ?? []).length > 0) {
    const ids: any[] = a.keyless.identities;
    // an embedded SCT unless keyless.insecureIgnoreSCT (pkg/webhook/validator.go checkOptsFromAuthority)
    req = { identities: ids, identityMatch: 'exact', ignoreTlog, trust, requireSct: a.keyless.insecureIgnoreSCT !== true };
    what = `keyless ${ids.map(describeIdentity).join(' | ')}, ${format}`;
  } else {
    return { ok: false, code: 'VERIFY_OPTIONS_INVALID', text: `${label}: secretRef keys are not evaluated here` };
  }
  const atts: any[] = a.attestations ?? [];
  if (atts.length === 0 && format === 'bundle') {
    // image signatures with signatureFormat bundle: policy-controller 0.15.1's cosign (v3.0.5
    // pkg/cosign/verify.go VerifyImageSignatures) refuses before looking (the tester says so too)
    return { ok: false, code: 'FORMAT_UNSUPPORTED', text: `${label} (${what}): policy-controller does not verify image signatures stored as Sigstore bundles ("bundle support for image signatures is not yet implemented"; bundles work for attestations only)` };
  }
  if (atts.length === 0) return satisfy(input, format, req, `${label} (${what})`);
  // an authority with attestations checks only them (validator.go: "the verify-attestations path"), every one of them
  const results = atts.map((x: any) => satisfy(input, format, req, `${label} (${what}) attestation ${x.name ?? '?'}`,
    { predicateType: String(x.predicateType), policy: (st) => evaluateCipPolicy(x.policy, st) }));
  const bad = results.find((r: AttestorOutcome) => !r.ok);
  return {
    ok: !bad,
    code: bad?.code,
    text: `${label}: attestations only (policy-controller does not check signatures for an authority with attestations): `
    + results.map((r: AttestorOutcome) => r.text).join('; '),
  };
}

function policyController(input: AdmissionInput, cips: any[]): AdmissionDecision[] {
  const admissionImage = `${input.repository}@${input.digest}`;
  const out: AdmissionDecision[] = [];
  for (const obj of cips) {
    const spec = obj.spec ?? {};
    const policy = `ClusterImagePolicy/${obj.metadata?.name}`;
    const enforcing = (spec.mode ?? 'enforce') === 'enforce';
    const m = firstMatch('policy-controller', (spec.images ?? []).map((i: any) => i.glob), admissionImage);
    if (!m.pattern) {
      out.push(decision(input, 'policy-controller', policy, enforcing, m));
      continue;
    }
    const results = (spec.authorities ?? []).map((a: any) => cipAuthority(input, a));
    const ok = results.some((r: AttestorOutcome) => r.ok);
    out.push(decision(input, 'policy-controller', policy, enforcing, { ...m, why: `${m.why} (admission compares the digest-resolved ${admissionImage})` }, {
      ok,
      code: ok ? undefined : results.find((r: AttestorOutcome) => !r.ok)?.code,
      reasons: [`any one authority suffices: ${results.filter((r: AttestorOutcome) => r.ok).length} of ${results.length} verified`, ...results.map((r: AttestorOutcome) => `  ${r.text}`)],
    }));
  }
  if (cips.length > 0 && !out.some((d) => d.matched)) {
    out.push({
      cluster: input.cluster,
      engine: 'policy-controller',
      policy: 'policy-controller/no-match-policy',
      matched: true,
      enforcing: true,
      match: `no ClusterImagePolicy matches ${admissionImage}`,
      admitted: false,
      satisfied: false,
      code: 'NO_MATCHING_POLICY',
      reasons: ['policy-controller denies images no ClusterImagePolicy matches (no-match-policy: deny, the default) in namespaces labelled policy.sigstore.dev/include=true'],
    });
  }
  return out;
}

/** Evaluates every admission policy object of one cluster against the image, with each engine's own rules. */
export function evaluateAdmission(input: AdmissionInput): AdmissionDecision[] {
  const out: AdmissionDecision[] = [];
  const cips: any[] = [];
  for (const obj of input.objects) {
    if (obj?.kind === 'ClusterPolicy' && String(obj.apiVersion).startsWith('kyverno.io/')) out.push(...kyvernoClusterPolicy(input, obj));
    else if (obj?.kind === 'ImageValidatingPolicy') out.push(...ivpol(input, obj));
    else if (obj?.kind === 'ClusterImagePolicy') cips.push(obj);
  }
  out.push(...policyController(input, cips));
  return out;
}
