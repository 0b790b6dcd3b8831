import * as fs from 'node:fs';
import * as path from 'node:path';
import { kmsProviderOf } from '../../config/kms-uri';
import { BlueprintError } from '../../errors';
import { BlueprintAdmissionResult, ImageVerificationResult, ImageVerifier, ImageVerifierProps } from '../../verify/image-verifier';
import { fetchKmsPublicKey } from '../../verify/kms-public-key';
import { parseRegistryRef } from '../../verify/reference';
import { defaultTufCacheDir, SigstoreTuf, TufTrustedRoot } from '../../verify/tuf-root';
import { CliIo } from '../io';

export interface VerifyOptions {
  readonly key?: string[];
  readonly certificateIdentity?: string;
  readonly certificateIdentityRegexp?: string;
  readonly certificateOidcIssuer?: string;
  readonly certificateOidcIssuerRegexp?: string;
  readonly trustedRoot?: string;
  readonly publicGoodRoot?: boolean;
  /** refresh the trusted root through TUF from this mirror */
  readonly tufMirror?: string;
  /** the TUF repository's pinned initial root.json (private repositories) */
  readonly tufRoot?: string;
  /** where verified TUF metadata is cached */
  readonly tufCache?: string;
  /** contact the mirror even while the cached metadata is valid */
  readonly tufForceRefresh?: boolean;
  readonly rekorPublicKey?: string;
  readonly insecureIgnoreTlog?: boolean;
  readonly insecureRegistry?: boolean;
  readonly config?: string;
  /** attestation predicate type (`--type`): verify attestations instead of signatures */
  readonly type?: string;
  /** json | text */
  readonly output?: string;
}

