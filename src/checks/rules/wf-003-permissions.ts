import { kmsProviderOf } from '../../config/kms-uri';
import { RawFinding, Rule } from '../types';
import { cosignCalls, pushedImages } from '../views';

function perms(workflow: any, job: any): Record<string, string> | 'write-all' | 'read-all' {
  const p = job?.permissions ?? workflow?.permissions;
  if (p === undefined) return 'read-all'; // repository default; treat as unknown-but-not-granted
  if (typeof p === 'string') return p as any;
  return p;
}

function has(p: ReturnType<typeof perms>, scope: string, level: 'write' | 'read'): boolean {
  if (p === 'write-all') return true;
  if (p === 'read-all') return level === 'read';
  const v = p[scope];
  return v === 'write' || (level === 'read' && v === 'read');
}

export const ISB_WF_003: Rule = {
  id: 'ISB-WF-003',
  level: 'error',
  title: 'Job permissions wrong for the features',
  explanation: 'Keyless signing needs id-token: write (the OIDC token Fulcio certifies); pushing to GHCR needs '
    + 'packages: write; GitHub attestations need attestations: write and id-token: write. Anything more widens '
    + 'what a compromised step can do: in key mode, id-token: write lets any step mint tokens for the repository '
    + 'identity.',
  fix: 'Let the blueprint derive permissions from the features; grant them per job, with permissions: {} at the top.',
  check(ctx) {
    const out: RawFinding[] = [];
    const callsByJob = new Map<string, ReturnType<typeof cosignCalls>>();
    for (const c of cosignCalls(ctx.artifacts)) {
      const k = `${c.step.file}\u0000${c.step.jobId}`;
      callsByJob.set(k, [...(callsByJob.get(k) ?? []), c]);
    }
    const ghcrJobs = new Set(pushedImages(ctx.artifacts).filter((i) => i.image.startsWith('ghcr.io/')).map((i) => `${i.step.file}\u0000${i.step.jobId}`));
    for (const w of ctx.artifacts.workflows.values()) {
      for (const [jobId, job] of Object.entries<any>(w.workflow?.jobs ?? {})) {
        if (!Array.isArray(job?.steps)) continue;
        const where = `${w.file}: jobs.${jobId}.permissions`;
        const p = perms(w.workflow, job);
        const mine = callsByJob.get(`${w.file}\u0000${jobId}`) ?? [];
        const signs = mine.filter((c) => c.sub === 'sign' || c.sub === 'attest');
        const keyless = signs.some((c) => !c.flags.has('--key'));
        const ghAttest = job.steps.some((s: any) => String(s?.uses ?? '').startsWith('actions/attest-build-provenance@'));
        const pushesGhcr = ghcrJobs.has(`${w.file}\u0000${jobId}`);
        // a KMS key (cosign --key awskms://… etc.): the provider login exchanges the job's OIDC token
        const kms = mine.some((c) => kmsProviderOf(String(c.flags.get('--key') ?? '')) !== undefined);
        if (kms && !has(p, 'id-token', 'write')) out.push({ path: where, message: `job ${jobId} uses a KMS key but lacks id-token: write (the provider login needs the OIDC token)` });
        if ((keyless || ghAttest) && !has(p, 'id-token', 'write')) out.push({ path: where, message: `job ${jobId} signs keylessly or attests but lacks id-token: write` });
        if (!keyless && !ghAttest && !kms && has(p, 'id-token', 'write')) out.push({ path: where, message: `job ${jobId} has id-token: write but signs with a key (no OIDC token needed)` });
        if (pushesGhcr && !has(p, 'packages', 'write')) out.push({ path: where, message: `job ${jobId} pushes to ghcr.io but lacks packages: write` });
        if (ghAttest && !has(p, 'attestations', 'write')) out.push({ path: where, message: `job ${jobId} creates GitHub attestations but lacks attestations: write` });
        if (p === 'write-all') out.push({ path: where, message: `job ${jobId} has write-all permissions` });
      }
    }
    return out;
  },
};
