/*
 * The image patterns of every policy object, grouped per cluster and engine, compiled once and
 * indexed so that the image rules stay linear in the number of images and patterns.
 */
import { Engine } from './matchers/engine';
import { PatternSet } from './matchers/pattern-set';
import { CheckArtifacts } from './types';
import { kyvernoEntries, objectsOfKind, PROBE_DIGEST } from './views';

/** The pod-spec spellings of a pushed image that a policy must cover. */
export function podForms(image: string): string[] {
  return [image, `${image}:v1.2.3`, `${image}@${PROBE_DIGEST}`, `${image}:v1.2.3@${PROBE_DIGEST}`];
}

/** policy-controller resolves tags at admission and matches `registry/repo@sha256:…`. */
export function digestForm(image: string): string[] {
  return [`${image}@${PROBE_DIGEST}`];
}

/** The patterns of one policy object (a Kyverno verifyImages entry, an IVP, a CIP). */
export interface PatternGroup {
  readonly engine: Engine;
  readonly cluster: string;
  readonly where: string;
  readonly include: readonly string[];
  readonly skip: readonly string[];
  readonly skipSet?: PatternSet;
}

/** All groups of one cluster and engine, matched through one merged, indexed pattern set. */
export interface ClusterEngineIndex {
  readonly cluster: string;
  readonly engine: Engine;
  readonly groups: readonly PatternGroup[];
  readonly groupsByPattern: ReadonlyMap<string, readonly PatternGroup[]>;
  /** the forms of a pushed image this engine compares */
  readonly forms: (image: string) => string[];
  /** the groups that select this form (include matches, skip does not) */
  selecting(form: string): PatternGroup[];
  /** the patterns (of all groups) matching this form, matched once per form (several image rules ask for the same forms) */
  matching(form: string): readonly string[];
}

function strings(xs: unknown): string[] {
  return Array.isArray(xs) ? xs.filter((x): x is string => typeof x === 'string') : [];
}

function collectGroups(a: CheckArtifacts): PatternGroup[] {
  const out: PatternGroup[] = [];
  for (const e of kyvernoEntries(a)) {
    const skip = strings(e.entry.skipImageReferences);
    out.push({
      engine: 'kyverno',
      cluster: e.cluster,
      where: e.where,
      include: strings(e.entry.imageReferences),
      skip,
      skipSet: skip.length ? new PatternSet('kyverno', skip) : undefined,
    });
  }
  for (const p of objectsOfKind(a, 'ImageValidatingPolicy')) {
    out.push({ engine: 'kyverno-ivpol', cluster: p.cluster, where: p.where, include: strings((p.policy.spec?.matchImageReferences ?? []).map((m: any) => m?.glob)), skip: [] });
  }
  for (const p of objectsOfKind(a, 'ClusterImagePolicy')) {
    out.push({ engine: 'policy-controller', cluster: p.cluster, where: p.where, include: strings((p.policy.spec?.images ?? []).map((i: any) => i?.glob)), skip: [] });
  }
  return out;
}

const cache = new WeakMap<CheckArtifacts, ClusterEngineIndex[]>();

export function clusterEngineIndexes(a: CheckArtifacts): ClusterEngineIndex[] {
  const hit = cache.get(a);
  if (hit) return hit;
  const byKey = new Map<string, PatternGroup[]>();
  for (const g of collectGroups(a)) {
    const k = `${g.cluster}\u0000${g.engine}`;
    const list = byKey.get(k);
    if (list) list.push(g);
    else byKey.set(k, [g]);
  }
  const out: ClusterEngineIndex[] = [];
  // clusters with the same patterns for an engine (prod-eu and prod-us of one blueprint) share
  // one matcher and its memo of matched forms
  const shared = new Map<string, { merged: PatternSet; matched: Map<string, string[]> }>();
  for (const groups of byKey.values()) {
    const { cluster, engine } = groups[0];
    const groupsByPattern = new Map<string, PatternGroup[]>();
    for (const g of groups) {
      for (const p of g.include) {
        const list = groupsByPattern.get(p);
        if (list) list.push(g);
        else groupsByPattern.set(p, [g]);
      }
    }
    const patterns = [...groupsByPattern.keys()];
    const sharedKey = `${engine}\u0000${patterns.join('\u0000')}`;
    let matcher = shared.get(sharedKey);
    if (matcher === undefined) shared.set(sharedKey, matcher = { merged: new PatternSet(engine, patterns), matched: new Map() });
    const { merged, matched } = matcher;
    const selected = new Map<string, PatternGroup[]>();
    const matching = (form: string): string[] => {
      let m = matched.get(form);
      if (m === undefined) matched.set(form, m = merged.matching(form));
      return m;
    };
    out.push({
      cluster,
      engine,
      groups,
      groupsByPattern,
      forms: engine === 'policy-controller' ? digestForm : podForms,
      selecting(form: string): PatternGroup[] {
        // the image rules and guardedRepositories ask for the same forms: each is matched once
        let groupsOfForm = selected.get(form);
        if (groupsOfForm === undefined) {
          const sel = new Set<PatternGroup>();
          for (const p of matching(form)) {
            for (const g of groupsByPattern.get(p) ?? []) if (!g.skipSet?.any(form)) sel.add(g);
          }
          selected.set(form, groupsOfForm = [...sel]);
        }
        return [...groupsOfForm];
      },
      matching,
    });
  }
  cache.set(a, out);
  return out;
}
