import { clusterEngineIndexes } from '../pattern-index';
import { RawFinding, Rule } from '../types';
import { hasExpression, pushedImages } from '../views';
import { clusterPath, q } from './util';

export const ISB_IMG_002: Rule = {
  id: 'ISB-IMG-002',
  level: 'error',
  title: 'A pushed image is matched by no policy pattern of an enabled engine',
  explanation: 'Each admission engine matches image patterns with its own semantics (Kyverno: wildcard over the '
    + 'normalized name; ImageValidatingPolicy: glob over the raw pod-spec string; policy-controller: anchored glob '
    + 'over the digest-resolved name, where * stops at "/"). A pattern that does not match the image the workflow '
    + 'pushes protects nothing: unsigned builds of that image are admitted.',
  fix: 'Let the blueprint derive the patterns (omit imageReferences), or write patterns for the engine\'s matcher '
    + '(check with `image-signing-blueprint match`).',
  check(ctx) {
    const out: RawFinding[] = [];
    const images = [...new Set(pushedImages(ctx.artifacts).map((p) => p.image).filter((i) => !hasExpression(i)))];
    for (const idx of clusterEngineIndexes(ctx.artifacts)) {
      for (const image of images) {
        const missed = idx.forms(image).find((form) => idx.selecting(form).length === 0);
        if (missed !== undefined) {
          out.push({
            path: clusterPath(ctx.model, idx.cluster),
            message: `cluster ${q(idx.cluster)}: no ${idx.engine} policy pattern matches ${q(missed)} (an image the workflow pushes); `
              + `patterns: ${[...idx.groupsByPattern.keys()].slice(0, 6).map((p) => q(p)).join(', ') || 'none'}`,
          });
        }
      }
    }
    return out;
  },
};
