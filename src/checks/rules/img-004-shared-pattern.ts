import { SigningMode } from '../../config/types';
import { RepositoryModel } from '../../model/model';
import { clusterEngineIndexes, PatternGroup } from '../pattern-index';
import { RawFinding, Rule } from '../types';
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
    for (const idx of clusterEngineIndexes(ctx.artifacts)) {
      const reposOf = new Map<PatternGroup, Set<RepositoryModel>>();
      for (const r of ctx.model.repositories) {
        for (const i of r.images) {
          for (const f of idx.forms(i.name)) {
            for (const g of idx.selecting(f)) {
              const set = reposOf.get(g) ?? new Set<RepositoryModel>();
              set.add(r);
              reposOf.set(g, set);
            }
          }
        }
      }
      for (const [g, repos] of reposOf) {
        const identities = new Set([...repos].map((r) => r.identity.subjectRegExp));
        if (identities.size > 1) {
          out.push({
            path: clusterPath(ctx.model, g.cluster),
            message: `${g.where}: patterns ${g.include.map(q).join(', ')} match images of ${[...repos].map((r) => q(r.fullName)).join(' and ')}, which are signed by different workflow identities`,
          });
        }
      }
    }
    return out;
  },
};
