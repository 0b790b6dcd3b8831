import { RawFinding, Rule } from '../types';
import { cosignCalls, hasExpression, workflowSteps } from '../views';
import { q } from './util';

const DIGEST_EXPR = /@\$\{\{\s*(steps\.[A-Za-z0-9_-]+|needs\.[A-Za-z0-9_-]+)\.outputs\.digest\s*\}\}$/;
const LITERAL_DIGEST = /@sha(256|384|512):[0-9a-f]+$/;
/*
 * `<name>@<one value known at run time>`: cosign parses a reference with `@` as a digest reference
 * (go-containerregistry v0.22.1 name.ParseReference: a name with `@` is no valid tag, and NewDigest
 * validates the part after `@` as `algorithm:hex`), so whatever the
 * value turns out to be, the command signs a digest or fails; it can never sign a tag.
 */
const RUNTIME_DIGEST = /^[^@]+@(\$\{\{[^}]*\}\}|\$[A-Za-z_][A-Za-z0-9_]*|\$\{[A-Za-z_][A-Za-z0-9_]*\})$/;

/** A word that is one shell variable the script sets only to flags or to nothing (`recursive="--recursive"`). */
function isFlagVariable(arg: string, run: string): boolean {
  const m = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(arg);
  if (!m) return false;
  const values = [...run.matchAll(new RegExp(`(?:^|[;\\s])${m[1]}=("[^"]*"|'[^']*'|[^\\s;]*)`, 'g'))]
    .map((a) => a[1].replace(/^["']|["']$/g, ''));
  return values.length > 0 && values.every((v) => v === '' || v.startsWith('-'));
}

/** 'digest' | 'tag' | 'unknown' for an image argument of cosign sign/attest. */
export function refKind(arg: string): 'digest' | 'tag' | 'unknown' {
  if (DIGEST_EXPR.test(arg) || LITERAL_DIGEST.test(arg) || RUNTIME_DIGEST.test(arg)) return 'digest';
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
      const run = String(c.step.step?.run ?? '');
      for (const arg of c.args) {
        if (isFlagVariable(arg, run)) continue;
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
