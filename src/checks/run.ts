import { parse } from 'yaml';
import { RULES } from './rules';
import { CheckArtifacts, CheckContext, Finding, Level, Rule } from './types';
import { BlueprintModel } from '../model/model';
import { Artifacts, outputPaths } from '../synth/artifacts';

/** Builds the rules' view of the final artifacts: workflows are parsed back from their final YAML text. */
export function checkArtifacts(model: BlueprintModel, artifacts: Artifacts): CheckArtifacts {
  const paths = outputPaths(model);
  const workflows = new Map<string, { repo: string; path: string; file: string; workflow: any }>();
  // a reusable signer workflow signs for its callers: the rules read it as the first caller's
  const signsFor = new Map((artifacts.signerWorkflows ?? []).map((s) => [`${paths.githubDir(s.rendered.repository)}/${s.rendered.path}`, s.callers[0]]));
  for (const w of artifacts.workflows) {
    const file = `${paths.githubDir(w.repository)}/${w.path}`;
    const text = artifacts.files.get(file);
    // the value render made the text from, while the file holds that text; else parsed here
    const rendered = artifacts.workflowValues?.get(file);
    const workflow = text === undefined ? w.workflow : rendered !== undefined && rendered.text === text ? rendered.value : parse(text);
    workflows.set(file, { repo: signsFor.get(file) ?? w.repository, path: w.path, file, workflow });
  }
  const holders = new Map(model.repositories.map((r) => [r.name, r]));
  const signerWorkflows = (artifacts.signerWorkflows ?? []).map((s) => ({
    holder: s.rendered.repository,
    path: s.rendered.path,
    callers: s.callers,
    differing: s.differing,
    collides: holders.get(s.rendered.repository)?.workflow.path === s.rendered.path,
  }));
  return { workflows, signerWorkflows, clusterObjects: artifacts.clusterObjects, terraform: artifacts.terraform, files: artifacts.files };
}

export interface RunChecksOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly now?: Date;
  readonly rules?: readonly Rule[];
}

const ORDER: Record<Level, number> = { error: 0, warning: 1, info: 2 };

/** Runs every rule; suppressed findings are kept, marked with the config's reason. */
export function runChecks(model: BlueprintModel, artifacts: CheckArtifacts, opts: RunChecksOptions = {}): Finding[] {
  const ctx: CheckContext = { model, artifacts, env: opts.env ?? process.env, now: opts.now ?? new Date() };
  const suppressed = new Map(model.suppressions.map((s) => [s.id, s.reason]));
  const findings: Finding[] = [];
  for (const rule of opts.rules ?? RULES) {
    let raw;
    try {
      raw = rule.check(ctx);
    } catch (e) {
      raw = [{ path: '', level: 'error' as const, message: `the rule could not run (${(e as Error).message}); nothing was checked` }];
    }
    for (const r of raw) {
      const reason = suppressed.get(rule.id);
      findings.push({
        id: rule.id,
        level: r.level ?? rule.level,
        message: r.message,
        path: r.path,
        fix: r.fix ?? rule.fix,
        ...(reason !== undefined ? { suppressed: { reason } } : {}),
      });
    }
  }
  return findings.sort((a, b) => ORDER[a.level] - ORDER[b.level] || a.id.localeCompare(b.id));
}

export function summarize(findings: readonly Finding[]): { errors: number; warnings: number; suppressed: number } {
  const live = findings.filter((f) => !f.suppressed);
  return {
    errors: live.filter((f) => f.level === 'error').length,
    warnings: live.filter((f) => f.level === 'warning').length,
    suppressed: findings.length - live.length,
  };
}
