import { RawFinding, Rule } from '../types';
import { cosignCalls, workflowSteps } from '../views';

export const ISB_WF_004: Rule = {
  id: 'ISB-WF-004',
  level: 'warning',
  title: 'Multi-platform build signed without --recursive',
  explanation: 'A multi-platform build pushes an index and one manifest per platform. Signing only the index '
    + 'leaves the platform manifests unsigned, and verifiers that resolve a platform digest (nodes pull those) '
    + 'find no signature.',
  fix: 'Sign with cosign sign --recursive (the blueprint does when more than one platform is configured).',
  check(ctx) {
    const out: RawFinding[] = [];
    const multi = new Set<string>();
    for (const s of workflowSteps(ctx.artifacts)) {
      if (!String(s.step?.uses ?? '').startsWith('docker/build-push-action@')) continue;
      const platforms = String(s.step?.with?.platforms ?? '').split(/[,\n]/).map((x) => x.trim()).filter(Boolean);
      if (platforms.length > 1) multi.add(`${s.file}\u0000${s.jobId}`);
    }
    for (const c of cosignCalls(ctx.artifacts)) {
      if (c.sub === 'sign' && multi.has(`${c.step.file}\u0000${c.step.jobId}`) && !c.flags.has('--recursive')) {
        out.push({ path: c.step.where, message: 'the job builds several platforms but cosign sign lacks --recursive' });
      }
    }
    return out;
  },
};