function readFile(io: CliIo, file: string, what: string): string {
  const p = path.resolve(io.cwd, file);
  try {
    return fs.readFileSync(p, 'utf8');
  } catch (e) {
    throw new BlueprintError('VERIFY_OPTIONS_INVALID', `cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** --tuf-cache, else the default under XDG_CACHE_HOME or HOME */
function tufCache(opts: VerifyOptions, io: CliIo): string {
  if (opts.tufCache !== undefined) return path.resolve(io.cwd, opts.tufCache);
  const dir = defaultTufCacheDir(io.env);
  if (!dir) throw new BlueprintError('VERIFY_OPTIONS_INVALID', 'no folder for the TUF cache: neither XDG_CACHE_HOME nor HOME is set', { fix: 'pass --tuf-cache DIR' });
  return dir;
}

/** --tuf-mirror: the trusted root, refreshed through TUF and verified against the pinned root */
async function tufTrustedRoot(opts: VerifyOptions, io: CliIo): Promise<TufTrustedRoot | undefined> {
  if (opts.tufMirror === undefined) return undefined;
  return SigstoreTuf.refreshTrustedRoot({
    mirrorUrl: opts.tufMirror,
    cacheDir: tufCache(opts, io),
    initialRootFile: opts.tufRoot !== undefined ? path.resolve(io.cwd, opts.tufRoot) : undefined,
    forceRefresh: opts.tufForceRefresh === true,
  });
}

/** a usage problem of the trust-root options, or undefined */
function trustRootUsage(opts: VerifyOptions): string | undefined {
  if (opts.tufMirror !== undefined && opts.trustedRoot !== undefined) {
    return '--trusted-root FILE and --tuf-mirror URL both name the trusted root: give one (--trusted-root offline, --tuf-mirror to refresh it through TUF)';
  }
  // --tuf-cache alone: where verify --config caches the TUF repositories its policies name (signing.keyless.tuf)
  const cacheAlone = opts.tufCache !== undefined && opts.config === undefined;
  if (opts.tufMirror === undefined && (opts.tufRoot !== undefined || opts.tufForceRefresh || cacheAlone)) {
    return `${opts.tufRoot !== undefined ? '--tuf-root' : opts.tufCache !== undefined ? '--tuf-cache' : '--tuf-force-refresh'} needs --tuf-mirror URL `
      + '(https://tuf-repo-cdn.sigstore.dev for the public Sigstore instance, or your private TUF repository)';
  }
  return undefined;
}

export function verifierProps(
  opts: VerifyOptions, image: string, io: CliIo, withIdentity: boolean, kmsPems: ReadonlyMap<string, string> = new Map(), tufRootJson?: string,
): ImageVerifierProps {
  return {
    publicKeyPems: withIdentity ? (opts.key ?? []).map((k) => kmsPems.get(k) ?? readFile(io, k, 'public key')) : undefined,
    certificateIdentity: withIdentity ? opts.certificateIdentity : undefined,
    certificateIdentityRegexp: withIdentity ? opts.certificateIdentityRegexp : undefined,
    certificateOidcIssuer: withIdentity ? opts.certificateOidcIssuer : undefined,
    certificateOidcIssuerRegexp: withIdentity ? opts.certificateOidcIssuerRegexp : undefined,
    trustedRootJson: tufRootJson ?? (opts.trustedRoot ? readFile(io, opts.trustedRoot, 'trusted root') : undefined),
    publicGoodTrustedRoot: opts.publicGoodRoot === true,
    rekorPublicKeyPem: opts.rekorPublicKey ? readFile(io, opts.rekorPublicKey, 'Rekor public key') : undefined,
    insecureIgnoreTlog: opts.insecureIgnoreTlog === true,
    insecureRegistries: opts.insecureRegistry ? [parseRegistryRef(image).host] : [],
    tufCacheDir: opts.tufCache !== undefined ? path.resolve(io.cwd, opts.tufCache) : undefined,
    environment: Object.fromEntries(Object.entries(io.env).filter(([, v]) => v !== undefined)) as Record<string, string>,
  };
}

/**
 * `verify IMAGE --key cosign.pub | --certificate-identity(-regexp) X [--certificate-oidc-issuer X]`:
 * exit 0 only when a valid signature for the image's digest exists.
 * `verify --config blueprint.yaml IMAGE`: would every policy of the blueprint admit the image?
 */
export async function verifyCommand(opts: VerifyOptions, image: string, io: CliIo): Promise<number> {
  const json = opts.output === 'json';
  const hasIdentity = (opts.key ?? []).length > 0 || opts.certificateIdentity !== undefined || opts.certificateIdentityRegexp !== undefined;
  if (opts.certificateOidcIssuer !== undefined && opts.certificateOidcIssuerRegexp !== undefined) {
    io.err('error: give --certificate-oidc-issuer or --certificate-oidc-issuer-regexp, not both\n');
    return 2;
  }
  if (opts.certificateIdentity !== undefined && opts.certificateIdentityRegexp !== undefined) {
    io.err('error: give --certificate-identity or --certificate-identity-regexp, not both\n');
    return 2;
  }
  if (opts.config === undefined && !hasIdentity) {
    io.err('error: verify needs --key cosign.pub, --certificate-identity(-regexp) (keyless), or --config blueprint.yaml\n');
    return 2;
  }
  if (opts.config !== undefined && opts.type !== undefined) {
    io.err('error: --config evaluates every attestation the blueprint\'s policies require; do not combine it with --type\n');
    return 2;
  }
  if (opts.config !== undefined && hasIdentity) {
    io.err('error: --config evaluates the blueprint\'s own keys and identities; do not combine it with --key/--certificate-identity\n');
    return 2;
  }
  const usage = trustRootUsage(opts);
  if (usage !== undefined) {
    io.err(`error: ${usage}\n`);
    return 2;
  }
  // --key awskms://… / hashivault://…: the public key from the KMS (gcpkms/azurekms: a clear error naming what to pass)
  const kmsPems = new Map<string, string>();
  for (const k of opts.key ?? []) {
    if (kmsProviderOf(k) !== undefined) kmsPems.set(k, await fetchKmsPublicKey(k, io.env));
  }
  const tuf = await tufTrustedRoot(opts, io);
  if (tuf) io.err(`trusted root: ${tuf.source}\n`);
  const verifier = new ImageVerifier(verifierProps(opts, image, io, hasIdentity, kmsPems, tuf?.json));
  try {
    if (opts.config !== undefined) {
      const result = await verifier.evaluateBlueprint(image, path.resolve(io.cwd, opts.config));
      printAdmission(result, io, json);
      return result.admitted ? 0 : 1;
    }
    const result = opts.type !== undefined ? await verifier.verifyAttestation(image, opts.type) : await verifier.verify(image);
    printVerification(result, io, json, opts.type !== undefined ? 'attestation' : 'signature');
    return result.verified ? 0 : 1;
  } finally {
    verifier.close();
  }
}

function printVerification(r: ImageVerificationResult, io: CliIo, json: boolean, what: 'signature' | 'attestation'): void {
  for (const w of r.warnings) io.err(`WARNING: ${w}\n`);
  if (!r.verified) {
    io.err(`error [${r.code}]: ${r.digestReference}: ${r.message}\n`);
    for (const f of r.failures) io.err(`  - ${f.source}: [${f.code}] ${f.reason}\n`);
    if (json) io.out(`${JSON.stringify({ verified: false, digest: r.digest, code: r.code, failures: r.failures })}\n`);
    return;
  }
  if (json) {
    // like `cosign verify`: the checks on stderr, the verified payloads as a JSON array on stdout
    io.err(`\nVerification for ${r.digestReference} --\nThe following checks were performed on each of these ${what}s:\n`);
    for (const s of r.signatures) io.err(`  - ${s.source}: ${s.reason}\n`);
    // signatures: the simple-signing payloads; attestations: the in-toto statements
    io.out(`${JSON.stringify(r.signatures.map((s) => JSON.parse(s.payloadJson)))}\n`);
  } else {
    io.out(`verified ${r.digestReference}: ${r.signatures.map((s) => `${s.format} ${what} by ${s.signer} (tlog ${s.tlog})`).join('; ')}\n`);
  }
  for (const p of r.platforms) io.err(`  platform ${p.platform}: ${p.digest}\n`);
}

function printAdmission(r: BlueprintAdmissionResult, io: CliIo, json: boolean): void {
  for (const w of r.warnings) io.err(`WARNING: ${w}\n`);
  if (json) {
    io.out(`${JSON.stringify(r, null, 2)}\n`);
    return;
  }
  io.out(`${r.admitted ? 'admitted' : 'rejected'}: ${r.image} (${r.digest})\n`);
  for (const v of r.verdicts) {
    const state = !v.matched ? 'not selected' : v.admitted ? (v.satisfied ? 'admitted' : 'admitted (audit only)') : `REJECTED [${v.code}]`;
    io.out(`  ${v.cluster} ${v.engine} ${v.policy}: ${state}\n    match: ${v.match}\n`);
    if (v.matched) for (const reason of v.reasons) io.out(`    ${reason}\n`);
  }
}
