import { ActionPin } from '../config/pins';

/**
 * What GitHub's hosted runners provide for each `runs.using` of an action, and what each release
 * range of the actions the blueprint pins declares. One table of facts, each with its source;
 * ISB-WF-005 reads it.
 */

/** The runner's support of one action runtime. */
export interface RuntimeFact {
  /** `runs.using` value */
  readonly runtime: string;
  /** the runner no longer ships it from this day (UTC, `YYYY-MM-DD`); unset = provided */
  readonly removed?: string;
  /** what the runner does instead, for the message */
  readonly note: string;
  /** where the fact comes from */
  readonly source: string;
}

/**
 * Runtimes of JavaScript, Docker and composite actions on GitHub-hosted runners.
 *
 * Sources, all read in the runner's own repository (actions/runner, snapshot of 2026-08-17,
 * commit 258d6c857db3519913f7deb6004b60172f8043ae):
 * - node12: removed by "Remove node12 (#2717)", first in runner v2.308.0 (tagged 2023-08-14);
 *   `Handlers/HandlerFactory.cs` runs node12 and node16 actions on node20 since.
 * - node16: removed by "Remove node16 from the runner. (#3503)", first in v2.321.0 (tagged
 *   2024-11-13).
 * - node20: `src/Runner.Common/Constants.cs` `NodeMigration.Node20RemovalDate = "September 16th,
 *   2026"`. The Node 24 default date there was "June 2nd, 2026" (#4303, v2.333.0) and became
 *   "June 16th, 2026" in "Update Node 24 default date to June 16th, 2026 (#4462)" (v2.335.0);
 *   both are fallbacks the service can override (`actions_runner_node20_removal_date`). GitHub's
 *   announcement is https://github.blog/changelog/2025-09-19-deprecation-of-node-20-on-github-actions-runners/
 *   (the runner's `Node20DeprecationUrl`; not readable here, so the dates are the runner's).
 * - node24: the default since the date above; no removal announced.
 */
export const RUNNER_RUNTIMES: readonly RuntimeFact[] = [
  {
    runtime: 'node12',
    removed: '2023-08-14',
    note: 'the runner runs it on a newer Node than it was built for',
    source: 'actions/runner#2717 (runner v2.308.0)',
  },
  {
    runtime: 'node16',
    removed: '2024-11-13',
    note: 'the runner runs it on a newer Node than it was built for',
    source: 'actions/runner#3503 (runner v2.321.0)',
  },
  {
    runtime: 'node20',
    removed: '2026-09-16',
    note: 'Node 24 is the default since 2026-06-16 and Node 20 leaves the runner on 2026-09-16',
    source: 'actions/runner src/Runner.Common/Constants.cs NodeMigration (Node20RemovalDate; #4303, #4462)',
  },
  { runtime: 'node24', note: 'current', source: 'actions/runner src/Runner.Common/Constants.cs NodeMigration.Node24' },
  { runtime: 'docker', note: 'runs in its own container', source: 'actions/runner ActionManifestManager.cs' },
  { runtime: 'composite', note: 'its steps run with their own runtimes', source: 'actions/runner ActionManifestManager.cs' },
];

/** Days before a known removal date from which ISB-WF-005 warns. */
export const RUNTIME_WARNING_DAYS = 90;

/** `runs.using` of an action over a range of its release tags: [from, before). */
export interface KnownActionRuntime {
  readonly action: string;
  /** first release tag of the range */
  readonly from: string;
  /** first release tag after the range; unset = open */
  readonly before?: string;
  readonly runtime: string;
}

/**
 * `runs.using` of `action.yml` at every release tag of the pinned actions, read from each
 * action's repository on 2026-12-06 (`git show <tag>:action.yml` for every `vX.Y.Z` tag); a range
 * is listed only where every tag in it declares the same runtime.
 */
