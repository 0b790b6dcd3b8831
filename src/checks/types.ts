import { BlueprintModel } from '../model/model';

/** Severity of a finding. */
export type Level = 'error' | 'warning' | 'info';

/** What a rule reports: where (config path), what, and the fix. */
export interface RawFinding {
  readonly message: string;
  /** config path the finding is about (e.g. `repositories[0].images[0]`), or an artifact path */
  readonly path: string;
  /** overrides the rule's default fix */
  readonly fix?: string;
  /** overrides the rule's default level (e.g. "could not check" is a warning) */
  readonly level?: Level;
}

export interface Finding {
  readonly id: string;
  readonly level: Level;
  readonly message: string;
  readonly path: string;
  readonly fix: string;
  /** set when the config suppresses this rule; the finding is still reported */
  readonly suppressed?: { readonly reason: string };
  /** the config file that holds the value the finding is about (absolute), when located */
  readonly file?: string;
  /** 1-based line in `file` */
  readonly line?: number;
  /** 1-based column in `file` */
  readonly column?: number;
}

/** The final artifacts the rules read (after rendering and any user changes). */
export interface CheckArtifacts {
  /**
   * workflow objects parsed back from the final YAML, per file; `repo` is the repository whose
   * signing the workflow carries out (for a reusable signer workflow: its first caller)
   */
  readonly workflows: ReadonlyMap<string, { readonly repo: string; readonly path: string; readonly file: string; readonly workflow: any }>;
  /** the reusable signer workflows the blueprint writes into its own repositories */
  readonly signerWorkflows?: readonly {
    /** the holding repository's name */
    readonly holder: string;
    /** `.github/workflows/<file>` */
    readonly path: string;
    readonly callers: readonly string[];
    /** callers that would need a different workflow, with the first path where it differs */
    readonly differing: readonly { readonly caller: string; readonly at: string }[];
    /** the path is the holder's own build workflow (the file is not written) */
    readonly collides: boolean;
  }[];
  /** Kubernetes objects per cluster name */
  readonly clusterObjects: ReadonlyMap<string, readonly any[]>;
  /** synthesized Terraform JSON per stack id */
  readonly terraform: ReadonlyMap<string, any>;
  /** every output file: relative path → content */
  readonly files: ReadonlyMap<string, string>;
}

export interface CheckContext {
  readonly model: BlueprintModel;
  readonly artifacts: CheckArtifacts;
  /** environment the check runs in (COSIGN_PASSWORD for the key pair check, ...) */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** today, for end dates */
  readonly now: Date;
}

/** One rule of the catalogue: stable id, default level, explanation, fix. One file per rule. */
export interface Rule {
  readonly id: string;
  readonly level: Level;
  /** one line */
  readonly title: string;
  /** one paragraph: what goes wrong when this fires */
  readonly explanation: string;
  /** default fix hint */
  readonly fix: string;
  check(ctx: CheckContext): RawFinding[];
}
