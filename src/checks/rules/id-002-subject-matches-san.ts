import { SigningMode } from '../../config/types';
import { signerWorkflowSan, workflowSan } from '../../model/identity';
import { SignerWorkflowModel } from '../../model/model';
import { acceptsSan, candidateIdentities, FoundIdentity, foundIdentities, sampleRef } from '../identities';
import { RawFinding, Rule } from '../types';
import { q } from './util';

interface TriggerRepo { name: string; workflow: { path: string; branches: readonly string[]; tags: readonly string[]; signer?: SignerWorkflowModel } }

/** The SANs a repository's workflow gets, one per trigger (patterns as a sample ref). */
export function triggerSans(owner: string, repo: TriggerRepo): string[] {
  return [
    ...repo.workflow.branches.map((b) => workflowSan(owner, repo.name, repo.workflow.path, `refs/heads/${sampleRef(b)}`)),
    ...repo.workflow.tags.map((t) => workflowSan(owner, repo.name, repo.workflow.path, `refs/tags/${sampleRef(t)}`)),
  ];
}

/**
 * Where a repository's signatures come from: its own workflow, or the reusable signer workflow it
 * calls (whose SAN names the called workflow at the ref the caller wrote, whatever triggered it).
 */
export function signingHome(owner: string, repo: TriggerRepo): { owner: string; name: string; path: string } {
  const s = repo.workflow.signer;
  if (!s) return { owner, name: repo.name, path: repo.workflow.path };
  const [o, n] = s.repository.split('/');
  return { owner: o, name: n, path: s.path };
}

/** The SANs a repository's signatures carry: one per trigger, or the signer workflow's one SAN. */
export function signingSans(owner: string, repo: TriggerRepo): string[] {
  return repo.workflow.signer ? [signerWorkflowSan(repo.workflow.signer)] : triggerSans(owner, repo);
}

export const ISB_ID_002: Rule = {
  id: 'ISB-ID-002',
  level: 'error',
  title: 'Policy subject differs from the SAN the signing workflow gets',
  explanation: 'A keyless certificate from GitHub Actions carries the SAN '
    + 'https://github.com/<owner>/<repo>/.github/workflows/<file>@<ref>. A policy identity that does not accept '
    + 'exactly that string rejects every image the workflow signs; a typo in the owner, repository, file or ref is '
    + 'enough.',
  fix: 'Let the blueprint derive the identity from the repository and workflow; with a reusable workflow, name it as signerWorkflow.',
  check(ctx) {
    // per repository: only keyless signers have identities of their own (key repositories: provenance only)
    const keyless = ctx.model.repositories.filter((r) => r.signing.mode === SigningMode.KEYLESS);
    if (keyless.length === 0) return [];
    const out: RawFinding[] = [];
    const ids = foundIdentities(ctx.artifacts);
    const accepted = new Set<FoundIdentity>();
    const anySan = signingSans(ctx.model.owner, keyless[0]);
    // a key repository's workflow SAN is a valid identity only for its provenance (attest-build-provenance signs keylessly)
    const signers = ctx.model.attestations.provenance ? ctx.model.repositories : keyless;
    for (const r of signers) {
      const sans = signingSans(ctx.model.owner, r);
      const home = signingHome(ctx.model.owner, r);
      for (const id of candidateIdentities(ids, home.owner, home.name)) {
        if (!accepted.has(id) && sans.some((s) => acceptsSan(id, s))) accepted.add(id);
      }
    }
    for (const id of ids) {
      if (!accepted.has(id)) {
        const sans = anySan;
        out.push({
          path: id.where,
          message: `identity ${q(id.subject ?? id.subjectRegExp ?? '(none)')} accepts none of the SANs the signing workflows get (e.g. ${q(sans[0])})`,
        });
      }
    }
    return out;
  },
};
