import { BlueprintError } from '../../errors';

/**
 * Container image references, after the grammar of github.com/distribution/reference:
 *
 *   reference := name [ ":" tag ] [ "@" digest ]
 *   name      := [ domain "/" ] path
 *   domain    := host [ ":" port ]   host := domain-name | "[" IPv6 "]"
 *   path      := component ( "/" component )*   component := [a-z0-9]+ ( ( [._] | __ | -+ ) [a-z0-9]+ )*
 *   tag       := [\w][\w.-]{0,127}
 *   digest    := algorithm ":" hex   (sha256: 64, sha384: 96, sha512: 128 lowercase hex digits)
 *
 * plus the per-engine normalizations the admission engines compare patterns against.
 */
export interface ImageRef {
  /** registry host[:port], as written; undefined when the reference names none */
  readonly registry?: string;
  /** the repository path below the registry */
  readonly path: string;
  readonly tag?: string;
  /** `algorithm:hex` */
  readonly digest?: string;
}

const NAME_MAX = 255;
const DOMAIN_COMPONENT = '[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?';
const HOST = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
// separators are required to be non-empty here: `[-]*` of the upstream grammar may be empty, but an
// empty separator between two alphanumeric runs adds nothing, and this form cannot backtrack badly.
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const PATH = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[+._-][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

function invalid(raw: string, why: string): BlueprintError {
  return new BlueprintError('IMAGE_REF_INVALID', `invalid image reference ${JSON.stringify(raw)}: ${why}`);
}

function checkDigest(raw: string, digest: string, algorithms: readonly string[]): void {
  if (!DIGEST.test(digest)) throw invalid(raw, `malformed digest ${JSON.stringify(digest)}`);
  const [algorithm, hex] = digest.split(':');
  if (!algorithms.includes(algorithm)) {
    throw invalid(raw, `unsupported digest algorithm ${JSON.stringify(algorithm)} (allowed: ${algorithms.join(', ')})`);
  }
  if (hex.length !== DIGEST_HEX_LENGTH[algorithm] || !/^[a-f0-9]+$/.test(hex)) {
    throw invalid(raw, `${algorithm} digest must be ${DIGEST_HEX_LENGTH[algorithm]} lowercase hex digits`);
  }
}

/**
 * splits `name[:tag][@digest]`; validates tag and digest, not the name.
 * `raw` is the string the caller was given, for messages, when `input` adds a default registry.
 */
function splitReference(input: string, algorithms: readonly string[], raw = input): { name: string; tag?: string; digest?: string } {
  let rest = input;
  let digest: string | undefined;
  const at = input.indexOf('@');
  if (at >= 0) {
    digest = input.slice(at + 1);
    rest = input.slice(0, at);
    checkDigest(raw, digest, algorithms);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(raw, `invalid tag ${JSON.stringify(tag)}`);
  }
  if (rest === '') throw invalid(raw, 'empty repository name');
  if (rest.length > NAME_MAX) throw invalid(raw, `repository name longer than ${NAME_MAX} characters`);
  return { name: rest, tag, digest };
}

function checkPath(raw: string, path: string): void {
  if (!PATH.test(path)) {
    throw invalid(raw, `repository path ${JSON.stringify(path)} must be lowercase letters, digits and separators (. _ __ -) between "/"`);
  }
}

/**
 * distribution/reference `Parse` (not `ParseNormalizedNamed`: nothing is added).
 * `raw` names the reference in error messages (default `input`).
 */
export function parseImageRef(input: string, raw = input): ImageRef {
  const { name, tag, digest } = splitReference(input, Object.keys(DIGEST_HEX_LENGTH), raw);
  const slash = name.indexOf('/');
  if (slash > 0) {
    const first = name.slice(0, slash);
    const path = name.slice(slash + 1);
    if (HOST.test(first) && PATH.test(path)) return { registry: first, path, tag, digest };
  }
  checkPath(raw, name);
  return { path: name, tag, digest };
}

export interface KyvernoNormalizeOptions {
  /** the `defaultRegistry` of the `kyverno` ConfigMap; default `docker.io` */
  readonly defaultRegistry?: string;
}

/**
 * Kyverno `GetImageInfo(...).String()` (pkg/utils/image/infos.go): the string `imageReferences`
 * patterns are matched against. Prefixes `docker.io/` when the reference has no `/`, or its first
 * component has neither `.` nor `:`, is not `localhost` and is all lowercase; adds no `library/`
 * and does not rewrite `index.docker.io`; default tag `latest`; with a digest the tag is dropped.
 */
export function kyvernoNormalize(raw: string, opts: KyvernoNormalizeOptions = {}): string {
  const first = raw.split('/')[0];
  const addRegistry = !raw.includes('/')
    || (!first.includes('.') && !first.includes(':') && first !== 'localhost' && first.toLowerCase() === first);
  const ref = parseImageRef(addRegistry ? `${opts.defaultRegistry ?? 'docker.io'}/${raw}` : raw, raw);
  const name = ref.registry !== undefined ? `${ref.registry}/${ref.path}` : ref.path;
  return ref.digest !== undefined ? `${name}@${ref.digest}` : `${name}:${ref.tag ?? 'latest'}`;
}

/** the Docker Hub registry as go-containerregistry spells it */
export const DOCKER_HUB_REGISTRY = 'index.docker.io';

/**
 * go-containerregistry `name.ParseReference(raw, name.WeakValidation).Name()`, what
 * policy-controller matches globs against: the first component is a registry only if it has
 * `.` or `:` or is `localhost`; no registry or `docker.io` → `index.docker.io`; a single-segment
 * Docker Hub repository gets `library/`; default tag `latest`; a digest (sha256 only) drops the tag.
 */
export function policyControllerName(raw: string): string {
  const { name, tag, digest } = splitReference(raw, ['sha256']);
  let registry = '';
  let repo = name;
  const slash = name.indexOf('/');
  if (slash >= 0) {
    const first = name.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      registry = first;
      repo = name.slice(slash + 1);
      if (!HOST.test(registry)) throw invalid(raw, `invalid registry ${JSON.stringify(registry)}`);
    }
  }
  checkPath(raw, repo);
  if (registry === '' || registry === 'docker.io') registry = DOCKER_HUB_REGISTRY;
  if (registry === DOCKER_HUB_REGISTRY && !repo.includes('/')) repo = `library/${repo}`;
  return `${registry}/${repo}` + (digest !== undefined ? `@${digest}` : `:${tag ?? 'latest'}`);
}

/**
 * The name policy-controller's validating webhook matches at admission: the mutating webhook has
 * resolved the tag, so it is `registry/repo@sha256:…` (go-containerregistry spelling). A tag on
 * `repoWithoutTag` is dropped, as the digest reference drops it.
 */
export function policyControllerAdmissionName(repoWithoutTag: string, digest: string): string {
  if (repoWithoutTag.includes('@')) {
    throw invalid(repoWithoutTag, 'the repository must not carry a digest already');
  }
  return policyControllerName(`${repoWithoutTag}@${digest}`);
}
