/**
 * The one map of pinned GitHub Actions: every `uses:` the generator writes comes from here,
 * pinned to a full commit SHA with its release tag in a trailing comment. Users override
 * entries through `WorkflowPins`.
 *
 * Each SHA was checked against several public workflows pinning `<action>@<sha> # <tag>`
 * (see docs/pins.md for how to refresh them).
 */
export interface ActionPin {
  /** `owner/repo` (or `owner/repo/path`) */
  readonly action: string;
  /** full 40-hex commit SHA */
  readonly sha: string;
  /** release tag the SHA belongs to, written as a trailing comment */
  readonly version: string;
}

export const DEFAULT_PINS: Readonly<Record<string, ActionPin>> = {
  'checkout': { action: 'actions/checkout', sha: '11bd71901bbe5b1630ceea73d27597364c9af683', version: 'v4.2.2' },
  'login': { action: 'docker/login-action', sha: 'c94ce9fb468520275223c153574b00df6fe4bcc9', version: 'v3.7.0' },
  'setup-buildx': { action: 'docker/setup-buildx-action', sha: '8d2750c68a42422c14e847fe6c8ac0403b4cbd6f', version: 'v3.12.0' },
  'setup-qemu': { action: 'docker/setup-qemu-action', sha: 'c7c53464625b32c7a7e944ae62b3e17d2b600130', version: 'v3.7.0' },
  'build-push': { action: 'docker/build-push-action', sha: '10e90e3645eae34f1e60eeb005ba3a3d33f178e8', version: 'v6.19.2' },
  // cosign-installer v3 installs cosign 2.x releases
  'cosign-installer': { action: 'sigstore/cosign-installer', sha: '7e8b541eb2e61bf99390e1afd4be13a184e9ebc5', version: 'v3.10.1' },
  // cosign-installer v4 is the line that installs cosign 3.x releases
  'cosign-installer-v4': { action: 'sigstore/cosign-installer', sha: 'faadad0cce49287aee09b3a48701e75088a2c6ad', version: 'v4.0.0' },
  'sbom': { action: 'anchore/sbom-action', sha: '17ae1740179002c89186b61233e0f892c3118b11', version: 'v0.23.0' },
  'attest-build-provenance': { action: 'actions/attest-build-provenance', sha: '977bb373ede98d70efdf65b84cb5f73e068dcc2a', version: 'v3.0.0' },
  // KMS logins with GitHub OIDC (signing.key.kms); tag -> commit checked with `git show-ref --tags`
  // on each action's repository, and the inputs used in its action.yml at that commit
  'configure-aws-credentials': { action: 'aws-actions/configure-aws-credentials', sha: 'e6de054238d6b7531b4efff3b6587d9aade6a06c', version: 'v6.2.3' },
  'gcp-auth': { action: 'google-github-actions/auth', sha: '7c6bc770dae815cd3e89ee6cdf493a5fab2cc093', version: 'v3.0.0' },
  'azure-login': { action: 'azure/login', sha: 'f5d393ae46f8fde4be8b75f32e3fc50e654ad0ca', version: 'v3.0.1' },
  'vault-action': { action: 'hashicorp/vault-action', sha: '4c06c5ccf5c0761b6029f56cfb1dcf5565918a3b', version: 'v3.4.0' },
};

/** The keys of the pin map, i.e. what `github.actionPins` may override. */
export const PIN_KEYS: readonly string[] = Object.keys(DEFAULT_PINS);

export const FULL_SHA_RE = /^[0-9a-f]{40}$/;

/**
 * The pin map in effect: the defaults, then the config's `github.actionPins` (sha + version per
 * key; the action stays the default's), then programmatic overrides (whole pins). Every SHA must
 * be a full commit SHA.
 */
export function effectivePins(
  configPins: Readonly<Record<string, { readonly sha: string; readonly version: string }>> = {},
  overrides: Readonly<Record<string, ActionPin>> = {},
): Record<string, ActionPin> {
  const pins: Record<string, ActionPin> = { ...DEFAULT_PINS };
  for (const [k, p] of Object.entries(configPins)) {
    const base = DEFAULT_PINS[k];
    if (!base) throw new Error(`unknown action pin key ${k}`);
    pins[k] = { action: base.action, sha: p.sha, version: p.version };
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
