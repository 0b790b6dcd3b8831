import { boundedName, MANAGED_BY_LABEL } from './metadata';
import { SigningMode } from '../config/types';
import { verifyTrustArgs } from '../github/cosign-commands';
import { BlueprintModel, ClusterVerificationModel, RepositoryModel } from '../model/model';
import { modelForSigner, SignerGroup, signerGroups } from '../model/signers';

/*
 * In-cluster verification: a CronJob that runs `cosign verify` for every image of the blueprint
 * with exactly the key/identity flags the policies use (src/github/cosign-commands.ts).
 *
 * Design choices:
 * - The official cosign image has no shell (ko-built, static base), so there is no script: each
 *   container runs `cosign verify <flags> IMAGE:TAG…` directly (cosign verify takes several
 *   images and fails when any fails). One container per signer group and chunk of images; the
 *   containers of the Pod run in parallel, and the Job fails (non-zero) when any of them does.
 *   An Indexed Job's pods cannot pick their slice of the list without a shell (`$(VAR)`
 *   expansion yields one argument, never a list), so with `verification.cluster.parallelism` > 1
 *   the job runs `/bin/sh -c` and needs a configured cosign image that has a shell.
 * - A Pod cannot know the digests the workflow pushed, so the job verifies configured tags
 *   (`verification.cluster.tags`, default `latest`). cosign resolves each tag and prints the
 *   verified payload, which names the digest (`docker-manifest-digest`), in the Pod log.
 * - Key rotation: the job verifies with the current key only (cosign verify takes one key), so
 *   images still signed only by a previous key show up before that key is retired.
 */

/**
 * cosign v3.0.6 (the workflow's default cosign release), the official image, pinned by the digest
 * of its multi-platform index. Evidence (this machine cannot reach ghcr.io): the reference
 * `ghcr.io/sigstore/cosign/cosign:v3.0.6@sha256:de9c65609e6bde17e6b48de485ee788407c9502fa08b8f4459f595b21f56cd00`
 * is pinned identically in three unrelated public repositories found with the code search (a
 * Dockerfile `FROM … AS cosign`, a verifier constant recorded from `docker buildx imagetools
 * inspect … --format '{{.Manifest.Digest}}'`, a deployment script), so the tag resolved to this
 * index digest for all of them. cosign 3.x verify reads Sigstore bundle referrers first and falls
 * back to legacy `.sig` signatures, so the job verifies either format (the interop suite runs the
 * job's argv with the cosign v3.0.6 binary built from the same release).
 */
export const DEFAULT_COSIGN_JOB_IMAGE = 'ghcr.io/sigstore/cosign/cosign:v3.0.6@sha256:de9c65609e6bde17e6b48de485ee788407c9502fa08b8f4459f595b21f56cd00';

/** images per container: keeps each cosign run short and the log readable */
export const IMAGES_PER_CONTAINER = 10;
const KEY_MOUNT = '/etc/cosign';
const KEY_CONFIGMAP_KEY = 'cosign.pub';

export function verificationJobName(model: BlueprintModel): string {
  return boundedName(model.name, 'verify-signatures');
}

export function verificationKeyConfigMapName(model: BlueprintModel): string {
  return boundedName(model.name, 'cosign-pub');
}

interface Group { readonly signer: SignerGroup; readonly repo: RepositoryModel; readonly refs: string[] }

/** ConfigMap key of a signer group's public key: `cosign.pub` for the top-level key, `<key id>.pub` otherwise. */
export function verificationKeyFileName(group: SignerGroup): string {
  return group.isDefault ? KEY_CONFIGMAP_KEY : `${group.id}.pub`;
}

/** One container per signer group and chunk of images (cosign verify takes one key or identity). */
function groups(model: BlueprintModel, v: ClusterVerificationModel): Group[] {
  const refsOf = (repos: readonly RepositoryModel[]) => repos.flatMap((r) => r.images.flatMap((i) => v.tags.map((t) => `${i.name}:${t}`)));
  return signerGroups(model).flatMap((g) => {
    const refs = refsOf(g.repos);
    const out: Group[] = [];
    for (let i = 0; i < refs.length; i += IMAGES_PER_CONTAINER) {
      out.push({ signer: g, repo: g.repos[0], refs: refs.slice(i, i + IMAGES_PER_CONTAINER) });
    }
    return out;
  });
}

/** `--flag value` strings → argv entries (`--flag=value`), no shell involved */
function argv(flags: string[]): string[] {
  return flags.map((f) => {
    const sp = f.indexOf(' ');
    if (sp < 0) return f;
    let value = f.slice(sp + 1);
    if (value.startsWith('\'') && value.endsWith('\'')) value = value.slice(1, -1).replace(/'\\''/g, '\'');
    return `${f.slice(0, sp)}=${value}`;
  });
}

/** `'…'` for /bin/sh: nothing inside single quotes is expanded */
function shQuote(s: string): string {
  return `'${s.replace(/'/g, '\'\\\'\'')}'`;
}

/**
 * The script of an Indexed Job's pod: the cosign runs are dealt round-robin to `pods` slices; pod
 * JOB_COMPLETION_INDEX runs its slice, every run even after a failure, and exits 1 when any failed.
 */
