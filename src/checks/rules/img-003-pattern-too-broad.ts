import { matchImage } from '../matchers/engine';
import { RawFinding, Rule } from '../types';
import { hasExpression, pushedImages } from '../views';
import { enginePatterns } from './img-002-image-unprotected';
import { clusterPath, q } from './util';

function safeMatch(engine: any, pattern: string, image: string): boolean {
  try {
    return matchImage(engine, pattern, image).matched;
  } catch {
    return false;
  }
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
    const images = pushedImages(ctx.artifacts).map((p) => p.image).filter((i) => !hasExpression(i));
    const registries = [...new Set(images.map((i) => i.split('/')[0]))];
    const probes = [
      'docker.io/library/isb-probe:1', 'isb-probe.example.com/other/app:1',
      ...registries.map((r) => `${r}/isb-probe-other-owner/app:1`),
    ];
    for (const g of enginePatterns(ctx)) {
      for (const pattern of g.include) {
        const forms = images.flatMap((i) => g.admissionForms(i));
        if (!forms.some((f) => safeMatch(g.engine, pattern, f))) {
          out.push({ path: clusterPath(ctx.model, g.cluster), message: `${g.where}: pattern ${q(pattern)} matches none of the blueprint's images` });
          continue;
        }
        const hit = probes.flatMap((p) => g.admissionForms(p.replace(/:1$/, ''))).find((f) => safeMatch(g.engine, pattern, f));
        if (hit) {
          out.push({ path: clusterPath(ctx.model, g.cluster), message: `${g.where}: pattern ${q(pattern)} is broad: it also matches ${q(hit)}, an image the blueprint does not sign` });
        }
      }
    }
    return out;
  },
};
