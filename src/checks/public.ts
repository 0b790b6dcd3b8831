import { Finding } from './types';

/** Severity of a check finding. */
export enum FindingLevel {
  ERROR = 'error',
  WARNING = 'warning',
  INFO = 'info',
}

/** One finding of the synth-time checks. */
export interface CheckFinding {
  /** Stable rule id, e.g. `ISB-IMG-002` (see RULES.md). */
  readonly id: string;
  readonly level: FindingLevel;
  readonly message: string;
  /** Config path (e.g. `repositories[0].images[0]`) or artifact location the finding is about. */
  readonly path: string;
  /** How to fix it. */
  readonly fix: string;
  /** True when the config suppresses this rule (the finding is still reported). */
  readonly suppressed: boolean;
  /**
   * The reason given in the config's suppression.
   * @default - not suppressed
   */
  readonly suppressionReason?: string;
}

export function toCheckFinding(f: Finding): CheckFinding {
  return {
    id: f.id,
    level: f.level as FindingLevel,
    message: f.message,
    path: f.path,
    fix: f.fix,
    suppressed: f.suppressed !== undefined,
    suppressionReason: f.suppressed?.reason,
  };
}
