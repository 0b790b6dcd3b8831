import { SECRET_NAMES } from './secrets';
import { SbomFormat, SignatureFormat, SigningMode } from '../config/types';
import { cosignIdentityFlags, identityFields } from '../model/identity';
import { BlueprintModel, RepositoryModel } from '../model/model';
import { modelForRepository } from '../model/signers';

/**
 * cosign command lines, shared by the workflow, the runbook and the verification job so that
 * signer and verifier flags cannot drift apart.
 *
 * Service URLs and the transparency log, per cosign release (sigstore/cosign CHANGELOG and
 * cmd/cosign/cli/options/sign.go):
 * - cosign 2.x: `--fulcio-url` / `--rekor-url` / `--tlog-upload=false` on sign and attest.
 * - cosign 3.x signs bundles with a *signing config* (TUF's by default) and rejects service URL
 *   flags next to one ("cannot specify service URLs and use signing config"); `--tlog-upload` is
 *   deprecated in favour of "a --signing-config file with no transparency log services". So for
 *   a private instance or with the tlog off, the workflow writes one with
 *   `cosign signing-config create` and signs bundles with `--signing-config`.
 * - cosign 3.x legacy (`.sig`) signatures need `--new-bundle-format=false --use-signing-config=false`
 *   (a signing config requires the bundle format), so they keep the 2.x URL flags.
 * - Verification takes the private instance's keys from `--trusted-root` (a TrustedRoot JSON).
 */

export type SignFormat = SignatureFormat.LEGACY | SignatureFormat.BUNDLE;

/** Where the generated signing config is written on the runner (a shell expression). */
export const SIGNING_CONFIG_PATH = '"$RUNNER_TEMP/sigstore-signing-config.json"';

/** Start of the validity of services in a generated signing config (any past instant works). */
const SERVICE_START = '2020-01-01T00:00:00Z';

const PUBLIC_FULCIO = 'https://fulcio.sigstore.dev';
const PUBLIC_REKOR = 'https://rekor.sigstore.dev';

function isV3(model: BlueprintModel): boolean {
  return model.signing.cosignVersion.major >= 3;
}

/** Fulcio/Rekor URLs when they differ from the public instance (keyless only). */
export function customServiceUrls(model: BlueprintModel): { fulcioUrl: string; rekorUrl: string } | undefined {
  const k = model.signing.keyless;
  if (model.signing.mode !== SigningMode.KEYLESS || !k) return undefined;
  if (k.fulcioUrl === PUBLIC_FULCIO && k.rekorUrl === PUBLIC_REKOR) return undefined;
  return { fulcioUrl: k.fulcioUrl, rekorUrl: k.rekorUrl };
}

/** The formats a sign step produces, in order. */
export function signFormats(model: BlueprintModel): SignFormat[] {
  switch (model.signing.signatureFormat) {
    case SignatureFormat.LEGACY: return [SignatureFormat.LEGACY];
    case SignatureFormat.BUNDLE: return [SignatureFormat.BUNDLE];
    default: return [SignatureFormat.LEGACY, SignatureFormat.BUNDLE];
  }
}

/** true when cosign 3 signs bundles and TUF's public signing config does not fit (private URLs, no tlog). */
export function needsSigningConfig(model: BlueprintModel): boolean {
  return isV3(model) && signFormats(model).includes(SignatureFormat.BUNDLE)
    && (customServiceUrls(model) !== undefined || !model.signing.transparencyLog);
}

/**
 * `cosign signing-config create …` for {@link needsSigningConfig}: Fulcio for keyless, Rekor only
 * with the tlog on; no TSA (keyless without a tlog is rejected at config time).
 */
export function signingConfigCreateArgs(model: BlueprintModel): string[] {
  const keyless = model.signing.mode === SigningMode.KEYLESS;
  const urls = customServiceUrls(model) ?? { fulcioUrl: PUBLIC_FULCIO, rekorUrl: model.signing.keyless?.rekorUrl ?? PUBLIC_REKOR };
  const service = (url: string) => `"url=${url},api-version=1,start-time=${SERVICE_START},operator=${new URL(url).host}"`;
  const args = ['cosign', 'signing-config', 'create'];
  if (keyless) args.push(`--fulcio=${service(urls.fulcioUrl)}`);
  if (model.signing.transparencyLog) args.push(`--rekor=${service(urls.rekorUrl)}`, '--rekor-config=ANY');
  args.push(`--out ${SIGNING_CONFIG_PATH}`);
  return args;
}

/** Flags that select how a signature is stored, per format, for the configured cosign release. */
function formatFlags(model: BlueprintModel, format: SignFormat): string[] {
  if (format === SignatureFormat.LEGACY) {
    // cosign v3 signs bundles by default; these keep the legacy `.sig` layout
    return isV3(model) ? ['--new-bundle-format=false', '--use-signing-config=false'] : [];
  }
  return isV3(model) ? [] : ['--new-bundle-format=true'];
}

