/*
 * The merge rules of the config: `extends:` bases, `defaults.workflow`, and per-repository
 * `signing` over the top-level `signing`. One rule everywhere: objects deep-merge, lists replace;
 * `repositories` and `clusters` (of a base) merge by `name`. Internal: not part of the jsii API.
 */
import { KeyConfig, SecretScope, SigningConfig, SigningMode, WorkflowConfig } from './types';

function isPlainObject(v: unknown): v is Record<string, any> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Objects deep-merge, lists and scalars of `over` replace, `undefined` keeps the base value. */
export function deepMerge(base: unknown, over: unknown): any {
  if (over === undefined) return base;
  if (isPlainObject(base) && isPlainObject(over)) {
    const out: Record<string, any> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
    return out;
  }
  return over;
}

/**
 * Lists of named entries merge by `name`: an entry of `over` with the name of a base entry
 * deep-merges over it (in the base's position), the others are appended in their order.
 * Entries without a string name are appended as they are (validation reports them).
 */
export function mergeByName(base: unknown, over: unknown): any {
  if (over === undefined) return base;
  if (!Array.isArray(base) || !Array.isArray(over)) return over;
  const out = [...base];
  const at = new Map<string, number>();
  out.forEach((e, i) => {
    if (isPlainObject(e) && typeof e.name === 'string' && !at.has(e.name)) at.set(e.name, i);
  });
  for (const e of over) {
    const i = isPlainObject(e) && typeof e.name === 'string' ? at.get(e.name) : undefined;
    if (i !== undefined) {
      out[i] = deepMerge(out[i], e);
    } else {
      if (isPlainObject(e) && typeof e.name === 'string') at.set(e.name, out.length);
      out.push(e);
    }
  }
  return out;
}

/** Keys merged by name when a config extends a base. */
const NAMED_LISTS = new Set(['repositories', 'clusters']);

/** A config over its base (`extends:`): see BlueprintConfig.extends. The child's `extends` is dropped. */
export function mergeBlueprints(base: Record<string, any>, child: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = { ...base };
  delete out.extends;
  for (const [k, v] of Object.entries(child)) {
    if (k === 'extends') continue;
    out[k] = NAMED_LISTS.has(k) ? mergeByName(base[k], v) : deepMerge(base[k], v);
  }
  return out;
}

/** A repository's workflow over `defaults.workflow`. */
export function effectiveWorkflow(defaults: WorkflowConfig | undefined, own: WorkflowConfig | undefined): WorkflowConfig {
  return deepMerge(defaults ?? {}, own ?? {}) ?? {};
}

/** The top-level key fields a repository with its own key still inherits. */
const INHERITED_WITH_OWN_KEY: (keyof KeyConfig)[] = ['secretScope', 'environment'];

function mergeKey(top: KeyConfig | undefined, over: KeyConfig | undefined): KeyConfig | undefined {
  if (over === undefined) return top;
  const ownKey = over.publicKey !== undefined || over.publicKeyFile !== undefined || over.kms !== undefined;
  const base: Record<string, any> = {};
  for (const [k, v] of Object.entries(top ?? {})) {
    if (!ownKey || INHERITED_WITH_OWN_KEY.includes(k as keyof KeyConfig)) base[k] = v;
  }
  const merged: Record<string, any> = { ...base, ...over };
  // a repository that changes the scope away from environment does not carry the base's environment
  if (over.secretScope !== undefined && over.secretScope !== SecretScope.ENVIRONMENT && over.environment === undefined) {
    delete merged.environment;
  }
  return merged;
}

/** The signing a repository uses: its own `signing` over the top-level one (see RepositoryConfig.signing). */
export function effectiveSigning(top: SigningConfig | undefined, over: SigningConfig | undefined): SigningConfig {
  const t = top ?? {};
  const o = over ?? {};
  const mode = o.mode ?? t.mode ?? SigningMode.KEY;
  const out: Record<string, any> = { mode };
  const cosign = deepMerge(t.cosign, o.cosign);
  if (cosign !== undefined) out.cosign = cosign;
  const tlog = o.transparencyLog ?? t.transparencyLog;
  if (tlog !== undefined) out.transparencyLog = tlog;
  if (mode === SigningMode.KEY) {
    const key = mergeKey(t.key, o.key);
    if (key !== undefined) out.key = key;
  } else {
    const keyless = deepMerge(t.keyless, o.keyless);
    if (keyless !== undefined) out.keyless = keyless;
  }
  return out;
}

function hasPath(obj: unknown, segs: string[]): boolean {
  let cur: any = obj;
  for (const s of segs) {
    if (!isPlainObject(cur) || cur[s] === undefined) return false;
    cur = cur[s];
  }
  return true;
}

/**
 * The config path a field of a repository's effective signing came from: the repository's
 * override when it sets the field, else the top-level `signing`. `field` is dotted
 * (`key.publicKeyFile`). A key field of a repository with its own key comes from the override.
 */
export function signingOrigin(over: SigningConfig | undefined, repoIndex: number, field: string): string {
  const segs = field.split('.');
  const own = `repositories[${repoIndex}].signing.${field}`;
  if (hasPath(over, segs)) return own;
  if (segs[0] === 'key' && over?.key !== undefined && (over.key.publicKey !== undefined || over.key.publicKeyFile !== undefined || over.key.kms !== undefined)
    && !INHERITED_WITH_OWN_KEY.includes(segs[1] as keyof KeyConfig)) {
    return own;
  }
  return `signing.${field}`;
}
