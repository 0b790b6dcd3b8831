import { BlueprintModel, ClusterModel, RepositoryModel } from '../../model/model';

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
