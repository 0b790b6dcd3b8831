import { RawFinding, Rule } from '../types';
import { repoPath } from './util';

export const ISB_WF_006: Rule = {
  id: 'ISB-WF-006',
  level: 'error',
  title: 'A reusable signer workflow the blueprint writes must serve every caller the same way',
  explanation: 'When a repository\'s workflow.signerWorkflow names a workflow in one of the blueprint\'s own '
    + 'repositories, the blueprint writes that reusable workflow (on: workflow_call) into it and commits it with '
    + 'that repository\'s stack. One file can hold only one workflow: if two callers would need different signing '
    + 'steps (other registries to log in to, another cosign version, other attestations), one of them would call '
    + 'a workflow that does not do what its policy expects. A signer file at the path of its repository\'s own '
    + 'build workflow would replace it.',
  fix: 'Give the callers of one signer workflow the same signing settings and registries, or point each group at '
    + 'its own file (workflow.signerWorkflow.file).',
  check(ctx) {
    const out: RawFinding[] = [];
    for (const s of ctx.artifacts.signerWorkflows ?? []) {
      const where = (caller: string) => `${repoPath(ctx.model, caller)}.workflow.signerWorkflow`;
      for (const d of s.differing) {
        out.push({
          path: where(d.caller),
          message: `calls ${ctx.model.owner}/${s.holder}/${s.path}, which the blueprint writes for ${s.callers[0]}; `
            + `for ${d.caller} that workflow would differ at ${d.at}`,
        });
      }
      if (s.collides) {
        out.push({
          path: where(s.callers[0]),
          message: `${s.path} in ${s.holder} is that repository's own build workflow: the reusable signer workflow cannot be written there`,
          fix: 'name another file for the reusable workflow (workflow.signerWorkflow.file)',
        });
      }
    }
    return out;
  },
};
