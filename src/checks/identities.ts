/*
 * Keyless identities found in the final artifacts, with the matching semantics of the place
 * they were found in (admission-engines.md §2.3).
 */
import { goRegexpMatch } from './matchers/go-regexp';
import { kyvernoWildcardMatch } from './matchers/kyverno-wildcard';
import { CheckArtifacts } from './types';
import { cosignCalls, kyvernoAttestorEntries, kyvernoEntries, objectsOfKind } from './views';

export type SubjectSemantics = 'kyverno-wildcard' | 'exact';

export interface FoundIdentity {
  readonly where: string;
  readonly cluster?: string;
  readonly repo?: string;
  readonly engine: 'kyverno' | 'kyverno-ivpol' | 'policy-controller' | 'cosign-verify';
  readonly subject?: string;
  readonly subjectRegExp?: string;
  readonly issuer?: string;
  readonly issuerRegExp?: string;
  readonly semantics: SubjectSemantics;
  /** image patterns of the policy object the identity guards (engine semantics) */
  readonly patterns: readonly string[];
}

const identityCache = new WeakMap<CheckArtifacts, FoundIdentity[]>();

/** Every keyless identity in the final artifacts (memoized per artifacts object). */
export function foundIdentities(a: CheckArtifacts): FoundIdentity[] {
  let v = identityCache.get(a);
  if (!v) {
    v = foundIdentitiesOf(a);
    identityCache.set(a, v);
  }
  return v;
}

/**
 * The identities that may accept a SAN of `owner/repo`: exact subjects are looked up, regexps and
 * wildcards are pre-filtered by the repository name they mention (or kept when they mention none).
 */
export function candidateIdentities(ids: readonly FoundIdentity[], owner: string, repo: string): FoundIdentity[] {
  const needle = `${owner}/${repo}/`;
  return ids.filter((id) => {
    const text = (id.subject ?? '') + (id.subjectRegExp ?? '').replace(/\\/g, '');
    if (text === '') return true;
    if (text.includes(needle)) return true;
    // patterns that name no repository at all (wildcards over owners) stay candidates
    return !/github\.com\/[^/*?[(]+\/[^/*.?[(]+\//.test(text);
  });
}

function foundIdentitiesOf(a: CheckArtifacts): FoundIdentity[] {
  const out: FoundIdentity[] = [];
  for (const e of kyvernoEntries(a)) {
    const semantics: SubjectSemantics = (e.entry.type ?? 'Cosign') === 'Cosign' ? 'kyverno-wildcard' : 'exact';
    for (const att of kyvernoAttestorEntries(e.entry)) {
      const k = att.keyless;
      if (!k) continue;
      out.push({
        where: e.where,
        cluster: e.cluster,
        engine: 'kyverno',
        semantics,
        patterns: e.entry.imageReferences ?? [],
        subject: k.subject,
        subjectRegExp: k.subjectRegExp,
        issuer: k.issuer,
        issuerRegExp: k.issuerRegExp,
      });
    }
  }
  for (const p of objectsOfKind(a, 'ImageValidatingPolicy')) {
    const patterns = (p.policy.spec?.matchImageReferences ?? []).map((m: any) => m.glob).filter(Boolean);
    for (const att of p.policy.spec?.attestors ?? []) {
      for (const id of att.cosign?.keyless?.identities ?? []) {
        out.push({ where: `${p.where} attestors.${att.name}`, cluster: p.cluster, engine: 'kyverno-ivpol', semantics: 'exact', patterns, ...pick(id) });
      }
    }
  }
  for (const p of objectsOfKind(a, 'ClusterImagePolicy')) {
    const patterns = (p.policy.spec?.images ?? []).map((m: any) => m.glob).filter(Boolean);
    for (const auth of p.policy.spec?.authorities ?? []) {
      for (const id of auth.keyless?.identities ?? []) {
        out.push({ where: `${p.where} authorities.${auth.name}`, cluster: p.cluster, engine: 'policy-controller', semantics: 'exact', patterns, ...pick(id) });
      }
    }
  }
  for (const c of cosignCalls(a)) {
    if (!c.sub.startsWith('verify')) continue;
    const f = (n: string) => (typeof c.flags.get(n) === 'string' ? c.flags.get(n) as string : undefined);
    if (!f('--certificate-identity') && !f('--certificate-identity-regexp') && !f('--certificate-oidc-issuer')) continue;
    out.push({
      where: c.step.where,
      repo: c.step.repo,
      engine: 'cosign-verify',
      semantics: 'exact',
      patterns: c.args,
      subject: f('--certificate-identity'),
      subjectRegExp: f('--certificate-identity-regexp'),
      issuer: f('--certificate-oidc-issuer'),
      issuerRegExp: f('--certificate-oidc-issuer-regexp'),
    });
  }
  return out;
}

function pick(id: any): Pick<FoundIdentity, 'subject' | 'subjectRegExp' | 'issuer' | 'issuerRegExp'> {
  return { subject: id.subject, subjectRegExp: id.subjectRegExp, issuer: id.issuer, issuerRegExp: id.issuerRegExp };
}

function safeGo(re: string, s: string): boolean {
  try {
    return goRegexpMatch(re, s);
  } catch {
    return false;
  }
}

/** Does this identity accept a certificate with this SAN? (issuer not considered) */
export function acceptsSan(id: FoundIdentity, san: string): boolean {
  const bySubject = id.subject !== undefined
    && (id.semantics === 'kyverno-wildcard' ? kyvernoWildcardMatch(id.subject, san) : id.subject === san);
  const byRegExp = id.subjectRegExp !== undefined && safeGo(id.subjectRegExp, san);
  if (id.subject === undefined && id.subjectRegExp === undefined) return true; // no subject criterion at all
  return bySubject || byRegExp;
}

export function acceptsIssuer(id: FoundIdentity, issuer: string): boolean {
  if (id.issuer !== undefined) {
    return id.semantics === 'kyverno-wildcard' ? kyvernoWildcardMatch(id.issuer, issuer) : id.issuer === issuer;
  }
  if (id.issuerRegExp !== undefined) return safeGo(id.issuerRegExp, issuer);
  return true;
}

/** A concrete ref for a trigger filter pattern, e.g. `v*` → `v1.0.0`. */
export function sampleRef(pattern: string): string {
  return pattern.replace(/\*\*/g, 'x/y').replace(/\*/g, '1.0.0');
}