export const KNOWN_ACTION_RUNTIMES: readonly KnownActionRuntime[] = [
  ...majors('actions/checkout', { v2: 'node12', v3: 'node16', v4: 'node20', v5: 'node24', v6: 'node24', v7: 'node24' }),
  ...majors('docker/login-action', { v2: 'node16', v3: 'node20', v4: 'node24' }),
  ...majors('docker/setup-buildx-action', { v1: 'node12', v2: 'node16', v3: 'node20', v4: 'node24' }),
  ...majors('docker/setup-qemu-action', { v1: 'node12', v2: 'node16', v3: 'node20', v4: 'node24' }),
  ...majors('docker/build-push-action', { v1: 'docker', v2: 'node12', v3: 'node16', v4: 'node16', v5: 'node20', v6: 'node20', v7: 'node24' }),
  ...majors('sigstore/cosign-installer', { v1: 'composite', v2: 'composite', v3: 'composite', v4: 'composite' }),
  ...majors('actions/attest-build-provenance', { v1: 'composite', v2: 'composite', v3: 'composite', v4: 'composite' }),
  // anchore/sbom-action stays on v0: the runtime changed within it
  { action: 'anchore/sbom-action', from: 'v0.1.0', before: 'v0.13.0', runtime: 'node12' },
  { action: 'anchore/sbom-action', from: 'v0.13.0', before: 'v0.15.7', runtime: 'node16' },
  { action: 'anchore/sbom-action', from: 'v0.15.7', before: 'v0.24.0', runtime: 'node20' },
  { action: 'anchore/sbom-action', from: 'v0.24.0', before: 'v1.0.0', runtime: 'node24' },
  // KMS logins: runs.using of the pinned release (read 2026-12-07); hashicorp/vault-action's newest release still declares node20
  { action: 'aws-actions/configure-aws-credentials', from: 'v6.2.3', before: 'v6.2.4', runtime: 'node24' },
  { action: 'google-github-actions/auth', from: 'v3.0.0', before: 'v3.0.1', runtime: 'node24' },
  { action: 'azure/login', from: 'v3.0.1', before: 'v3.0.2', runtime: 'node24' },
  { action: 'hashicorp/vault-action', from: 'v3.0.0', before: 'v3.4.1', runtime: 'node20' },
];

function majors(action: string, byMajor: Record<string, string>): KnownActionRuntime[] {
  return Object.entries(byMajor).map(([m, runtime]) => {
    const n = Number(m.slice(1));
    return { action, from: `v${n}.0.0`, before: `v${n + 1}.0.0`, runtime };
  });
}

/** `vX[.Y[.Z]]` → [X, Y, Z]; undefined for anything else. */
export function parseTag(tag: string): [number, number, number] | undefined {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(tag);
  return m ? [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)] : undefined;
}

function compareTags(a: [number, number, number], b: [number, number, number]): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** Where a pin's runtime comes from. */
export interface PinRuntime {
  readonly runtime?: string;
  /** `pin` (stated in the pin map or config), `table` (KNOWN_ACTION_RUNTIMES), or `unknown` */
  readonly from: 'pin' | 'table' | 'unknown';
}

/** The runtime of a pin: stated on the pin, else from the release table by action and tag. */
export function pinRuntime(pin: ActionPin): PinRuntime {
  if (pin.runtime) return { runtime: pin.runtime, from: 'pin' };
  const tag = parseTag(pin.version);
  if (tag) {
    for (const k of KNOWN_ACTION_RUNTIMES) {
      if (k.action !== pin.action) continue;
      if (compareTags(tag, parseTag(k.from)!) < 0) continue;
      if (k.before && compareTags(tag, parseTag(k.before)!) >= 0) continue;
      return { runtime: k.runtime, from: 'table' };
    }
  }
  return { from: 'unknown' };
}

/** The runner's fact for a runtime, if the runtime is one the runner knows. */
export function runtimeFact(runtime: string): RuntimeFact | undefined {
  return RUNNER_RUNTIMES.find((f) => f.runtime === runtime);
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** `removed` (on or past the removal date), `soon` (within `warnDays`), `ok`, or `unknown` (not a runner runtime). */
export function runtimeStatus(runtime: string, now: Date, warnDays = RUNTIME_WARNING_DAYS): 'removed' | 'soon' | 'ok' | 'unknown' {
  const fact = runtimeFact(runtime);
  if (!fact) return 'unknown';
  if (!fact.removed) return 'ok';
  const removal = Date.parse(`${fact.removed}T00:00:00Z`);
  if (now.getTime() >= removal) return 'removed';
  return now.getTime() >= removal - warnDays * DAY_MS ? 'soon' : 'ok';
}
