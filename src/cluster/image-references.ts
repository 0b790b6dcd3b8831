import { ImageName } from '../config/image-name';

/**
 * The spellings a Pod may use for an image, as each engine compares them.
 * Docker Hub images have several: Kyverno normalizes `nginx` to `docker.io/nginx` (no
 * `library/`), and leaves `docker.io/library/nginx` and `index.docker.io/library/nginx` as
 * written (admission-engines.md §2.1).
 */
export function kyvernoSpellings(image: ImageName): string[] {
  if (image.registry !== 'docker.io' && image.registry !== 'index.docker.io') return [image.name];
  const repo = image.repository;
  const out = [`docker.io/${repo}`, `index.docker.io/${repo}`];
  if (repo.startsWith('library/') && repo.split('/').length === 2) {
    out.push(`docker.io/${repo.slice('library/'.length)}`);
  }
  return out;
}

/**
 * Kyverno ClusterPolicy `imageReferences` for one image: after normalization every image has
 * `:<tag>` or `@<digest>` after its name, so `<name>:*` and `<name>@*` match this repository
 * and no other (a bare `<name>*` would also match `<name>-evil`).
 */
export function kyvernoImageReferences(image: ImageName): string[] {
  return kyvernoSpellings(image).flatMap((n) => [`${n}:*`, `${n}@*`]);
}

const DOCKER_HUB = new Set(['docker.io', 'index.docker.io']);

/**
 * The raw strings a Pod spec may use for an image (ImageValidatingPolicy compares the raw,
 * un-normalized string: admission-engines.md §0.3). Docker Hub images can be written with or
 * without the registry, with `docker.io` or `index.docker.io`, and official images with or
 * without `library/`.
 */
export function rawSpellings(image: ImageName): string[] {
  if (!DOCKER_HUB.has(image.registry)) return [image.name];
  const repo = image.repository;
  const official = !repo.includes('/') || (repo.startsWith('library/') && repo.split('/').length === 2);
  const short = repo.startsWith('library/') ? repo.slice('library/'.length) : repo;
  const paths = official ? [short, `library/${short}`] : [repo];
  const out: string[] = [];
  for (const p of paths) out.push(p, `docker.io/${p}`, `index.docker.io/${p}`);
  return out;
}

/** gobwas glob escaping: every meta character becomes literal */
export function escapeGobwas(s: string): string {
  return s.replace(/[*?[\]{}\\!]/g, '\\$&');
}

/**
 * ImageValidatingPolicy `matchImageReferences[].glob` for one image: `<name>`, `<name>:*`
 * and `<name>@*` for every raw spelling. `*` crosses `/` in these globs, so `<name>*` would
 * also select `<name>-evil`; the `:`/`@` keeps the match to this repository.
 */
export function ivpolImageGlobs(image: ImageName): string[] {
  return rawSpellings(image).flatMap((n) => {
    const e = escapeGobwas(n);
    return [e, `${e}:*`, `${e}@*`];
  });
}

/** go-containerregistry's fully qualified name (`index.docker.io/library/…` for Docker Hub). */
export function policyControllerName(image: ImageName): string {
  if (!DOCKER_HUB.has(image.registry)) return image.name;
  const repo = image.repository.includes('/') ? image.repository : `library/${image.repository}`;
  return `index.docker.io/${repo}`;
}

/**
 * policy-controller `images[].glob`: matched against the digest-resolved
 * `registry/repo@sha256:…` (admission-engines.md §4.3), `*` stops at `/`; so `<name>@*`
 * selects this repository at any digest and never `<name>-evil` or `<name>/sub`.
 */
export function policyControllerGlobs(image: ImageName): string[] {
  return [`${policyControllerName(image)}@*`];
}
