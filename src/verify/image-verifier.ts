import { ImageSigningBlueprint } from '../blueprint';
import { evaluateAdmission, KmsKeyLookup, policyKmsKeys } from './admission';
import { dockerConfigCredentials } from './auth';
import { checkBundle, checkLegacy, checkLegacyAttestation, IdentityRequirement, Requirement, SignatureCheck, TrustContext } from './check';
import { VerifyError } from './errors';
import { fetchKmsPublicKey } from './kms-public-key';
import { remoteKey, RemoteTrustRoots, trustFromRootJson } from './policy-trust';
import { predicateTypeUri } from './predicates';
import { publicGoodTrustedRoot } from './public-root';
import { cosignTag, digestReference, parseRegistryRef, RegistryRef, repositoryName, SignatureArtifactType } from './reference';
import { isIndex, Manifest, RegistryClient } from './registry-client';
import { BundlePart, collectBundles, collectLegacy, CollectedSignatures, combineParts, COSIGN, LegacyPart } from './signatures';
import { defaultTufCacheDir, SigstoreTuf } from './tuf-root';
import { AdmissionVerdict } from './verdict';
import { SigningMode } from '../config/types';
import { parsePublicKeyPem } from '../keys/public-key';

/** Which cosign artifact `triangulate` locates. */
export enum SignatureArtifact {
  /** `:sha256-<hex>.sig` and Sigstore bundle referrers */
  SIGNATURE = 'signature',
  /** `:sha256-<hex>.att` */
  ATTESTATION = 'attestation',
  /** `:sha256-<hex>.sbom` */
  SBOM = 'sbom',
}

/** Which signatures `ImageVerifier.verify` reads. */
export enum SignatureLookup {
  /** Every kind: the legacy `.sig` tag and the Sigstore bundle referrers; the result lists every valid signature. */
  ALL = 'all',
  /**
   * The legacy `.sig` tag first, the bundle referrers only when no legacy signature verified.
   * The verdict is the one ALL gives (verified when any signature verifies; when none does, both
   * kinds were read and every failure is reported), but the result lists only the valid
   * signatures of the kind read first. A legacy-signed image then costs 3 registry requests
   * (image manifest, `.sig` manifest, payload blob) instead of 4.
   */
  UNTIL_VERIFIED = 'until-verified',
}

/** Options of one `ImageVerifier.verify`. */
export interface VerifyImageOptions {
  /**
   * Which signatures are read.
   * @default SignatureLookup.ALL
   */
  readonly lookup?: SignatureLookup;
}

/** Props of an ImageVerifier. */
export interface ImageVerifierProps {
  /**
   * Public keys (SPKI `PUBLIC KEY` PEM); a signature by any one of them verifies.
   * @default - none (keyless, or admission evaluation only)
   */
  readonly publicKeyPems?: string[];
  /**
   * Keyless: the exact certificate SAN (`--certificate-identity`).
   * @default - none
   */
  readonly certificateIdentity?: string;
  /**
   * Keyless: a Go regexp the SAN must match (`--certificate-identity-regexp`; unanchored like cosign: write ^…$).
   * @default - none
   */
  readonly certificateIdentityRegexp?: string;
  /**
   * Keyless: the exact OIDC issuer (`--certificate-oidc-issuer`).
   * @default - any issuer
   */
  readonly certificateOidcIssuer?: string;
  /**
   * Keyless: a Go regexp the OIDC issuer must match (`--certificate-oidc-issuer-regexp`; unanchored: write ^…$).
   * @default - any issuer, or `certificateOidcIssuer`
   */
  readonly certificateOidcIssuerRegexp?: string;
  /**
   * A Sigstore `trusted_root.json` (its JSON text): needed for keyless verification offline.
   * @default - none: keyless verification fails with TRUSTED_ROOT_REQUIRED
   */
  readonly trustedRootJson?: string;
  /**
   * Without `trustedRootJson`, use the public Sigstore trusted root (Fulcio, Rekor, CT logs, TSA)
   * embedded in the bundled `@sigstore/tuf` seeds: a snapshot, never fetched or refreshed through TUF.
   * @default false
   */
  readonly publicGoodTrustedRoot?: boolean;
  /**
   * `evaluateBlueprint`: where the TUF repositories that policy-controller TrustRoots name
   * (`spec.remote`, from `signing.keyless.tuf`) are cached after their refresh.
   * @default - `$XDG_CACHE_HOME` or `$HOME/.cache` (of `environment`), `image-signing-blueprint/tuf`
   */
  readonly tufCacheDir?: string;
  /**
   * Rekor public key PEM to verify tlog entries (SignedEntryTimestamps) offline.
   * @default - the trusted root's tlogs; without either, a tlog entry is reported present but not verified
   */
  readonly rekorPublicKeyPem?: string;
  /**
   * Accept signatures without a transparency-log entry (`--insecure-ignore-tlog`).
   * @default false
   */
  readonly insecureIgnoreTlog?: boolean;
  /**
   * Registries (host[:port]) reachable over plain HTTP; localhost/127.0.0.1 always are.
   * @default []
   */
  readonly insecureRegistries?: string[];
  /**
   * Environment for credentials (`DOCKER_CONFIG`, `HOME`, `ISB_REGISTRY_USERNAME`/`ISB_REGISTRY_PASSWORD`).
   * @default process.env
   */
  readonly environment?: Record<string, string>;
  /**
   * Timeout per registry request, in milliseconds.
   * @default 30000
   */
  readonly timeoutMs?: number;
  /**
   * Concurrent registry requests.
   * @default 8
   */
  readonly concurrency?: number;
  /**
   * Retries of a failed idempotent request (network error, timeout, HTTP 429/5xx).
   * @default 2
   */
  readonly retries?: number;
  /**
   * Largest blob read (signature payloads, bundles), in bytes.
   * @default 16777216
   */
  readonly maxBlobBytes?: number;
}