/** Key, service, tlog and trusted-root flags shared by `cosign sign` and `cosign attest`. */
function signerTrustFlags(model: BlueprintModel, format: SignFormat): string[] {
  const args: string[] = [];
  const kms = model.signing.mode === SigningMode.KEY ? model.signing.key?.kms : undefined;
  if (kms) args.push(`--key ${shellQuote(kms.uri)}`);
  else if (model.signing.mode === SigningMode.KEY) args.push(`--key env://${SECRET_NAMES.privateKey}`);
  args.push(...formatFlags(model, format));
  if (isV3(model) && format === SignatureFormat.BUNDLE) {
    if (needsSigningConfig(model)) args.push(`--signing-config ${SIGNING_CONFIG_PATH}`);
  } else {
    const urls = customServiceUrls(model);
    if (urls) args.push(`--fulcio-url ${urls.fulcioUrl}`, `--rekor-url ${urls.rekorUrl}`);
    if (!model.signing.transparencyLog) args.push('--tlog-upload=false');
  }
  const root = model.signing.keyless?.trustedRoot;
  if (root && isV3(model)) args.push(`--trusted-root ${root.repoPath}`);
  return args;
}

/** `cosign sign …` arguments (without the image) for one format. */
export function signArgs(model: BlueprintModel, repo: RepositoryModel, format: SignFormat): string[] {
  model = modelForRepository(model, repo);
  const args = ['cosign', 'sign', '--yes', ...signerTrustFlags(model, format)];
  if (repo.workflow.platforms.length > 1) args.push('--recursive');
  return args;
}

/** cosign `--type` of an SBOM format (cosign-formats.md §c PredicateTypeMap). */
export function sbomPredicateType(format: SbomFormat): string {
  return format === SbomFormat.SPDX ? 'spdxjson' : 'cyclonedx';
}

/** anchore/sbom-action `format` input for an SBOM format. */
export function sbomActionFormat(format: SbomFormat): string {
  return format === SbomFormat.SPDX ? 'spdx-json' : 'cyclonedx-json';
}

/** `cosign attest …` arguments (without the image) for one format; `cosign attest` has no --recursive. */
export function attestArgs(model: BlueprintModel, format: SignFormat, type: string, predicateFile: string): string[] {
  return ['cosign', 'attest', '--yes', ...signerTrustFlags(model, format), `--type ${type}`, `--predicate ${shellQuote(predicateFile)}`];
}

/** Identity or key flags for `cosign verify`, exactly what the admission policies use. */
export function verifyTrustArgs(model: BlueprintModel, repo: RepositoryModel, publicKeyPath = 'cosign.pub'): string[] {
  model = modelForRepository(model, repo); // the repository's own key or identity settings
  const args: string[] = [];
  // cosign 2.x reads only legacy signatures unless told otherwise; 3.x tries bundles, then legacy
  if (!isV3(model) && model.signing.signatureFormat === SignatureFormat.BUNDLE) args.push('--new-bundle-format=true');
  if (model.signing.mode === SigningMode.KEY) {
    // a KMS key whose public key the config does not give: cosign fetches it from the KMS
    const k = model.signing.key;
    args.push(`--key ${k?.kms && !k.publicKey ? shellQuote(k.kms.uri) : publicKeyPath}`);
  } else {
    for (const f of cosignIdentityFlags(identityFields(repo))) args.push(`${f.flag} ${shellQuote(f.value)}`);
    const root = model.signing.keyless?.trustedRoot;
    if (root) args.push(`--trusted-root ${root.repoPath}`);
    const urls = customServiceUrls(model);
    if (urls && model.signing.transparencyLog) args.push(`--rekor-url ${urls.rekorUrl}`);
  }
  if (!model.signing.transparencyLog) args.push('--insecure-ignore-tlog=true');
  return args;
}

export function verifyArgs(model: BlueprintModel, repo: RepositoryModel, publicKeyPath?: string): string[] {
  return ['cosign', 'verify', ...verifyTrustArgs(model, repo, publicKeyPath)];
}

/** `cosign verify-attestation --type <type>` with the same trust flags as `cosign verify`. */
export function verifyAttestationArgs(model: BlueprintModel, repo: RepositoryModel, type: string, publicKeyPath?: string): string[] {
  return ['cosign', 'verify-attestation', `--type ${type}`, ...verifyTrustArgs(model, repo, publicKeyPath)];
}

/**
 * `gh attestation verify` of the SLSA provenance attest-build-provenance pushed: from the registry
 * (`--bundle-from-oci`, where the admission controllers look), for this repository, signed by the
 * workflow that ran the action (the reusable signer when there is one). `ref` is `image@digest`.
 */
export function provenanceVerifyArgs(repo: RepositoryModel, ref: string): string[] {
  const s = repo.workflow.signer;
  const signerWorkflow = s ? `${s.repository}/${s.path}` : `${repo.fullName}/${repo.workflow.path}`;
  return ['gh', 'attestation', 'verify', `"oci://${ref}"`, `--repo ${repo.fullName}`, `--signer-workflow ${signerWorkflow}`, '--bundle-from-oci'];
}

/** Single-quote for POSIX shells when needed. */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, '\'\\\'\'')}'`;
}
