import { BlueprintError } from '../errors';

/** One thing wrong with a config: where, what, the value, and the fix. */
export interface Problem {
  /** config path, e.g. `repositories[1].images[0]` */
  readonly path: string;
  readonly message: string;
  /** the offending value, when there is one (never a secret) */
  readonly value?: unknown;
  readonly fix?: string;
  /**
   * the catalogue rule this refusal is an instance of (`ISB-IMG-001`, `ISB-POL-003`, …); without
   * one, `problemRuleId` infers it (`ISB-CFG-001` for any other invalid config)
   */
  readonly id?: string;
  /** the config file that holds the value (set when the CLI locates the problem) */
  readonly file?: string;
  /** 1-based line of the value in `file` */
  readonly line?: number;
  /** 1-based column of the value in `file` */
  readonly column?: number;
}

/** The rule of the catalogue every config refusal without a more specific one belongs to. */
export const CONFIG_RULE_ID = 'ISB-CFG-001';

/** The catalogue id of a refusal: its own, an image-name problem's ISB-IMG-001, else ISB-CFG-001. */
export function problemRuleId(p: Problem): string {
  if (p.id !== undefined) return p.id;
  if (/(^|\.)images\[\d+\]$/.test(p.path)) return 'ISB-IMG-001';
  return CONFIG_RULE_ID;
}

/** Render a value for an error message: short, one line, JSON-ish. */
export function showValue(v: unknown): string {
  let s: string;
  try {
    s = typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 120 ? s.slice(0, 117) + '...' : s;
}

/** A path for a message: paths with huge keys (hostile input) are shortened, never echoed whole. */
export function showPath(path: string): string {
  return path.length > 200 ? `${path.slice(0, 120)}...(${path.length} characters)...${path.slice(-40)}` : path;
}

export function formatProblem(p: Problem): string {
  const where = p.path === '' ? '(top level)' : showPath(p.path);
  const value = p.value === undefined ? '' : ` (got ${showValue(p.value)})`;
  const fix = p.fix ? `\n    fix: ${p.fix}` : '';
  const at = p.file !== undefined && p.line !== undefined ? ` at ${p.file}:${p.line}` : '';
  return `${where}: ${p.message}${value} [${problemRuleId(p)}${at}]${fix}`;
}

/** Thrown when a config has problems; carries all of them. Code `CONFIG_INVALID`. */
export class ConfigError extends BlueprintError {
  public readonly problems: Problem[];
  /** the config file named in the message */
  public readonly source?: string;
  constructor(problems: Problem[], source?: string) {
    const head = `${source ? source + ': ' : ''}the blueprint config has ${problems.length} problem${problems.length === 1 ? '' : 's'}:`;
    super('CONFIG_INVALID', [head, ...problems.map((p) => '  - ' + formatProblem(p))].join('\n'),
      { path: problems[0]?.path, fix: problems[0]?.fix });
    this.name = 'ConfigError';
    this.problems = problems;
    this.source = source;
  }
}

export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return base === '' ? key : `${base}.${key}`;
}

/** Levenshtein distance, for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  const dp: number[] = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}

export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const limit = Math.max(2, Math.floor(word.length / 3));
  for (const c of candidates) {
    if (Math.abs(word.length - c.length) > limit) continue; // the distance is at least the length difference
    const d = editDistance(word, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= limit ? best : undefined;
}