/** A signature that verified. */
export interface VerifiedSignature {
  /** where it was read: `<repo>:sha256-<hex>.sig layer <i>` or `<repo>@<referrer digest>` */
  readonly source: string;
  /** `legacy` or `bundle` */
  readonly format: string;
  /** `key sha256:…` or the certificate SAN */
  readonly signer: string;
  /** the certificate's OIDC issuer (keyless) */
  readonly issuer?: string;
  /** `verified` | `present-unverified` | `ignored` | `missing` */
  readonly tlog: string;
  /** the verified payload (simple-signing JSON or in-toto statement), as JSON text */
  readonly payloadJson: string;
  /** what was checked */
  readonly reason: string;
}

/** A signature that was found but did not verify. */
export interface SignatureFailure {
  readonly source: string;
  readonly code: string;
  readonly reason: string;
}

/** The digest of one platform of a multi-platform image. */
export interface PlatformDigest {
  /** `os/architecture[/variant]` */
  readonly platform: string;
  readonly digest: string;
}

/** The outcome of `ImageVerifier.verify`. */
export interface ImageVerificationResult {
  /** the image as given */
  readonly image: string;
  /** the digest verified (the tag resolved first, when a tag was given) */
  readonly digest: string;
  /** `registry/repository@sha256:…` */
  readonly digestReference: string;
  /** the tag that was resolved (tags move: pin the digest) */
  readonly resolvedTag?: string;
  /** true only when at least one valid signature for the digest exists */
  readonly verified: boolean;
  /**
   * failure code when not verified: NO_SIGNATURES, NO_ATTESTATIONS, DIGEST_MISMATCH, BAD_SIGNATURE, IDENTITY_MISMATCH,
   * UNTRUSTED_CERT, TRUSTED_ROOT_REQUIRED, TLOG_MISSING, TLOG_INVALID, PREDICATE_TYPE_MISMATCH, PAYLOAD_INVALID, REGISTRY_ERROR, …
   */
  readonly code?: string;
  /** one-line verdict */
  readonly message: string;
  readonly signatures: VerifiedSignature[];
  readonly failures: SignatureFailure[];
  /** per-platform digests when the digest is an index (the index digest is what was verified) */
  readonly platforms: PlatformDigest[];
  readonly warnings: string[];
}

/** A referrer of the image. */
export interface ReferrerInfo {
  readonly digest: string;
  readonly artifactType?: string;
  readonly predicateType?: string;
}

/** Where the signature artifacts of an image live. */
export interface TriangulationResult {
  readonly digest: string;
  /** `registry/repository:sha256-<hex>.sig` (or .att / .sbom) */
  readonly reference: string;
  /** does that tag exist in the registry */
  readonly exists: boolean;
  /** Sigstore bundle referrers (signature type only) */
  readonly referrers: ReferrerInfo[];
  /** `api` | `fallback-tag` | `none` */
  readonly referrersVia: string;
  readonly warnings: string[];
}

