import { parse } from 'yaml';
import { validateConfig } from '../../src/config/load';
import { DEFAULT_PINS } from '../../src/config/pins';
import { renderSignerWorkflow, renderWorkflow } from '../../src/github/workflow';
import { workflowToYaml } from '../../src/github/workflow-yaml';
import { buildModel } from '../../src/model/build';
import { keyConfig, projectDir } from '../support/fixtures';

/**
 * inputs and outputs of each pinned action, from its `action.yml` at the pinned commit (read
 * 2026-12-06 with `git show <sha>:action.yml`; see README "Pinned actions"). A major release
 * can drop inputs: every `with:` key and `steps.<id>.outputs.<name>` the workflows use must be
 * declared by the pinned commit.
 */
const DECLARED: Record<string, { sha: string; inputs: string[]; outputs: string[] }> = {
  'checkout': {
    sha: '3d3c42e5aac5ba805825da76410c181273ba90b1',
    inputs: ['repository', 'ref', 'token', 'ssh-key', 'ssh-known-hosts', 'ssh-strict', 'ssh-user', 'persist-credentials', 'path', 'clean', 'filter',
      'sparse-checkout', 'sparse-checkout-cone-mode', 'fetch-depth', 'fetch-tags', 'show-progress', 'lfs', 'submodules', 'set-safe-directory',
      'github-server-url', 'allow-unsafe-pr-checkout'],
    outputs: ['ref', 'commit'],
  },
  'login': { sha: '4907a6ddec9925e35a0a9e82d7399ccc52663121', inputs: ['registry', 'username', 'password', 'ecr', 'scope', 'logout', 'registry-auth'], outputs: [] },
  'setup-buildx': {
    sha: '37fe631027851001ddb9b187196cc803df7f5f0e',
    inputs: ['version', 'driver', 'driver-opts', 'buildkitd-flags', 'buildkitd-config', 'buildkitd-config-inline', 'use', 'name', 'endpoint', 'platforms',
      'append', 'keep-state', 'cache-binary', 'cleanup'],
    outputs: ['name', 'driver', 'platforms', 'nodes', 'endpoint', 'status', 'flags'],
  },
  'setup-qemu': { sha: '96fe6ef7f33517b61c61be40b68a1882f3264fb8', inputs: ['image', 'platforms', 'reset', 'cache-image'], outputs: ['platforms'] },
  'build-push': {
    sha: '53b7df96c91f9c12dcc8a07bcb9ccacbed38856a',
    inputs: ['add-hosts', 'allow', 'annotations', 'attests', 'build-args', 'build-contexts', 'builder', 'cache-from', 'cache-to', 'call', 'cgroup-parent',
      'context', 'file', 'labels', 'load', 'network', 'no-cache', 'no-cache-filters', 'outputs', 'platforms', 'provenance', 'pull', 'push', 'sbom',
      'secrets', 'secret-envs', 'secret-files', 'shm-size', 'ssh', 'tags', 'target', 'ulimit', 'github-token'],
    outputs: ['imageid', 'digest', 'metadata'],
  },
  'cosign-installer': { sha: '7e8b541eb2e61bf99390e1afd4be13a184e9ebc5', inputs: ['cosign-release', 'install-dir', 'use-sudo'], outputs: [] },
  'cosign-installer-v4': { sha: '6f9f17788090df1f26f669e9d70d6ae9567deba6', inputs: ['cosign-release', 'install-dir', 'use-sudo'], outputs: [] },
  'sbom': {
    sha: 'e22c389904149dbc22b58101806040fa8d37a610',
    inputs: ['path', 'file', 'image', 'registry-username', 'registry-password', 'format', 'github-token', 'artifact-name', 'output-file', 'syft-version',
      'dependency-snapshot', 'upload-artifact', 'upload-artifact-retention', 'upload-release-assets', 'config'],
    outputs: [],
  },
  'attest-build-provenance': {
    sha: 'a2bbfa25375fe432b6a289bc6b6cd05ecd0c4c32',
    inputs: ['subject-path', 'subject-digest', 'subject-name', 'subject-checksums', 'predicate-type', 'predicate', 'predicate-path', 'push-to-registry',
      'create-storage-record', 'show-summary', 'github-token'],
    outputs: ['bundle-path', 'attestation-id', 'attestation-url', 'storage-record-ids'],
  },
  // KMS logins (action.yml at the pinned commits, read 2026-12-07)
  'configure-aws-credentials': {
    sha: 'e6de054238d6b7531b4efff3b6587d9aade6a06c',
    inputs: ['aws-region', 'aws-profile', 'overwrite-aws-profile', 'role-to-assume', 'aws-access-key-id', 'aws-secret-access-key', 'aws-session-token',
      'web-identity-token-file', 'role-chaining', 'audience', 'http-proxy', 'no-proxy', 'mask-aws-account-id', 'role-duration-seconds', 'role-external-id',
      'role-session-name', 'role-skip-session-tagging', 'transitive-tag-keys', 'inline-session-policy', 'managed-session-policies', 'output-credentials',
      'output-env-credentials', 'unset-current-credentials', 'disable-retry', 'retry-max-attempts', 'special-characters-workaround',
      'use-existing-credentials', 'allowed-account-ids', 'force-skip-oidc', 'action-timeout-s', 'custom-tags', 'sts-endpoint'],
    outputs: ['aws-account-id', 'aws-access-key-id', 'aws-secret-access-key', 'aws-session-token', 'aws-expiration'],
  },
  'gcp-auth': {
    sha: '7c6bc770dae815cd3e89ee6cdf493a5fab2cc093',
    inputs: ['project_id', 'workload_identity_provider', 'service_account', 'audience', 'credentials_json', 'create_credentials_file',
      'export_environment_variables', 'token_format', 'delegates', 'universe', 'request_reason', 'cleanup_credentials', 'access_token_lifetime',
      'access_token_scopes', 'access_token_subject', 'id_token_audience', 'id_token_include_email'],
    outputs: ['project_id', 'credentials_file_path', 'auth_token', 'access_token', 'id_token'],
  },
  'azure-login': {
    sha: 'f5d393ae46f8fde4be8b75f32e3fc50e654ad0ca',
    inputs: ['creds', 'client-id', 'tenant-id', 'subscription-id', 'enable-AzPSSession', 'environment', 'allow-no-subscriptions', 'audience', 'auth-type'],
    outputs: [],
  },
};

