import { SigningMode } from '../../config/types';
import { workflowSan } from '../../model/identity';
import { acceptsSan, candidateIdentities, FoundIdentity, foundIdentities, sampleRef } from '../identities';
import { RawFinding, Rule } from '../types';
import { q } from './util';

interface TriggerRepo { name: string; workflow: { path: string; branches: readonly string[]; tags: readonly string[] } }

/** The SANs a repository's workflow gets, one per trigger (patterns as a sample ref). */
export function triggerSans(owner: string, repo: TriggerRepo): string[] {
  return [
    ...repo.workflow.branches.map((b) => workflowSan(owner, repo.name, repo.workflow.path, `refs/heads/${sampleRef(b)}`)),
    ...repo.workflow.tags.map((t) => workflowSan(owner, repo.name, repo.workflow.path, `refs/tags/${sampleRef(t)}`)),
  ];
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
    const anySan = triggerSans(ctx.model.owner, keyless[0]);
    // a key repository's workflow SAN is a valid identity only for its provenance (attest-build-provenance signs keylessly)
    const signers = ctx.model.attestations.provenance ? ctx.model.repositories : keyless;
    for (const r of signers) {
      const sans = triggerSans(ctx.model.owner, r);
      for (const id of candidateIdentities(ids, ctx.model.owner, r.name)) {
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