/** The outcome of `ImageVerifier.evaluateBlueprint`. */
export interface BlueprintAdmissionResult {
  readonly image: string;
  readonly digest: string;
  readonly resolvedTag?: string;
  /** true when every policy of every cluster admits the image */
  readonly admitted: boolean;
  readonly verdicts: AdmissionVerdict[];
  readonly platforms: PlatformDigest[];
  readonly warnings: string[];
}

interface Resolved {
  readonly ref: RegistryRef;
  readonly digest: string;
  readonly manifest: Manifest;
  readonly resolvedTag?: string;
  readonly platforms: PlatformDigest[];
  readonly warnings: string[];
}

/**
 * Checks cosign signatures of images in OCI registries (legacy `.sig` tags and Sigstore bundle
 * referrers), and whether a blueprint's admission policies would admit an image. Everything
 * fails closed: an image is only reported verified when a signature for its digest verified.
 */
export class ImageVerifier {
  private readonly client: RegistryClient;
  private readonly trust: TrustContext;
  private readonly rootJson?: string;
  /** the embedded seed's expiry warning, when verify uses it (never trusted silently) */
  private readonly seedWarning?: string;
  private readonly props: ImageVerifierProps;
  private parsedRequirement?: Requirement;
  private readonly legacyParts = new Map<string, Promise<LegacyPart>>();
  private readonly bundleParts = new Map<string, Promise<BundlePart>>();
  /** registries of the images asked about: the only ones ISB_REGISTRY_USERNAME/PASSWORD are sent to */
  private readonly targetRegistries = new Set<string>();

  constructor(props: ImageVerifierProps = {}) {
    this.props = props;
    const env = props.environment ?? (process.env as Record<string, string>);
    this.client = new RegistryClient({
      insecureRegistries: props.insecureRegistries,
      credentials: (registry) => dockerConfigCredentials(env, this.targetRegistries.has(registry) ? registry : undefined)(registry),
      timeoutMs: props.timeoutMs,
      concurrency: props.concurrency,
      retries: props.retries,
      maxBlobBytes: props.maxBlobBytes,
    });
    const pub = props.trustedRootJson === undefined && props.publicGoodTrustedRoot ? publicGoodTrustedRoot() : undefined;
    this.rootJson = props.trustedRootJson ?? pub?.json;
    this.seedWarning = pub?.expiredWarning;
    this.trust = buildTrust(this.rootJson, props.rekorPublicKeyPem);
  }

  /** Resolves the image (tag → digest) and verifies its signatures with the keys or identity of the props. */
  public async verify(image: string, options: VerifyImageOptions = {}): Promise<ImageVerificationResult> {
    const req = this.requirement();
    const r = await this.resolve(image);
    if (options.lookup === SignatureLookup.UNTIL_VERIFIED) {
      const legacy = await this.legacyPart(r.ref, r.digest, 'signature');
      const legacyChecks = legacy.legacy.map((l) => checkLegacy(l, r.digest, req));
      if (legacyChecks.some((c) => c.ok)) return this.verdict(image, r, combineParts(legacy), legacyChecks, 'signature');
    }
    const sigs = await this.collect(r.ref, r.digest, 'signature');
    const checks: SignatureCheck[] = [
      ...sigs.bundles.map((b) => checkBundle(b, r.digest, req)),
      ...sigs.legacy.map((l) => checkLegacy(l, r.digest, req)),
    ];
    return this.verdict(image, r, sigs, checks, 'signature');
  }

  /**
   * Resolves the image and verifies its attestations of one predicate type (like
   * `cosign verify-attestation --type`): legacy DSSE envelopes on the `.att` tag and Sigstore
   * bundle referrers. Each counts only when its DSSE signature verifies with the keys or identity
   * of the props, its in-toto subject is the image digest, and its predicate type is the one asked.
   *
   * @param image the image reference
   * @param predicateType a cosign `--type` (`cyclonedx`, `spdxjson`, `slsaprovenance1`, …) or a predicate URI
   */
  public async verifyAttestation(image: string, predicateType: string): Promise<ImageVerificationResult> {
    const uri = predicateTypeUri(predicateType);
    const req: Requirement = { ...this.requirement(), predicateType: uri };
    const r = await this.resolve(image);
    const atts = await this.collect(r.ref, r.digest, 'attestation');
    const checks: SignatureCheck[] = [
      ...atts.bundles.map((b) => checkBundle(b, r.digest, req)),
      ...atts.legacy.map((l) => checkLegacyAttestation(l, r.digest, req)),
    ];
    return this.verdict(image, r, atts, checks, `attestation of type ${uri}`);
  }

