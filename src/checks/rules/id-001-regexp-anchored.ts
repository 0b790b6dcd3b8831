import { foundIdentities } from '../identities';
import { hasUnescapedDot, isAnchored } from '../matchers/go-regexp';
import { RawFinding, Rule } from '../types';
import { q } from './util';

export const ISB_ID_001: Rule = {
  id: 'ISB-ID-001',
  level: 'error',
  title: 'Identity regexp not anchored ^…$ or with unescaped dots',
  explanation: 'Every engine matches subjectRegExp/issuerRegExp (and cosign --certificate-identity-regexp) with Go '
    + 'regexp.MatchString, which finds a match anywhere in the string. An unanchored '
    + '"https://github.com/acme/app" therefore also accepts certificates of "acme/app-evil" or a fork; an unescaped '
    + '"." matches any character.',
  fix: 'Anchor the expression with ^ and $ and escape literal dots (\\.), or use an exact subject.',
  check(ctx) {
    const out: RawFinding[] = [];
    for (const id of foundIdentities(ctx.artifacts)) {
      for (const [field, re] of [['subjectRegExp', id.subjectRegExp], ['issuerRegExp', id.issuerRegExp]] as const) {
        if (re === undefined) continue;
        const problems: string[] = [];
        if (!isAnchored(re)) problems.push('is not anchored with ^…$ (Go regexps match substrings)');
        if (hasUnescapedDot(re)) problems.push('has an unescaped "." (matches any character)');
        if (problems.length > 0) out.push({ path: id.where, message: `${field} ${q(re)} ${problems.join(' and ')}` });
      }
    }
    return out;
  },
};
