/**
 * The one map of pinned GitHub Actions: every `uses:` the generator writes comes from here,
 * pinned to a full commit SHA with its release tag in a trailing comment (`# vX.Y.Z`, the form
 * Dependabot's github-actions updater rewrites). Users override entries through
 * `github.actionPins`.
 *
 * Each entry is the newest release tag of its action (or of the line named in its comment),
 * checked on {@link PINS_CHECKED} against the action's own repository: the tag resolves to this
 * commit (`git show-ref --tags`), and `runtime` is `runs.using` of `action.yml` at that commit.
 * README "Pinned actions" lists them; see there how to refresh.
 */
export interface ActionPin {
  /** `owner/repo` (or `owner/repo/path`) */
  readonly action: string;
  /** full 40-hex commit SHA */
  readonly sha: string;
  /** release tag the SHA belongs to, written as a trailing comment */
  readonly version: string;
  /**
   * `runs.using` of the action's `action.yml` at `sha` (`node24`, `node20`, `docker`,
   * `composite`, …); unset when not known (ISB-WF-005 then looks it up or reports it unknown)
   */
  readonly runtime?: string;
}

/** The day the default pins were last checked against their repositories (UTC). */
export const PINS_CHECKED = '2026-12-06';

export const DEFAULT_PINS: Readonly<Record<string, ActionPin>> = {
  'checkout': { action: 'actions/checkout', sha: '3d3c42e5aac5ba805825da76410c181273ba90b1', version: 'v7.0.1', runtime: 'node24' },
  'login': { action: 'docker/login-action', sha: '4907a6ddec9925e35a0a9e82d7399ccc52663121', version: 'v4.1.0', runtime: 'node24' },
  'setup-buildx': { action: 'docker/setup-buildx-action', sha: '37fe631027851001ddb9b187196cc803df7f5f0e', version: 'v4.3.0', runtime: 'node24' },
  'setup-qemu': { action: 'docker/setup-qemu-action', sha: '96fe6ef7f33517b61c61be40b68a1882f3264fb8', version: 'v4.2.0', runtime: 'node24' },
  'build-push': { action: 'docker/build-push-action', sha: '53b7df96c91f9c12dcc8a07bcb9ccacbed38856a', version: 'v7.3.0', runtime: 'node24' },
  // the v3 line (newest v3.10.1) installs cosign 2.x (its cosign-release default is v2.6.1): used when cosign v2 is selected
  'cosign-installer': { action: 'sigstore/cosign-installer', sha: '7e8b541eb2e61bf99390e1afd4be13a184e9ebc5', version: 'v3.10.1', runtime: 'composite' },
  // the v4 line installs cosign 3.x releases (cosign-release default v3.0.6 at this commit)
  'cosign-installer-v4': { action: 'sigstore/cosign-installer', sha: '6f9f17788090df1f26f669e9d70d6ae9567deba6', version: 'v4.1.2', runtime: 'composite' },
  'sbom': { action: 'anchore/sbom-action', sha: 'e22c389904149dbc22b58101806040fa8d37a610', version: 'v0.24.0', runtime: 'node24' },
  // composite around actions/attest@59d89421af93a897026c735860bf21b6eb4f7b26 (v4.1.0, node24)
  'attest-build-provenance': { action: 'actions/attest-build-provenance', sha: 'a2bbfa25375fe432b6a289bc6b6cd05ecd0c4c32', version: 'v4.1.0', runtime: 'composite' },
  // KMS logins with GitHub OIDC (signing.key.kms); tag -> commit checked with `git show-ref --tags`
  // on each action's repository, and the inputs used and runs.using of its action.yml at that commit
  'configure-aws-credentials': { action: 'aws-actions/configure-aws-credentials', sha: 'e6de054238d6b7531b4efff3b6587d9aade6a06c', version: 'v6.2.3', runtime: 'node24' },
  'gcp-auth': { action: 'google-github-actions/auth', sha: '7c6bc770dae815cd3e89ee6cdf493a5fab2cc093', version: 'v3.0.0', runtime: 'node24' },
  'azure-login': { action: 'azure/login', sha: 'f5d393ae46f8fde4be8b75f32e3fc50e654ad0ca', version: 'v3.0.1', runtime: 'node24' },
};

/**
 * The cosign release each installer pin installs when `cosign-release` is not given: the
 * `inputs.cosign-release.default` of its `action.yml` at the pinned commit. The default cosign
 * version of a blueprint is the v4 installer's.
 */
export const INSTALLER_DEFAULT_COSIGN: Readonly<Record<string, string>> = {
  'cosign-installer': 'v2.6.1',
  'cosign-installer-v4': 'v3.0.6',
};

/** The cosign release a blueprint installs unless `signing.cosign.version` says otherwise. */
export const DEFAULT_COSIGN_VERSION = INSTALLER_DEFAULT_COSIGN['cosign-installer-v4'];

/** The keys of the pin map, i.e. what `github.actionPins` may override. */
export const PIN_KEYS: readonly string[] = Object.keys(DEFAULT_PINS);

export const FULL_SHA_RE = /^[0-9a-f]{40}$/;

/** A `github.actionPins` entry: sha + version, optionally the runtime its action.yml declares. */
export interface ConfiguredPin {
  readonly sha: string;
  readonly version: string;
  readonly runtime?: string;
}

/**
 * The pin map in effect: the defaults, then the config's `github.actionPins` (sha + version
 * [+ runtime] per key; the action stays the default's), then programmatic overrides (whole pins).
 * Every SHA must be a full commit SHA.
 */
export function effectivePins(
  configPins: Readonly<Record<string, ConfiguredPin>> = {},
  overrides: Readonly<Record<string, ActionPin>> = {},
): Record<string, ActionPin> {
  const pins: Record<string, ActionPin> = { ...DEFAULT_PINS };
  for (const [k, p] of Object.entries(configPins)) {
    const base = DEFAULT_PINS[k];
    if (!base) throw new Error(`unknown action pin key ${k}`);
    // the default's runtime holds only for the default's commit
    const runtime = p.runtime ?? (p.sha === base.sha ? base.runtime : undefined);
    pins[k] = { action: base.action, sha: p.sha, version: p.version, ...(runtime ? { runtime } : {}) };
  }
  Object.assign(pins, overrides);
  for (const [k, p] of Object.entries(pins)) {
    if (!FULL_SHA_RE.test(p.sha)) throw new Error(`action pin ${k} (${p.action}) is not a full commit SHA: ${p.sha}`);
  }
  return pins;
}

/** `owner/repo@sha` for a `uses:` value; the version goes in a trailing comment when rendered. */
export function usesRef(pin: ActionPin): string {
  return `${pin.action}@${pin.sha}`;
}