  /** Where the signature (or attestation / SBOM) of the image lives; bundle referrers for signatures. */
  public async triangulate(image: string, type: SignatureArtifact = SignatureArtifact.SIGNATURE): Promise<TriangulationResult> {
    const r = await this.resolve(image);
    const tag = cosignTag(r.digest, type as SignatureArtifactType);
    const exists = (await this.client.findManifest(r.ref, tag)) !== undefined;
    let referrers: ReferrerInfo[] = [];
    let via = 'none';
    if (type === SignatureArtifact.SIGNATURE || type === SignatureArtifact.ATTESTATION) {
      const found = await this.client.referrers(r.ref, r.digest, COSIGN.bundleArtifactType);
      via = found.via;
      referrers = found.descriptors
        .map((d) => ({ digest: d.digest, artifactType: d.artifactType, predicateType: d.annotations?.[COSIGN.bundlePredicateAnnotation] }))
        .filter((d) => {
          const isSignature = d.predicateType === undefined || d.predicateType === COSIGN.signPredicateType;
          return type === SignatureArtifact.ATTESTATION ? !isSignature : isSignature;
        });
    }
    return { digest: r.digest, reference: `${repositoryName(r.ref)}:${tag}`, exists, referrers, referrersVia: via, warnings: r.warnings };
  }

  /**
   * Would the blueprint's clusters admit the image? Evaluates every admission policy the blueprint
   * generates (after user patches) with each engine's own image matching and verification rules.
   */
  public async evaluateBlueprint(image: string, blueprintFile: string): Promise<BlueprintAdmissionResult> {
    const blueprint = ImageSigningBlueprint.fromFile(blueprintFile);
    const model = blueprint._model();
    const clusterObjects = blueprint._render().clusterObjects;
    const r = await this.resolve(image);
    const [sigs, attestations] = await Promise.all([this.collect(r.ref, r.digest, 'signature'), this.collect(r.ref, r.digest, 'attestation')]);
    // each policy is checked with the trust material it carries (private roots, Rekor/CT keys);
    // a policy naming none gets the engines' default: the public Sigstore instance (or --trusted-root)
    let trust = this.trust;
    let defaultRootJson = this.rootJson;
    const warnings = [...r.warnings];
    if (!trust.trustedRoot) {
      const pub = publicGoodTrustedRoot();
      defaultRootJson = pub.json;
      trust = buildTrust(pub.json, this.props.rekorPublicKeyPem);
      if (model.signing.mode === SigningMode.KEYLESS || model.signing.transparencyLog) {
        warnings.push(`policies that name no trust material of their own are checked against ${pub.source}`);
        if (pub.expiredWarning) warnings.push(pub.expiredWarning);
      }
    }
    // policies naming a KMS key: the engines read its public key from the KMS; so does this, with
    // the environment's credentials (the variables cosign's KMS clients read), or says why not
    const env = this.props.environment ?? (process.env as Record<string, string>);
    const kmsUris = policyKmsKeys([...clusterObjects.values()]);
    const kmsKeys = new Map<string, KmsKeyLookup>(await Promise.all(kmsUris.map(async (uri): Promise<[string, KmsKeyLookup]> => {
      try {
        return [uri, { pem: await fetchKmsPublicKey(uri, env) }];
      } catch (e) {
        const why = (e as Error).message.replace(`--key ${uri}: `, '');
        return [uri, { error: `${why} (give the verifier the credentials the cluster has, or export the key with \`cosign public-key --key ${uri} > kms.pub\` and set signing.key.publicKeyFile: kms.pub)` }];
      }
    })));
    const remoteTrustRoots = await this.remoteTrustRoots(clusterObjects, warnings);
    const verdicts: AdmissionVerdict[] = [];
    for (const [cluster, objects] of clusterObjects) {
      const c = model.clusters.find((x) => x.name === cluster);
      const input = {
        cluster,
        objects,
        image,
        repository: repositoryName(r.ref),
        digest: r.digest,
        signatures: sigs,
        attestations,
        trust,
        defaultRootJson,
        kmsKeys,
        remoteTrustRoots,
        clusterFacts: c ? { kyvernoVersion: c.kyverno.version, airGapped: c.airGapped } : undefined,
      };
      verdicts.push(...evaluateAdmission(input));
    }
    if (verdicts.every((v) => !v.matched)) warnings.push(`no policy of the blueprint selects ${image}: it is admitted without any signature check`);
    const admitted = verdicts.every((v) => v.admitted);
    return { image, digest: r.digest, resolvedTag: r.resolvedTag, admitted, verdicts, platforms: r.platforms, warnings };
  }