export function indexedScript(runs: readonly string[][], pods: number): string {
  const lines = ['rc=0', 'case "$JOB_COMPLETION_INDEX" in'];
  for (let p = 0; p < pods; p++) {
    lines.push(`${p})`);
    for (let i = p; i < runs.length; i += pods) lines.push(`  cosign ${runs[i].map(shQuote).join(' ')} || rc=1`);
    lines.push('  ;;');
  }
  lines.push('*) echo "unexpected JOB_COMPLETION_INDEX $JOB_COMPLETION_INDEX" >&2; exit 2 ;;', 'esac', 'exit "$rc"');
  return `${lines.join('\n')}\n`;
}

/** Namespace, ServiceAccount (no RBAC, no token), ConfigMap with the public key, and the CronJob. */
export function renderVerificationObjects(model: BlueprintModel): Record<string, any>[] {
  const v = model.verification.cluster;
  if (!v) return [];
  const keyGroups = signerGroups(model).filter((g) => g.mode === SigningMode.KEY);
  const keyMode = keyGroups.length > 0;
  const name = verificationJobName(model);
  const labels = { ...MANAGED_BY_LABEL, 'app.kubernetes.io/name': name };
  const out: Record<string, any>[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: v.namespace, labels: { ...MANAGED_BY_LABEL } } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: v.namespace, labels }, automountServiceAccountToken: false },
  ];
  if (keyMode) {
    out.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: verificationKeyConfigMapName(model), namespace: v.namespace, labels },
      // a KMS key whose public key the config does not give is read from the KMS (`--key <uri>`)
      data: Object.fromEntries(keyGroups.filter((g) => g.signing.key!.publicKey)
        .map((g) => [verificationKeyFileName(g), g.signing.key!.publicKey!.pem])),
    });
  }

  const env: Record<string, unknown>[] = [
    // cosign caches TUF metadata under $HOME/.sigstore; the root filesystem is read-only
    { name: 'HOME', value: '/tmp' },
    { name: 'TUF_ROOT', value: '/tmp/.sigstore/root' },
  ];
  const mounts: Record<string, unknown>[] = [{ name: 'tmp', mountPath: '/tmp' }];
  const volumes: Record<string, unknown>[] = [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }];
  if (keyMode) {
    mounts.push({ name: 'cosign-pub', mountPath: KEY_MOUNT, readOnly: true });
    volumes.push({ name: 'cosign-pub', configMap: { name: verificationKeyConfigMapName(model) } });
  }
  if (v.pullSecret) {
    // cosign reads $DOCKER_CONFIG/config.json for registry logins
    env.push({ name: 'DOCKER_CONFIG', value: '/etc/docker-config' });
    mounts.push({ name: 'registry-login', mountPath: '/etc/docker-config', readOnly: true });
    volumes.push({ name: 'registry-login', secret: { secretName: v.pullSecret, items: [{ key: '.dockerconfigjson', path: 'config.json' }] } });
  }

  // one `cosign verify` argv per signer group and chunk of images
  const runs = groups(model, v).map((g) => {
    const sub = modelForSigner(model, g.signer.signing, g.signer.repos);
    return ['verify', ...argv(verifyTrustArgs(sub, g.repo, `${KEY_MOUNT}/${verificationKeyFileName(g.signer)}`)), ...g.refs];
  });
  const pods = Math.min(v.parallelism, runs.length);
  const indexed = pods > 1;
  const container = (containerName: string, cmd: { command?: string[]; args: string[] }) => {
    return {
      name: containerName,
      image: v.image ?? DEFAULT_COSIGN_JOB_IMAGE,
      imagePullPolicy: 'IfNotPresent',
      ...cmd,
      env,
      volumeMounts: mounts,
      resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 65532,
        runAsGroup: 65532,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      },
    };
  };
  const containers = indexed
    ? [container('verify', { command: ['/bin/sh', '-c'], args: [indexedScript(runs, pods)] })]
    : runs.map((args, i) => container(`verify-${i}`, { args }));

  const podSpec: Record<string, unknown> = {
    serviceAccountName: name,
    automountServiceAccountToken: false,
    restartPolicy: 'Never',
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    containers,
    volumes,
  };
  if (v.pullSecret) podSpec.imagePullSecrets = [{ name: v.pullSecret }];

  out.push({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: {
      name,
      namespace: v.namespace,
      labels,
      annotations: {
        'image-signing-blueprint/verifies': `${indexed ? `${pods} indexed pods` : `${containers.length} container(s)`}; tags ${v.tags.join(', ')}`,
      },
    },
    spec: {
      schedule: v.schedule,
      concurrencyPolicy: 'Forbid',
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        metadata: { labels },
        spec: {
          ...(indexed ? { completionMode: 'Indexed', completions: pods, parallelism: pods } : {}),
          backoffLimit: 0, // a failed verification is a finding, not a flake to retry
          activeDeadlineSeconds: 1800,
          ttlSecondsAfterFinished: 86400,
          template: { metadata: { labels }, spec: podSpec },
        },
      },
    },
  });
  return out;
}
