import { SigningMode } from '../../config/types';
import { acceptsIssuer, foundIdentities } from '../identities';
import { RawFinding, Rule } from '../types';
import { q } from './util';

export const ISB_ID_003: Rule = {
  id: 'ISB-ID-003',
  level: 'error',
  title: 'Issuer missing or different from the workflow\'s OIDC issuer',
  explanation: 'Without an issuer criterion a keyless identity accepts certificates from any OIDC provider Fulcio '
    + 'trusts, so anyone who can produce the same subject string elsewhere passes. A different issuer rejects '
    + 'every image the GitHub workflow signs.',
  fix: 'Set the issuer to https://token.actions.githubusercontent.com (or the configured signing.keyless.issuer).',
  check(ctx) {
    // each keyless repository's own issuer; key repositories' identities (provenance) use GitHub's
    if (!ctx.model.repositories.some((r) => r.signing.mode === SigningMode.KEYLESS)) return [];
    const wants = [...new Set(ctx.model.repositories.map((r) => (r.signing.mode === SigningMode.KEYLESS
      ? r.signing.keyless?.issuer ?? r.identity.issuer : r.identity.issuer)))];
    const want = wants[0] ?? 'https://token.actions.githubusercontent.com';
    const out: RawFinding[] = [];
    for (const id of foundIdentities(ctx.artifacts)) {
      if (id.issuer === undefined && id.issuerRegExp === undefined) {
        out.push({ path: id.where, message: 'keyless identity has no issuer: certificates from any OIDC issuer are accepted' });
      } else if (!wants.some((w) => acceptsIssuer(id, w))) {
        out.push({ path: id.where, message: `issuer ${q(id.issuer ?? id.issuerRegExp)} does not accept the signing workflow's issuer ${q(want)}` });
      }
    }
    return out;
  },
};
