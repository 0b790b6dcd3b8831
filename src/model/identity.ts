import { RepositoryModel, SignerIdentityModel } from './model';

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
 * One identity for a signing workflow: exact SANs for literal refs, and one anchored,
 * dot-escaped regexp covering every allowed ref.
 */
export function deriveIdentity(opts: {
  owner: string;
  repo: string;
  workflowPath: string;
  branches: readonly string[];
  tags: readonly string[];
  issuer: string;
}): SignerIdentityModel {
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
  return {
    issuer: opts.issuer,
    subjects: refs.filter((r) => r.literal).map((r) => workflowSan(opts.owner, opts.repo, opts.workflowPath, r.ref)),
    subjectRegExp: `^${base}${refRe}$`,
  };
}

/** One literal signing ref: an exact `subject` works in every engine and Kyverno version. */
export function hasSingleExactIdentity(repo: RepositoryModel): boolean {
  return repo.identity.subjects.length === 1 && repo.workflow.branches.length + repo.workflow.tags.length === 1;
}