  /**
   * The trusted roots of the policy-controller TrustRoots with `spec.remote`, refreshed through TUF
   * from their mirror and pinned root as policy-controller would; a failure is kept per root and
   * fails the policies that name it (never the others).
   */
  private async remoteTrustRoots(clusterObjects: ReadonlyMap<string, readonly any[]>, warnings: string[]): Promise<RemoteTrustRoots> {
    const out = new Map<string, string | VerifyError>();
    const env = this.props.environment ?? (process.env as Record<string, string>);
    for (const objects of clusterObjects.values()) {
      for (const tr of objects.filter((o) => o?.kind === 'TrustRoot' && o?.spec?.remote)) {
        const key = remoteKey(tr.spec.remote);
        if (out.has(key)) continue;
        const cacheDir = this.props.tufCacheDir ?? defaultTufCacheDir(env);
        if (!cacheDir) {
          out.set(key, new VerifyError('TUF_CACHE_ERROR', 'no folder for the TUF cache: neither XDG_CACHE_HOME nor HOME is set', { fix: 'pass --tuf-cache DIR' }));
          continue;
        }
        try {
          const got = await SigstoreTuf.refreshTrustedRoot({
            mirrorUrl: String(tr.spec.remote.mirror),
            initialRootJson: Buffer.from(String(tr.spec.remote.root ?? ''), 'base64').toString('utf8'),
            cacheDir,
            timeoutMs: this.props.timeoutMs,
            retries: this.props.retries,
          });
          out.set(key, got.json);
          warnings.push(`TrustRoot/${tr.metadata?.name} (spec.remote) is checked against ${got.source}`);
        } catch (e) {
          out.set(key, e instanceof VerifyError ? e : new VerifyError('TUF_REFRESH_FAILED', (e as Error).message));
        }
      }
    }
    return out;
  }

  private verdict(image: string, r: Resolved, sigs: CollectedSignatures, checks: SignatureCheck[], what: string): ImageVerificationResult {
    const ok = checks.filter((c) => c.ok);
    // a verified statement of another predicate type explains least: list it last
    const failures = checks.filter((c) => !c.ok)
      .map((c) => ({ source: c.source, code: c.code ?? 'BAD_SIGNATURE', reason: c.reason }))
      .sort((a, b) => Number(a.code === 'PREDICATE_TYPE_MISMATCH') - Number(b.code === 'PREDICATE_TYPE_MISMATCH'));
    for (const e of sigs.errors) failures.push({ source: repositoryName(r.ref), code: e.code, reason: e.message });
    const base = {
      image,
      digest: r.digest,
      digestReference: digestReference(r.ref, r.digest),
      resolvedTag: r.resolvedTag,
      platforms: r.platforms,
      warnings: this.seedWarning ? [...r.warnings, this.seedWarning] : r.warnings,
      failures,
      signatures: ok.map((c) => ({
        source: c.source,
        format: c.format,
        signer: c.signer ?? '',
        issuer: c.issuer,
        tlog: c.tlog ?? 'missing',
        payloadJson: JSON.stringify(c.payload ?? null),
        reason: c.reason,
      })),
    };
    if (ok.length > 0) {
      return { ...base, verified: true, message: `verified: ${ok.length} valid ${what}(s) for ${base.digestReference} (${ok.map((c) => c.signer).join(', ')})` };
    }
    let code: string;
    let message: string;
    if (checks.length === 0) {
      const none = what === 'signature' ? 'NO_SIGNATURES' : 'NO_ATTESTATIONS';
      code = sigs.errors.length > 0 ? 'REGISTRY_ERROR' : none;
      message = sigs.errors.length > 0
        ? `not verified: registry errors while looking for ${what}s: ${sigs.errors.map((e) => `[${e.code}] ${e.message}`).join('; ')}`
        : `not verified: no ${what} for ${base.digestReference} (no ${sigs.legacyTag}, no Sigstore bundle referrer)`;
    } else {
      code = failures[0].code;
      message = `not verified: ${checks.length} ${what}(s) found, none valid: ${failures.map((f) => `[${f.code}] ${f.reason}`).join('; ')}`;
    }
    return { ...base, verified: false, code, message };
  }