const keyless = (over: Record<string, unknown> = {}): any => ({
  name: 'acme',
  github: { owner: 'acme' },
  repositories: [{ name: 'app', images: ['ghcr.io/acme/app', 'registry.example.com/acme/app'], workflow: { platforms: ['linux/amd64', 'linux/arm64'] } }],
  signing: { mode: 'keyless' },
  attestations: { sbom: { format: 'spdx' }, provenance: true },
  ...over,
});

const configs: [string, any][] = [
  ['key, cosign v3 default, SBOM + provenance, two platforms', keyConfig({
    repositories: [{ name: 'web', images: ['ghcr.io/acme/web'], workflow: { platforms: ['linux/amd64', 'linux/arm64'] } }],
    attestations: { sbom: { format: 'cyclonedx' }, provenance: true },
  })],
  ['key, cosign v2', keyConfig({ signing: { mode: 'key', cosign: { version: 'v2.6.4' }, key: { publicKeyFile: 'cosign.pub' } } })],
  ['keyless, two registries, SBOM + provenance', keyless()],
  ['keyless with a reusable signer workflow', keyless({
    repositories: [{ name: 'app', images: ['ghcr.io/acme/app'], workflow: { signerWorkflow: { repository: 'acme/release-tools', file: 'sign.yml', ref: 'refs/heads/main' } } }],
  })],
];

describe('the workflows use only inputs and outputs the pinned actions declare', () => {
  test('the recorded declarations are of the pinned commits', () => {
    for (const [key, d] of Object.entries(DECLARED)) expect([key, DEFAULT_PINS[key]?.sha]).toEqual([key, d.sha]);
    expect(Object.keys(DECLARED).sort()).toEqual(Object.keys(DEFAULT_PINS).sort());
  });

  test.each(configs)('%s', (_name, cfg) => {
    const model = buildModel(validateConfig(cfg), { baseDir: projectDir() });
    const repo = model.repositories[0];
    const rendered = [renderWorkflow(model, repo)];
    if (repo.workflow.signer) rendered.push(renderSignerWorkflow(model, repo));
    const keyOfSha = new Map(Object.entries(DECLARED).map(([k, d]) => [d.sha, k]));
    let checked = 0;
    for (const r of rendered) {
      const text = workflowToYaml(r);
      const wf = parse(text);
      for (const job of Object.values<any>(wf.jobs)) {
        const ids = new Map<string, string>();
        for (const step of job.steps ?? []) {
          if (typeof step.uses !== 'string') continue;
          const key = keyOfSha.get(step.uses.split('@')[1]);
          expect([step.uses, key]).toEqual([step.uses, expect.any(String)]);
          for (const input of Object.keys(step.with ?? {})) {
            expect([key, input, DECLARED[key!].inputs.includes(input)]).toEqual([key, input, true]);
            checked++;
          }
          if (step.id) ids.set(step.id, key!);
        }
        // every steps.<id>.outputs.<name> in the job (and its outputs map) is declared by that step's action
        for (const m of JSON.stringify(job).matchAll(/steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g)) {
          const key = ids.get(m[1]);
          expect([m[0], key && DECLARED[key].outputs.includes(m[2])]).toEqual([m[0], true]);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(5);
  });
});
