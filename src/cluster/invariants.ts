/*
 * Invariants of the admission objects that the upstream CRD schemas cannot express, taken from
 * the engines' own validation (admission-engines.md §2 "Validation", §0, §3, §4):
 * - Kyverno ClusterPolicy: an attestor entry holds exactly one of keys / keyless / certificates /
 *   attestor; `count` ≤ number of entries; Audit ⇒ `mutateDigest: false` (the webhook rejects
 *   the pair); a keyless entry needs `rekor.url` or `roots`; verifyImages rules run with
 *   `background: false`.
 * - ImageValidatingPolicy: an attestor is exactly one of cosign / notary, and a cosign attestor
 *   exactly one of key / keyless / certificate; keyless identities are non-empty.
 * - policy-controller: an authority is exactly one of key / keyless / static; a keyless identity
 *   has an issuer (or issuerRegExp) and a subject (or subjectRegExp), one of each pair.
 * Returns readable violations (empty when the object holds). AdmissionChart validates its objects
 * with it (cdk8s runs it at `app.synth()`); the checks' rules cover the same ground over the final artifacts.
 */
export function crossFieldErrors(obj: any): string[] {
  const out: string[] = [];
  const exactlyOne = (where: string, o: any, keys: string[]) => {
    const present = keys.filter((k) => o?.[k] !== undefined);
    if (present.length !== 1) out.push(`${where}: exactly one of ${keys.join('/')} expected, got [${present.join(', ')}]`);
  };
  if (obj.kind === 'ClusterPolicy') {
    if (obj.spec.background !== false) out.push('spec.background must be false for verifyImages');
    obj.spec.rules.forEach((r: any, ri: number) => (r.verifyImages ?? []).forEach((v: any, vi: number) => {
      const at = `rules[${ri}].verifyImages[${vi}]`;
      const audit = (v.failureAction ?? obj.spec.validationFailureAction) === 'Audit';
      if (audit && v.mutateDigest !== false) out.push(`${at}: Audit with mutateDigest not false`);
      const sets = [...(v.attestors ?? []), ...(v.attestations ?? []).flatMap((a: any) => a.attestors ?? [])];
      sets.forEach((set: any, si: number) => {
        const entries = set.entries ?? [];
        if (entries.length === 0) out.push(`${at}.attestors[${si}]: no entries`);
        if (set.count !== undefined && set.count > entries.length) out.push(`${at}.attestors[${si}]: count ${set.count} > ${entries.length} entries`);
        entries.forEach((e: any, ei: number) => {
          const w = `${at}.attestors[${si}].entries[${ei}]`;
          exactlyOne(w, e, ['keys', 'keyless', 'certificates', 'attestor']);
          if (e.keyless && !e.keyless.rekor?.url && !e.keyless.roots) out.push(`${w}.keyless: needs rekor.url or roots`);
          if (e.keyless && !(e.keyless.subject || e.keyless.subjectRegExp)) out.push(`${w}.keyless: no subject`);
        });
      });
    }));
  } else if (obj.kind === 'ImageValidatingPolicy') {
    (obj.spec.attestors ?? []).forEach((a: any, i: number) => {
      exactlyOne(`attestors[${i}]`, a, ['cosign', 'notary']);
      if (a.cosign) {
        exactlyOne(`attestors[${i}].cosign`, a.cosign, ['key', 'keyless', 'certificate']);
        if (a.cosign.keyless && !(a.cosign.keyless.identities?.length > 0)) out.push(`attestors[${i}].cosign.keyless: no identities`);
      }
    });
  } else if (obj.kind === 'ClusterImagePolicy') {
    (obj.spec.authorities ?? []).forEach((a: any, i: number) => {
      exactlyOne(`authorities[${i}]`, a, ['key', 'keyless', 'static']);
      (a.keyless?.identities ?? []).forEach((id: any, j: number) => {
        const w = `authorities[${i}].keyless.identities[${j}]`;
        if (Boolean(id.issuer) === Boolean(id.issuerRegExp)) out.push(`${w}: exactly one of issuer/issuerRegExp`);
        if (Boolean(id.subject) === Boolean(id.subjectRegExp)) out.push(`${w}: exactly one of subject/subjectRegExp`);
      });
    });
  }
  return out;
}
