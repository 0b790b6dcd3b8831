import { RawFinding, Rule } from '../types';
import { workflowSteps } from '../views';
import { q } from './util';

export const ISB_WF_002: Rule = {
  id: 'ISB-WF-002',
  level: 'error',
  title: 'An action is not pinned to a full commit SHA',
  explanation: 'Tags and branches of an action can be moved by whoever controls its repository; the signing job '
    + 'holds the signing key or OIDC token, so a moved tag runs foreign code with them. Only a full 40-hex commit '
    + 'SHA is immutable.',
  fix: 'Pin as owner/action@<40-hex sha> # vX.Y.Z (the blueprint\'s pin map does).',
  check(ctx) {
    const out: RawFinding[] = [];
    const seen = new Set<string>();
    for (const s of workflowSteps(ctx.artifacts)) {
      const uses = s.step?.uses;
      if (typeof uses !== 'string' || uses.startsWith('./')) continue;
      if (uses.startsWith('docker://')) {
        if (!/@sha256:[0-9a-f]{64}$/.test(uses)) out.push({ path: s.where, message: `${q(uses)} is not pinned by digest` });
        continue;
      }
      const ref = uses.split('@')[1] ?? '';
      if (!/^[0-9a-f]{40}$/.test(ref) && !seen.has(`${s.where}`)) {
        seen.add(s.where);
        out.push({ path: s.where, message: `${q(uses)} is pinned to ${ref ? `the mutable ref ${q(ref)}` : 'nothing'}` });
      }
    }
    for (const [, w] of ctx.artifacts.workflows) {
      for (const [jobId, job] of Object.entries<any>(w.workflow?.jobs ?? {})) {
        const uses = job?.uses;
        if (typeof uses === 'string' && !uses.startsWith('./') && !/@[0-9a-f]{40}$/.test(uses)) {
          out.push({ path: `${w.file}: jobs.${jobId}`, message: `reusable workflow ${q(uses)} is not pinned to a full commit SHA`, level: 'warning' });
        }
      }
    }
    return out;
  },
};
