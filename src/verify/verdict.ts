/** One admission policy's verdict on an image. */
export interface AdmissionVerdict {
  readonly cluster: string;
  /** `kyverno` (ClusterPolicy) | `kyverno-ivpol` | `policy-controller` */
  readonly engine: string;
  /** `kind/name` of the policy object (or `policy-controller/no-match-policy`) */
  readonly policy: string;
  /** does the policy select the image at all? */
  readonly matched: boolean;
  /** which pattern selected it (or why none did) */
  readonly match: string;
  /** would the request be admitted by this policy (Audit/warn mode admits and reports) */
  readonly admitted: boolean;
  /** did the image satisfy the policy's signature requirements (undefined when not matched) */
  readonly satisfied?: boolean;
  /** does the policy enforce (Kyverno Enforce / Deny, policy-controller enforce) */
  readonly enforcing: boolean;
  /** failure code when not satisfied */
  readonly code?: string;
  /** which attestor/key/identity verified, or what was missing */
  readonly reasons: string[];
}
