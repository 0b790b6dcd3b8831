import { parseImageRef } from '../checks/matchers/image-ref';
import { isBlueprintError } from '../errors';
import { VerifyError } from './errors';

/** An image reference split for the distribution API. */
export interface RegistryRef {
  /** registry as written (`ghcr.io`, `127.0.0.1:5000`); Docker Hub is `docker.io` */
  readonly registry: string;
  /** host[:port] the API is served from (`registry-1.docker.io` for Docker Hub) */
  readonly host: string;
  /** repository path (`acme/web`, `library/nginx`) */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * Parses an image reference like `docker pull` does: no registry → Docker Hub
 * (`library/` for one-segment names); neither tag nor digest → tag `latest`.
 */
export function parseRegistryRef(raw: string): RegistryRef {
  let ref;
  try {
    ref = parseImageRef(raw);
  } catch (e) {
    if (isBlueprintError(e)) throw new VerifyError('IMAGE_REF_INVALID', e.message, { fix: 'write the image as registry/repository[:tag][@sha256:<hex>]' });
    throw e;
  }
  let registry = ref.registry;
  let repository = ref.path;
  // parseImageRef treats any host-like first component as the registry; docker only does so for
  // components with "." or ":" or "localhost"
  if (registry !== undefined && !registry.includes('.') && !registry.includes(':') && registry !== 'localhost') {
    repository = `${registry}/${repository}`;
    registry = undefined;
  }
  if (registry === undefined || DOCKER_HUB.has(registry)) {
    registry = 'docker.io';
    if (!repository.includes('/')) repository = `library/${repository}`;
  }
  if (ref.digest !== undefined && !ref.digest.startsWith('sha256:')) {
    throw new VerifyError('IMAGE_REF_INVALID', `only sha256 digests are supported (got ${ref.digest})`);
  }
  return {
    registry,
    host: registry === 'docker.io' ? 'registry-1.docker.io' : registry,
    repository,
    tag: ref.tag ?? (ref.digest === undefined ? 'latest' : undefined),
    digest: ref.digest,
  };
}

/** `registry/repository` */
export function repositoryName(ref: RegistryRef): string {
  return `${ref.registry}/${ref.repository}`;
}

/** `registry/repository@sha256:…` */
export function digestReference(ref: RegistryRef, digest: string): string {
  return `${repositoryName(ref)}@${digest}`;
}

export type SignatureArtifactType = 'signature' | 'attestation' | 'sbom';
const SUFFIX: Record<SignatureArtifactType, string> = { signature: 'sig', attestation: 'att', sbom: 'sbom' };

/** cosign's tag scheme (cosign-formats.md §b): `sha256:<hex>` → `sha256-<hex>.<sig|att|sbom>` */
export function cosignTag(digest: string, type: SignatureArtifactType): string {
  return `${referrersFallbackTag(digest)}.${SUFFIX[type]}`;
}

/** the OCI referrers fallback tag (cosign-formats.md §c): `sha256:<hex>` → `sha256-<hex>` */
export function referrersFallbackTag(digest: string): string {
  const m = /^(sha256):([a-f0-9]{64})$/.exec(digest);
  if (!m) throw new VerifyError('IMAGE_REF_INVALID', `not a sha256 digest: ${JSON.stringify(digest)}`);
  return `${m[1]}-${m[2]}`;
}

/** plain HTTP is allowed only for loopback registries (the config's own definition), or for registries the user named insecure */
export { isLoopbackHost } from '../config/value-checks';
