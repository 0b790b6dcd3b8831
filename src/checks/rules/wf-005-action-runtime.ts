import { ActionPin, effectivePins, usesRef } from '../../config/pins';
import { pinRuntime, runtimeFact, runtimeStatus, RUNTIME_WARNING_DAYS } from '../../github/action-runtimes';
import { RawFinding, Rule } from '../types';
import { workflowSteps } from '../views';
import { q } from './util';

export const ISB_WF_005: Rule = {
  id: 'ISB-WF-005',
  level: 'error',
  title: 'A pinned action declares a runtime the hosted runners no longer provide',
  explanation: 'A JavaScript action names the Node.js release it was built for in runs.using of its action.yml. '
    + 'GitHub-hosted runners drop old releases (node12 in 2023, node16 in 2024, node20 on 2026-09-16) and run such '
    + 'actions on a newer Node, or refuse them, so the signing job depends on code never tested on the runtime it '
    + `gets. The rule warns ${RUNTIME_WARNING_DAYS} days before a known removal date, and when it cannot tell a pin's runtime.`,
  fix: 'Pin a release of the action that declares a current runtime (node24), in github.actionPins or by '
    + 'upgrading the blueprint (its default pins are current when released).',
  check(ctx) {
    const out: RawFinding[] = [];
    const configured = ctx.model.actionPins ?? {};
    let pins: Record<string, ActionPin>;
    try {
      pins = effectivePins(configured);
    } catch {
      return out; // invalid pins are config errors, reported before the checks run
    }
    const byRef = new Map(Object.entries(pins).map(([k, p]) => [usesRef(p), k]));
    const usedAt = new Map<string, string[]>();
    const foreign = new Map<string, string>();
    for (const s of workflowSteps(ctx.artifacts)) {
      const uses = s.step?.uses;
      if (typeof uses !== 'string' || uses.startsWith('./') || uses.startsWith('docker://')) continue;
      const key = byRef.get(uses);
      if (key) {
        const at = usedAt.get(key);
        if (at) at.push(s.where);
        else usedAt.set(key, [s.where]);
      } else if (!foreign.has(uses)) {
        foreign.set(uses, s.where);
      }
    }
    for (const [key, pin] of Object.entries(pins)) {
      const given = configured[key] !== undefined;
      const where = usedAt.get(key);
      if (!given && !where) continue;
      const path = `github.actionPins.${key}`;
      const subject = `${pin.action}@${pin.version} (${given ? 'github.actionPins' : 'default pin'} ${key}`
        + `${where ? `, used at ${where[0]}${where.length > 1 ? ` and ${where.length - 1} more` : ''}` : ''})`;
      const r = pinRuntime(pin);
      if (!r.runtime) {
        out.push({
          path,
          level: 'warning',
          message: `${subject}: the runtime its action.yml declares is not known`,
          fix: `add runtime: <runs.using of its action.yml at ${pin.sha}> (e.g. node24) to ${path}`,
        });
        continue;
      }
      const status = runtimeStatus(r.runtime, ctx.now);
      const fact = runtimeFact(r.runtime);
      if (status === 'unknown') {
        out.push({ path, level: 'warning', message: `${subject}: runtime ${q(r.runtime)} is not one the hosted runners are known to provide` });
      } else if (status === 'removed') {
        out.push({ path, message: `${subject} declares runs.using: ${r.runtime}, removed from the hosted runners on ${fact!.removed} (${fact!.source})` });
      } else if (status === 'soon') {
        out.push({
          path,
          level: 'warning',
          message: `${subject} declares runs.using: ${r.runtime}, which the hosted runners remove on ${fact!.removed} (${fact!.note}; ${fact!.source})`,
        });
      }
    }
    for (const [uses, where] of foreign) {
      out.push({ path: where, level: 'info', message: `${q(uses)} is not in the pin map: its runtime was not checked` });
    }
    return out;
  },
};
