import { VerifyError } from './errors';

/**
 * cosign's `--type` shorthands and the predicate URIs they stand for
 * (cosign `cmd/cosign/cli/options/predicate.go` PredicateTypeMap, cosign-formats.md §c).
 * Any other value containing `://` is used verbatim, as cosign does.
 */
export const PREDICATE_TYPE_MAP: Readonly<Record<string, string>> = {
  slsaprovenance: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance02: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance1: 'https://slsa.dev/provenance/v1',
  spdx: 'https://spdx.dev/Document',
  spdxjson: 'https://spdx.dev/Document',
  cyclonedx: 'https://cyclonedx.org/bom',
  link: 'https://in-toto.io/Link/v1',
  vuln: 'https://cosign.sigstore.dev/attestation/vuln/v1',
  openvex: 'https://openvex.dev/ns',
  custom: 'https://cosign.sigstore.dev/attestation/v1',
};

/** `cyclonedx` → `https://cyclonedx.org/bom`; a URI is returned as given. */
export function predicateTypeUri(type: string): string {
  const t = type.trim();
  if (PREDICATE_TYPE_MAP[t] !== undefined) return PREDICATE_TYPE_MAP[t];
  if (/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(t)) return t;
  throw new VerifyError('VERIFY_OPTIONS_INVALID', `unknown attestation type ${JSON.stringify(type)}`, {
    fix: `use one of ${Object.keys(PREDICATE_TYPE_MAP).join(', ')}, or the predicate URI itself`,
  });
}
