import { renderSignerWorkflow, RenderedWorkflow, WorkflowRenderOptions } from './workflow';
import { BlueprintModel, RepositoryModel } from '../model/model';

/*
 * Reusable signer workflows the blueprint owns: a repository's `workflow.signerWorkflow` names a
 * workflow in `owner/name`; when that repository is one of the blueprint's own (same owner), the
 * blueprint synthesizes the reusable workflow into it and commits it with that repository's stack.
 * A signer workflow in a repository the blueprint does not manage is only called, never written.
 */

/** One reusable signer workflow file the blueprint writes, with the repositories that call it. */
export interface OwnedSignerWorkflow {
  /** the workflow, as rendered for the first caller; `repository` is the holding repository's name */
  readonly rendered: RenderedWorkflow;
  /** the calling repositories' names, in config order */
  readonly callers: readonly string[];
  /**
   * callers whose signing renders a different reusable workflow than the first caller's
   * (e.g. other registries to log in to, another cosign version or attestations), each with the
   * first top-level path where the documents differ
   */
  readonly differing: readonly { readonly caller: string; readonly at: string }[];
}

/** The blueprint repository that holds `repo`'s signer workflow, if the blueprint owns it. */
export function signerHolder(model: BlueprintModel, repo: RepositoryModel): RepositoryModel | undefined {
  const signer = repo.workflow.signer;
  if (!signer) return undefined;
  const [owner, name] = signer.repository.split('/');
  if (owner.toLowerCase() !== model.owner.toLowerCase()) return undefined;
  return model.repositories.find((r) => r.name.toLowerCase() === name.toLowerCase());
}

/** First path (`jobs.sign.steps[2]`) where two plain JSON documents differ; `` when equal. */
function firstDifference(a: any, b: any, at: string): string {
  if (JSON.stringify(a) === JSON.stringify(b)) return '';
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const d = firstDifference(a[i], b[i], `${at}[${i}]`);
      if (d) return d;
    }
    return at;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference(a[k], b[k], at ? `${at}.${k}` : k);
      if (d) return d;
    }
  }
  return at || '(document)';
}

/** The reusable signer workflows of the blueprint's own repositories, one per file. */
export function renderOwnedSignerWorkflows(model: BlueprintModel, opts: WorkflowRenderOptions = {}): OwnedSignerWorkflow[] {
  const byFile = new Map<string, { holder: RepositoryModel; path: string; callers: RepositoryModel[] }>();
  for (const repo of model.repositories) {
    const holder = signerHolder(model, repo);
    if (!holder) continue;
    const key = `${holder.name}\u0000${repo.workflow.signer!.path}`;
    const entry = byFile.get(key) ?? { holder, path: repo.workflow.signer!.path, callers: [] };
    entry.callers.push(repo);
    byFile.set(key, entry);
  }
  const out: OwnedSignerWorkflow[] = [];
  for (const { holder, callers } of byFile.values()) {
    const renders = callers.map((c) => renderSignerWorkflow(model, c, opts));
    const first = renders[0];
    const differing = renders.slice(1)
      .map((r, i) => ({ caller: callers[i + 1].name, at: firstDifference(first.workflow, r.workflow, '') }))
      .filter((d) => d.at !== '');
    out.push({
      rendered: { ...first, repository: holder.name },
      callers: callers.map((c) => c.name),
      differing,
    });
  }
  return out;
}
