import { VerifyError } from './errors';
import { COSIGN_PREDICATE_TYPES } from '../model/predicate-types';

/** `cyclonedx` → `https://cyclonedx.org/bom` (cosign's shorthands); any other value containing `://` is used verbatim, as cosign does. */
export function predicateTypeUri(type: string): string {
  const t = type.trim();
  if (COSIGN_PREDICATE_TYPES[t] !== undefined) return COSIGN_PREDICATE_TYPES[t];
  if (/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(t)) return t;
  throw new VerifyError('VERIFY_OPTIONS_INVALID', `unknown attestation type ${JSON.stringify(type)}`, {
    fix: `use one of ${Object.keys(COSIGN_PREDICATE_TYPES).join(', ')}, or the predicate URI itself`,
  });
}
