import { rawSpellings } from '../../cluster/image-references';
import { isImageName, parseImageName } from '../../config/image-name';
import { clusterEngineIndexes } from '../pattern-index';
import { RawFinding, Rule } from '../types';
import { hasExpression, pushedImages } from '../views';
import { clusterPath, q } from './util';

/** The spellings of an image a Pod spec may use (one, except for Docker Hub images). */
function podSpellings(image: string): string[] {
  const parsed = parseImageName(image);
  return isImageName(parsed) ? rawSpellings(parsed) : [image];
}

export const ISB_IMG_003: Rule = {
  id: 'ISB-IMG-003',
  level: 'warning',
  title: 'A policy pattern matches none of the blueprint\'s images, or is *-broad',
  explanation: 'A pattern that matches none of the images the blueprint signs is dead weight or a typo; a pattern '
    + 'that also matches images of other owners or registries (for example "*" or "ghcr.io/*") demands the '
    + 'blueprint\'s signature from images it does not sign, and blocks them once enforced.',
  fix: 'Narrow the pattern to the blueprint\'s images (let the blueprint derive imageReferences), or suppress '
    + 'with a reason when third-party images are meant to be covered.',
  check(ctx) {
    const out: RawFinding[] = [];
    const images = [...new Set(pushedImages(ctx.artifacts).map((p) => p.image).filter((i) => !hasExpression(i)))];
    const registries = [...new Set(images.map((i) => i.split('/')[0]))];
    const probes = [
      'docker.io/library/isb-probe', 'isb-probe.example.com/other/app',
      ...registries.map((r) => `${r}/isb-probe-other-owner/app`),
    ];
    for (const idx of clusterEngineIndexes(ctx.artifacts)) {
      const used = new Set<string>();
      // every spelling a Pod may use for a pushed image (Docker Hub: acme/api, docker.io/…, index.docker.io/…),
      // which each engine then normalizes its own way (admission-engines.md §2.1, §3, §4.2)
      for (const i of images) for (const sp of podSpellings(i)) for (const f of idx.forms(sp)) for (const m of idx.matching(f)) used.add(m);
      const broad = new Map<string, string>();
      for (const p of probes) for (const f of idx.forms(p)) for (const m of idx.matching(f)) if (!broad.has(m)) broad.set(m, f);
      for (const g of idx.groups) {
        for (const pattern of g.include) {
          if (!used.has(pattern)) {
            out.push({ path: clusterPath(ctx.model, g.cluster), message: `${g.where}: pattern ${q(pattern)} matches none of the blueprint's images` });
          } else if (broad.has(pattern)) {
            out.push({ path: clusterPath(ctx.model, g.cluster), message: `${g.where}: pattern ${q(pattern)} is broad: it also matches ${q(broad.get(pattern))}, an image the blueprint does not sign` });
          }
        }
      }
    }
    return out;
  },
};
