import { RepositoryModel, SignerIdentityModel, SignerWorkflowModel } from './model';

export const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com';

const GLOB_META = /[*?+[\]!]/;

/** Escape a literal for a Go RE2 / JS regexp. */
export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Translates a GitHub push filter pattern (branches/tags) to a regexp fragment.
 * Supports `*` (no `/`) and `**` (anything); other filter metacharacters are rejected because
 * their GitHub meaning (`?` and `+` repeat the previous character, `!` negates) has no safe
 * identity equivalent. Returns undefined for unsupported patterns.
 */
export function filterPatternToRegExp(pattern: string): string | undefined {
  if (/[?+[\]!]/.test(pattern)) return undefined;
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '*') {
      if (pattern[i + 1] === '*') {
        out += '.*';
        i++;
      } else {
        out += '[^/]*';
      }
    } else {
      out += escapeRegExp(pattern[i]);
    }
  }
  return out;
}

export function isFilterPattern(s: string): boolean {
  return GLOB_META.test(s);
}

/** The SAN GitHub Actions' keyless certificate carries for a workflow run on `ref`. */
export function workflowSan(owner: string, repo: string, workflowPath: string, ref: string): string {
  return `https://github.com/${owner}/${repo}/${workflowPath}@${ref}`;
}

/**
 * The SAN of a job that runs in a reusable workflow: Fulcio's template is
 * `https://github.com/{job_workflow_ref}`, and `job_workflow_ref` names the *called* workflow
 * at the ref the caller wrote (`refs/tags/…`, `refs/heads/…`, or the commit SHA).
 */
export function signerWorkflowSan(signer: SignerWorkflowModel): string {
  return `https://github.com/${signer.repository}/${signer.path}@${signer.ref}`;
}

/**
 * One identity for a signing workflow: exact SANs for literal refs, and one anchored,
 * dot-escaped regexp covering every allowed ref. With a reusable signer workflow the identity is
 * that workflow at its one ref, plus the calling repository (the certificate's GitHub workflow
 * repository extension), because the SAN alone is shared by every caller.
 */
export function deriveIdentity(opts: {
  owner: string;
  repo: string;
  workflowPath: string;
  branches: readonly string[];
  tags: readonly string[];
  issuer: string;
  signer?: SignerWorkflowModel;
}): SignerIdentityModel {
  if (opts.signer) {
    const san = signerWorkflowSan(opts.signer);
    return {
      issuer: opts.issuer,
      subjects: [san],
      subjectRegExp: `^${escapeRegExp(san)}$`,
      exact: true,
      sourceRepository: `${opts.owner}/${opts.repo}`,
    };
  }
  const refs: { ref: string; literal: boolean; re: string }[] = [];
  for (const b of opts.branches) {
    refs.push({ ref: `refs/heads/${b}`, literal: !isFilterPattern(b), re: `heads/${filterPatternToRegExp(b) ?? escapeRegExp(b)}` });
  }
  for (const t of opts.tags) {
    refs.push({ ref: `refs/tags/${t}`, literal: !isFilterPattern(t), re: `tags/${filterPatternToRegExp(t) ?? escapeRegExp(t)}` });
  }
  const base = escapeRegExp(`https://github.com/${opts.owner}/${opts.repo}/${opts.workflowPath}@refs/`);
  const alternatives = refs.map((r) => r.re);
  const refRe = alternatives.length === 1 ? alternatives[0] : `(?:${alternatives.join('|')})`;
  const subjects = refs.filter((r) => r.literal).map((r) => workflowSan(opts.owner, opts.repo, opts.workflowPath, r.ref));
  return {
    issuer: opts.issuer,
    subjects,
    subjectRegExp: `^${base}${refRe}$`,
    exact: subjects.length === 1 && refs.length === 1,
  };
}

/** One literal signing ref (or a reusable signer): an exact `subject` works in every engine and Kyverno version. */
export function hasSingleExactIdentity(repo: RepositoryModel): boolean {
  return repo.identity.exact;
}

/**
 * The identity fields every verifier uses for one repository: the policy renderers (Kyverno
 * `keyless`, ImageValidatingPolicy and policy-controller `identities[]`), the workflow's verify
 * job and the runbook all read this one function, so they cannot drift apart.
 * Exactly one of `subject` / `subjectRegExp` is set.
 */
export interface IdentityFields {
  /** exact SAN (one literal ref, or the reusable signer workflow) */
  readonly subject?: string;
  /** anchored, dot-escaped Go regexp over the SAN (several refs, or patterns such as `v*`) */
  readonly subjectRegExp?: string;
  readonly issuer: string;
  /**
   * `owner/repo` the certificate's GitHub workflow repository extension must equal (reusable
   * signer only). Kyverno: `keyless.additionalExtensions.githubWorkflowRepository`; cosign:
   * `--certificate-github-workflow-repository`. Engines without extension matching
   * (ImageValidatingPolicy, policy-controller identities) cannot express it.
   */
  readonly githubWorkflowRepository?: string;
}

export function identityFields(repo: RepositoryModel): IdentityFields {
  const id = repo.identity;
  const base = id.exact ? { subject: id.subjects[0], issuer: id.issuer } : { subjectRegExp: id.subjectRegExp, issuer: id.issuer };
  return id.sourceRepository ? { ...base, githubWorkflowRepository: id.sourceRepository } : base;
}

/** `cosign verify` identity flags (unquoted values) for the fields above. */
export function cosignIdentityFlags(fields: IdentityFields): { flag: string; value: string }[] {
  const out: { flag: string; value: string }[] = [];
  if (fields.subject !== undefined) out.push({ flag: '--certificate-identity', value: fields.subject });
  else out.push({ flag: '--certificate-identity-regexp', value: fields.subjectRegExp! });
  out.push({ flag: '--certificate-oidc-issuer', value: fields.issuer });
  if (fields.githubWorkflowRepository) out.push({ flag: '--certificate-github-workflow-repository', value: fields.githubWorkflowRepository });
  return out;
}
