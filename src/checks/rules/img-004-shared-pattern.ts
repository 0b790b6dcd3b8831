import { SigningMode } from '../../config/types';
import { matchImage } from '../matchers/engine';
import { RawFinding, Rule } from '../types';
import { enginePatterns } from './img-002-image-unprotected';
import { clusterPath, q } from './util';

export const ISB_IMG_004: Rule = {
  id: 'ISB-IMG-004',
  level: 'error',
  title: 'One pattern matches images of two repositories that have different signers',
  explanation: 'With keyless signing every repository has its own identity (its workflow). When one policy entry '
    + 'matches the images of two repositories but requires one identity, the other repository\'s correctly signed '
    + 'images are rejected; when it accepts both identities, either repository can sign the other\'s images.',
  fix: 'Give each repository\'s images their own patterns (the blueprint derives one rule per repository).',
  check(ctx) {
    if (ctx.model.signing.mode !== SigningMode.KEYLESS || ctx.model.repositories.length < 2) return [];
    const out: RawFinding[] = [];
    for (const g of enginePatterns(ctx)) {
      const repos = ctx.model.repositories.filter((r) => r.images.some((i) => g.admissionForms(i.name)
        .some((f) => g.include.some((p) => {
          try {
            return matchImage(g.engine, p, f).matched;
          } catch {
            return false;
          }
        }))));
      const identities = new Set(repos.map((r) => r.identity.subjectRegExp));
      if (identities.size > 1) {
        out.push({
          path: clusterPath(ctx.model, g.cluster),
          message: `${g.where}: patterns ${g.include.map(q).join(', ')} match images of ${repos.map((r) => q(r.fullName)).join(' and ')}, which are signed by different workflow identities`,
        });
      }
    }
    return out;
  },
};
