import { RawFinding, Rule } from '../types';
import { cosignCalls, hasExpression, workflowSteps } from '../views';
import { q } from './util';

const DIGEST_EXPR = /@\$\{\{\s*(steps\.[A-Za-z0-9_-]+|needs\.[A-Za-z0-9_-]+)\.outputs\.digest\s*\}\}$/;
const LITERAL_DIGEST = /@sha(256|384|512):[0-9a-f]+$/;

/** 'digest' | 'tag' | 'unknown' for an image argument of cosign sign/attest. */
export function refKind(arg: string): 'digest' | 'tag' | 'unknown' {
  if (DIGEST_EXPR.test(arg) || LITERAL_DIGEST.test(arg)) return 'digest';
  if (/\$\{\{[^}]*\}\}$/.test(arg) && !arg.includes('@')) return 'unknown';
  if (hasExpression(arg) && arg.includes('@')) return 'unknown';
  if (/^\$[A-Za-z_{]/.test(arg) || arg.includes('$')) return 'unknown';
  return 'tag';
}

export const ISB_WF_001: Rule = {
  id: 'ISB-WF-001',
  level: 'error',
  title: 'Signing or attesting by tag instead of digest',
  explanation: 'A tag can move between the push and the signature (a race another push can win), so signing '
    + '"image:tag" may sign an image you did not build. Sign "image@<digest>" with the digest the build step '
    + 'outputs.',
  fix: 'Sign <image>@${{ steps.<build-id>.outputs.digest }}.',
  check(ctx) {
    const out: RawFinding[] = [];
    for (const c of cosignCalls(ctx.artifacts)) {
      if (c.sub !== 'sign' && c.sub !== 'attest') continue;
      for (const arg of c.args) {
        const kind = refKind(arg);
        if (kind === 'tag') out.push({ path: c.step.where, message: `cosign ${c.sub} ${q(arg)} signs a tag, not a digest` });
        if (kind === 'unknown') out.push({ path: c.step.where, level: 'warning', message: `cosign ${c.sub} ${q(arg)}: the reference is only known at run time; could not check that it is a digest` });
      }
    }
    for (const s of workflowSteps(ctx.artifacts)) {
      if (!String(s.step?.uses ?? '').startsWith('actions/attest-build-provenance@')) continue;
      const d = String(s.step?.with?.['subject-digest'] ?? '');
      if (!/outputs\.digest|^sha256:/.test(d)) out.push({ path: s.where, message: `attest-build-provenance subject-digest ${q(d)} is not the build step's digest` });
    }
    return out;
  },
};
