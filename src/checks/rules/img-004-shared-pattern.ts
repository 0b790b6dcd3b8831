import { RepositoryModel } from '../../model/model';
import { signerCanonical } from '../../model/signers';
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
    // signers compared as a verifier sees them: key fingerprints (+ format, tlog), or the keyless identity
    const canonical = new Map(ctx.model.repositories.map((r) => [r, signerCanonical(r)]));
    if (new Set(canonical.values()).size < 2) return [];
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
        const identities = new Set([...repos].map((r) => canonical.get(r)));
        if (identities.size > 1) {
          const how = new Set([...repos].map((r) => r.signing.mode)).size > 1 ? 'signed differently (a key and keylessly)'
            : [...repos][0].signing.mode === 'key' ? 'signed with different keys' : 'signed by different workflow identities';
          out.push({
            path: clusterPath(ctx.model, g.cluster),
            message: `${g.where}: patterns ${g.include.map(q).join(', ')} match images of ${[...repos].map((r) => q(r.fullName)).join(' and ')}, which are ${how}`,
          });
        }
      }
    }
    return out;
  },
};