  /** Closes idle registry connections. */
  public close(): void {
    this.client.close();
  }

  /** the keys or identity of the props, parsed once (a PEM parse and fingerprint cost ~1 ms per image) */
  private requirement(): Requirement {
    this.parsedRequirement ??= this.parseRequirement();
    return this.parsedRequirement;
  }

  private parseRequirement(): Requirement {
    const p = this.props;
    const keyPems = p.publicKeyPems ?? [];
    const keyless = p.certificateIdentity !== undefined || p.certificateIdentityRegexp !== undefined;
    if (keyPems.length > 0 && keyless) {
      throw new VerifyError('VERIFY_OPTIONS_INVALID', 'give either public keys or a certificate identity, not both');
    }
    if (keyPems.length === 0 && !keyless) {
      throw new VerifyError('VERIFY_OPTIONS_INVALID', 'nothing to verify against', { fix: 'pass --key cosign.pub, or --certificate-identity(-regexp) with --certificate-oidc-issuer' });
    }
    if (keyless) {
      const id: IdentityRequirement = {
        subject: p.certificateIdentityRegexp === undefined ? p.certificateIdentity : undefined,
        subjectRegExp: p.certificateIdentityRegexp,
        issuer: p.certificateOidcIssuerRegexp === undefined ? p.certificateOidcIssuer : undefined,
        issuerRegExp: p.certificateOidcIssuerRegexp,
      };
      return { identities: [id], identityMatch: 'exact', ignoreTlog: p.insecureIgnoreTlog === true, trust: this.trust };
    }
    return { keys: keyPems.map((k, i) => parsePublicKeyPem(k, `public key ${i + 1}`)), ignoreTlog: p.insecureIgnoreTlog === true, trust: this.trust };
  }

  /** both kinds, read in parallel; each part is read once per verifier (bundles serve signatures and attestations alike) */
  private async collect(ref: RegistryRef, digest: string, type: 'signature' | 'attestation'): Promise<CollectedSignatures> {
    const [legacy, bundles] = await Promise.all([this.legacyPart(ref, digest, type), this.bundlePart(ref, digest)]);
    return combineParts(legacy, bundles);
  }

  private legacyPart(ref: RegistryRef, digest: string, type: 'signature' | 'attestation'): Promise<LegacyPart> {
    return memo(this.legacyParts, `${type} ${ref.host}/${ref.repository}@${digest}`, () => collectLegacy(this.client, ref, digest, type));
  }

  private bundlePart(ref: RegistryRef, digest: string): Promise<BundlePart> {
    return memo(this.bundleParts, `${ref.host}/${ref.repository}@${digest}`, () => collectBundles(this.client, ref, digest));
  }

  private async resolve(image: string): Promise<Resolved> {
    const ref = parseRegistryRef(image);
    this.targetRegistries.add(ref.registry);
    const warnings: string[] = [];
    let manifest: Manifest;
    let resolvedTag: string | undefined;
    if (ref.digest) {
      manifest = await this.client.getManifest(ref, ref.digest);
      if (ref.tag) warnings.push(`the tag ${ref.tag} is ignored: the digest ${ref.digest} is verified`);
    } else {
      resolvedTag = ref.tag!;
      manifest = await this.client.resolveTag(ref, resolvedTag);
      warnings.push(`${repositoryName(ref)}:${resolvedTag} resolved to ${manifest.digest}; tags move: verify and deploy by digest (${repositoryName(ref)}@${manifest.digest})`);
    }
    const platforms: PlatformDigest[] = isIndex(manifest)
      ? (manifest.json.manifests as any[])
        .filter((m) => m?.platform && typeof m.digest === 'string')
        .map((m) => ({ platform: [m.platform.os, m.platform.architecture, m.platform.variant].filter(Boolean).join('/'), digest: m.digest }))
      : [];
    if (platforms.length > 0) {
      warnings.push(`${manifest.digest} is a multi-platform index: its signature is what admission checks; platform images need their own signatures (cosign sign --recursive)`);
    }
    return { ref, digest: manifest.digest, manifest, resolvedTag, platforms, warnings };
  }
}

const buildTrust = trustFromRootJson;

function memo<T>(cache: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  let p = cache.get(key);
  if (!p) {
    p = make();
    cache.set(key, p);
  }
  return p;
}
