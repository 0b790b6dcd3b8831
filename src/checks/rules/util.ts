import { BlueprintModel, ClusterModel, RepositoryModel, SigningModel } from '../../model/model';
import { clusterEngineIndexes } from '../pattern-index';
import { CheckContext } from '../types';

export function repoByName(model: BlueprintModel, name: string): RepositoryModel | undefined {
  return model.repositories.find((r) => r.name === name);
}

export function repoPath(model: BlueprintModel, name: string): string {
  return repoByName(model, name)?.path ?? 'repositories';
}

export function clusterByName(model: BlueprintModel, name: string): ClusterModel | undefined {
  return model.clusters.find((c) => c.name === name);
}

export function clusterPath(model: BlueprintModel, name: string): string {
  return clusterByName(model, name)?.path ?? 'clusters';
}

export function q(s: unknown): string {
  return JSON.stringify(s);
}

const guardCache = new WeakMap<object, Map<string, Set<RepositoryModel>>>();

/**
 * The repositories whose pushed images a policy object selects (by the engine's own matcher),
 * keyed by the object's `where` (a Kyverno verifyImages entry, an IVP, a CIP). Rules that
 * depend on how a repository signs (format, tlog, key or keyless) read the signers of these.
 */
export function guardedRepositories(ctx: CheckContext, where: string): RepositoryModel[] {
  let byWhere = guardCache.get(ctx.artifacts);
  if (!byWhere) {
    byWhere = new Map();
    for (const idx of clusterEngineIndexes(ctx.artifacts)) {
      for (const r of ctx.model.repositories) {
        for (const i of r.images) {
          for (const f of idx.forms(i.name)) {
            for (const g of idx.selecting(f)) {
              let set = byWhere.get(g.where);
              if (!set) byWhere.set(g.where, set = new Set());
              set.add(r);
            }
          }
        }
      }
    }
    guardCache.set(ctx.artifacts, byWhere);
  }
  return [...(byWhere.get(where) ?? [])];
}

/** The signers a policy object must agree with: those of the repositories it guards, or every repository's when it guards none. */
export function signersAt(ctx: CheckContext, where: string): SigningModel[] {
  const all = allSigners(ctx.model);
  if (all.length === 1) return all; // one signer: no need to know which repositories the object guards
  const repos = guardedRepositories(ctx, where);
  return [...new Set((repos.length > 0 ? repos : ctx.model.repositories).map((r) => r.signing))];
}

const signersCache = new WeakMap<BlueprintModel, SigningModel[]>();

/** Every distinct signing of the blueprint's repositories (memoized per model). */
export function allSigners(model: BlueprintModel): SigningModel[] {
  let v = signersCache.get(model);
  if (!v) signersCache.set(model, v = [...new Set(model.repositories.map((r) => r.signing))]);
  return v;
}
