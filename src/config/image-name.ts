/**
 * Image names as the config states them: fully qualified `registry/path`, lowercase, no tag,
 * no digest. Grammar from distribution/reference (domain, path components).
 */

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_RE = new RegExp(`^${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?$`);
const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$/;

/** A parsed, valid image name. */
export interface ImageName {
  /** `ghcr.io/acme/web` */
  readonly name: string;
  /** `ghcr.io` (with port when given) */
  readonly registry: string;
  /** `acme/web` */
  readonly repository: string;
}

export interface ImageNameIssue {
  readonly message: string;
  readonly fix: string;
}

/** Validates a config image name; returns the parsed name or the issue. */
export function parseImageName(raw: string): ImageName | ImageNameIssue {
  if (raw.includes('${{') || raw.includes('${')) {
    return {
      message: 'contains an expression; image names must be known at synth time (never interpolate ${{ github.repository }}: it keeps the owner\'s uppercase letters)',
      fix: 'write the literal lowercase name, e.g. ghcr.io/acme/web',
    };
  }
  if (raw.trim() !== raw || raw === '') {
    return { message: 'must be a non-empty image name without surrounding spaces', fix: `use ${JSON.stringify(raw.trim() || 'ghcr.io/acme/web')}` };
  }
  if (/[^\x21-\x7e]/.test(raw)) {
    return { message: 'contains characters outside printable ASCII (look-alike letters are not allowed in image names)', fix: 'retype the name in plain ASCII' };
  }
  let name = raw;
  let stripped = '';
  const at = name.indexOf('@');
  if (at >= 0) {
    stripped = 'digest';
    name = name.slice(0, at);
  }
  const lastSlash = name.lastIndexOf('/');
  const colon = name.indexOf(':', lastSlash + 1);
  if (colon >= 0) {
    stripped = stripped ? 'tag and digest' : 'tag';
    name = name.slice(0, colon);
  }
  if (stripped) {
    return {
      message: `has a ${stripped}; the config names repositories only (the workflow signs the digest it pushes)`,
      fix: `use ${JSON.stringify(name.toLowerCase())}`,
    };
  }
  if (name !== name.toLowerCase()) {
    return {
      message: 'must be lowercase (GHCR and the OCI distribution spec reject uppercase repository names)',
      fix: `use ${JSON.stringify(name.toLowerCase())}`,
    };
  }
  const parts = name.split('/');
  const first = parts[0];
  const qualified = parts.length >= 2 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!qualified) {
    return {
      message: 'is not fully qualified: the registry is missing, and admission engines default it differently (Kyverno: docker.io, policy-controller: index.docker.io/library)',
      fix: parts.length === 1 ? `name the registry, e.g. "docker.io/library/${name}" or "ghcr.io/<owner>/${name}"` : `name the registry, e.g. "docker.io/${name}" or "ghcr.io/${name}"`,
    };
  }
  if (!DOMAIN_RE.test(first)) {
    return { message: `has an invalid registry host ${JSON.stringify(first)}`, fix: 'use a host name such as ghcr.io or registry.example.com:5000' };
  }
  const path = parts.slice(1);
  for (const comp of path) {
    if (!PATH_COMPONENT_RE.test(comp)) {
      return {
        message: `has an invalid path component ${JSON.stringify(comp)} (lowercase letters and digits, separated by ".", "_", "__" or "-")`,
        fix: 'remove empty segments and leading/trailing separators',
      };
    }
  }
  if (name.length > 255) {
    return { message: `is ${name.length} characters long; image names are limited to 255`, fix: 'use a shorter repository path' };
  }
  return { name, registry: first, repository: path.join('/') };
}

export function isImageName(v: ImageName | ImageNameIssue): v is ImageName {
  return (v as ImageName).name !== undefined;
}
