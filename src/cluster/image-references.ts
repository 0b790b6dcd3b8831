import { ImageName } from '../model/image-name';

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
