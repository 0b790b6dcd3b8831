import { SigningMode } from '../../config/types';
import { workflowSan } from '../../model/identity';
import { acceptsSan, candidateIdentities, foundIdentities } from '../identities';
import { RawFinding, Rule } from '../types';
import { signingHome, signingSans } from './id-002-subject-matches-san';
import { q } from './util';

export const ISB_ID_004: Rule = {
  id: 'ISB-ID-004',
  level: 'error',
  title: 'A signing ref the policy accepts is never triggered by the workflow, or vice versa',
  explanation: 'The refs a keyless identity accepts must be exactly the refs that run the signing workflow. If the '
    + 'policy accepts more (any branch, pull request merge refs), a signature made from an unreviewed branch is '
    + 'admitted; if it accepts fewer, images signed from a triggered ref are rejected.',
  fix: 'Derive the identity from the workflow\'s branches and tags (the blueprint does), and keep both in one config.',
  check(ctx) {
    const out: RawFinding[] = [];
    const keyless = ctx.model.repositories.filter((r) => r.signing.mode === SigningMode.KEYLESS);
    if (keyless.length === 0) return out;
    const ids = foundIdentities(ctx.artifacts);
    for (const repo of keyless) {
      const sans = signingSans(ctx.model.owner, repo);
      const home = signingHome(ctx.model.owner, repo);
      const mine = candidateIdentities(ids, home.owner, home.name).filter((id) => sans.some((s) => acceptsSan(id, s)));
      // a reusable signer is called at one ref: any other ref of it is as foreign as an untriggered branch
      const probes = ['refs/heads/isb-untriggered-branch', 'refs/tags/isb-untriggered-tag', 'refs/pull/1/merge']
        .map((ref) => workflowSan(home.owner, home.name, home.path, ref));
      for (const id of mine) {
        const extra = probes.find((p) => acceptsSan(id, p));
        if (extra) out.push({ path: id.where, message: `identity ${q(id.subject ?? id.subjectRegExp)} also accepts ${q(extra)}, a ref that never runs ${home.path}` });
        const missing = sans.find((s) => !acceptsSan(id, s));
        if (missing) out.push({ path: id.where, message: `identity ${q(id.subject ?? id.subjectRegExp)} rejects ${q(missing)}, a ref that runs the signing workflow` });
      }
    }
    return out;
  },
};
