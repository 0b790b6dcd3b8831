import { RawFinding, Rule } from '../types';
import { cosignCalls } from '../views';
import { repoPath } from './util';

export const ISB_ID_005: Rule = {
  id: 'ISB-ID-005',
  level: 'error',
  title: 'Keyless signing on a pull_request trigger',
  explanation: 'Workflows run for pull requests from forks get no OIDC token (and must not: the code is '
    + 'untrusted), so keyless signing fails there; pull_request_target would sign code from a fork with the '
    + 'repository\'s identity.',
  fix: 'Sign only on push to protected branches and tags; build without signing for pull requests.',
  check(ctx) {
    const out: RawFinding[] = [];
    const keylessRepos = new Set(cosignCalls(ctx.artifacts)
      .filter((c) => (c.sub === 'sign' || c.sub === 'attest') && !c.flags.has('--key')).map((c) => c.step.file));
    for (const w of ctx.artifacts.workflows.values()) {
      const repo = w.repo;
      const on = w.workflow?.on;
      const events = typeof on === 'string' ? [on] : Array.isArray(on) ? on : Object.keys(on ?? {});
      const prEvents = events.filter((e: string) => e === 'pull_request' || e === 'pull_request_target');
      if (prEvents.length === 0) continue;
      const keyless = keylessRepos.has(w.file);
      if (keyless) out.push({ path: repoPath(ctx.model, repo), message: `${w.file} signs keylessly and is triggered by ${prEvents.join(', ')}` });
    }
    return out;
  },
};
