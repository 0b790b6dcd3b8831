import { isBlueprintError } from '../errors';
import { cosignTag, RegistryRef } from './reference';
import { Descriptor, RegistryClient } from './registry-client';

/** cosign's layer media types and annotation keys (cosign-formats.md §b, §c) */
export const COSIGN = {
  simpleSigningMediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
  dsseMediaType: 'application/vnd.dsse.envelope.v1+json',
  signatureAnnotation: 'dev.cosignproject.cosign/signature',
  certificateAnnotation: 'dev.sigstore.cosign/certificate',
  chainAnnotation: 'dev.sigstore.cosign/chain',
  bundleAnnotation: 'dev.sigstore.cosign/bundle',
  timestampAnnotation: 'dev.sigstore.cosign/rfc3161timestamp',
  payloadType: 'cosign container image signature',
  bundleArtifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
  bundlePredicateAnnotation: 'dev.sigstore.bundle.predicateType',
  signPredicateType: 'https://sigstore.dev/cosign/sign/v1',
} as const;

/** One signature layer of a legacy `.sig` (or `.att`) manifest, as read (nothing verified yet but the blob digest). */
export interface LegacySignature {
  readonly kind: 'legacy';
  /** `<registry>/<repo>:sha256-<hex>.sig layer <i>` */
  readonly source: string;
  readonly mediaType: string;
  /** the layer blob (sha256 checked against the layer digest) */
  readonly payload?: Buffer;
  /** base64-decoded `dev.cosignproject.cosign/signature` */
  readonly signature?: Buffer;
  readonly certificatePem?: string;
  readonly chainPem?: string;
  /** parsed `dev.sigstore.cosign/bundle` (Rekor bundle) */
  readonly rekorBundle?: any;
  readonly annotations: Readonly<Record<string, string>>;
  /** why this layer could not be read (BLOB_DIGEST_MISMATCH, …): never verified */
  readonly error?: { readonly code: string; readonly message: string };
}

/** A Sigstore bundle found as a referrer of the image. */
export interface BundleSignature {
  readonly kind: 'bundle';
  /** `<registry>/<repo>@<referrer manifest digest>` */
  readonly source: string;
  readonly predicateType?: string;
  readonly bundleJson?: any;
  readonly error?: { readonly code: string; readonly message: string };
}

export interface CollectedSignatures {
  /** the `.sig` (or `.att`) tag looked at */
  readonly legacyTag: string;
  readonly legacyFound: boolean;
  readonly legacy: readonly LegacySignature[];
  readonly bundles: readonly BundleSignature[];
  /** how referrers were listed */
  readonly referrersVia: 'api' | 'fallback-tag' | 'none';
  /** registry errors while looking (nothing found under an error counts as verified) */
  readonly errors: readonly { readonly code: string; readonly message: string }[];
}

const MAX_LAYERS = 1000;

function errorOf(e: unknown): { code: string; message: string } {
  if (isBlueprintError(e)) return { code: e.code, message: e.message };
  return { code: 'REGISTRY_ERROR', message: (e as Error)?.message ?? String(e) };
}

/** What the legacy `.sig`/`.att` tag holds. */
export interface LegacyPart {
  readonly legacyTag: string;
  readonly legacyFound: boolean;
  readonly legacy: readonly LegacySignature[];
  readonly errors: readonly { readonly code: string; readonly message: string }[];
}

/** The Sigstore bundle referrers of a digest. */
export interface BundlePart {
  readonly bundles: readonly BundleSignature[];
  readonly referrersVia: 'api' | 'fallback-tag' | 'none';
  readonly errors: readonly { readonly code: string; readonly message: string }[];
}

/** One lookup's result from its parts; without `bundles`, the referrers were not read. */
export function combineParts(legacy: LegacyPart, bundles?: BundlePart): CollectedSignatures {
  return {
    legacyTag: legacy.legacyTag,
    legacyFound: legacy.legacyFound,
    legacy: legacy.legacy,
    bundles: bundles?.bundles ?? [],
    referrersVia: bundles?.referrersVia ?? 'none',
    errors: [...legacy.errors, ...(bundles?.errors ?? [])],
  };
}

/** Reads the legacy `.sig`/`.att` manifest and its layers (each blob sha256-checked): one GET for the manifest, one per layer. */
export async function collectLegacy(
  client: RegistryClient, ref: RegistryRef, digest: string, type: 'signature' | 'attestation' = 'signature',
): Promise<LegacyPart> {
  const tag = cosignTag(digest, type);
  const legacyTag = `${ref.registry}/${ref.repository}:${tag}`;
  const errors: { code: string; message: string }[] = [];
  const legacy: LegacySignature[] = [];
  let legacyFound = false;
  const wantType = type === 'signature' ? COSIGN.simpleSigningMediaType : COSIGN.dsseMediaType;
  try {
    const m = await client.findManifest(ref, tag);
    if (m) {
      legacyFound = true;
      const layers: any[] = Array.isArray(m.json.layers) ? m.json.layers.slice(0, MAX_LAYERS) : [];
      await Promise.all(layers.map(async (layer, i) => {
        const source = `${legacyTag} layer ${i}`;
        const annotations: Record<string, string> = layer && typeof layer.annotations === 'object' && layer.annotations ? layer.annotations : {};
        const mediaType = String(layer?.mediaType ?? '');
        if (mediaType !== wantType) return;
        let payload: Buffer | undefined;
        let error: { code: string; message: string } | undefined;
        try {
          payload = await client.getBlob(ref, layer as Descriptor);
        } catch (e) {
          error = errorOf(e);
        }
        let rekorBundle: any;
        if (annotations[COSIGN.bundleAnnotation] !== undefined) {
          try {
            rekorBundle = JSON.parse(annotations[COSIGN.bundleAnnotation]);
          } catch {
            rekorBundle = { invalid: true };
          }
        }
        const sig = annotations[COSIGN.signatureAnnotation];
        legacy[i] = {
          kind: 'legacy',
          source,
          mediaType,
          payload,
          signature: typeof sig === 'string' && sig !== '' ? Buffer.from(sig, 'base64') : undefined,
          certificatePem: annotations[COSIGN.certificateAnnotation] || undefined,
          chainPem: annotations[COSIGN.chainAnnotation] || undefined,
          rekorBundle,
          annotations,
          error,
        };
      }));
    }
  } catch (e) {
    errors.push(errorOf(e));
  }
  return { legacyTag, legacyFound, legacy: legacy.filter((l) => l !== undefined), errors };
}

/**
 * Reads the Sigstore bundle referrers of `digest`: the listing (referrers API, or the fallback tag
 * on a registry known to have none), then per bundle its manifest and its bundle blob.
 */
export async function collectBundles(client: RegistryClient, ref: RegistryRef, digest: string): Promise<BundlePart> {
  const errors: { code: string; message: string }[] = [];
  const bundles: BundleSignature[] = [];
  let referrersVia: 'api' | 'fallback-tag' | 'none' = 'none';
  try {
    const r = await client.referrers(ref, digest, COSIGN.bundleArtifactType);
    referrersVia = r.via;
    await Promise.all(r.descriptors.map(async (d) => {
      const source = `${ref.registry}/${ref.repository}@${d.digest}`;
      const predicateType = d.annotations?.[COSIGN.bundlePredicateAnnotation];
      try {
        const m = await client.getManifest(ref, d.digest);
        // an index entry kept for its empty-config artifactType (cosign v2.6 / v3.0 fallback tags)
        // counts only when the manifest itself is a Sigstore bundle
        if (d.artifactType !== COSIGN.bundleArtifactType && m.json.artifactType !== COSIGN.bundleArtifactType) return;
        const subject = m.json.subject?.digest;
        if (subject !== digest) {
          bundles.push({ kind: 'bundle', source, predicateType, error: { code: 'DIGEST_MISMATCH', message: `referrer ${source} has subject ${String(subject)}, not ${digest}` } });
          return;
        }
        const layer = (m.json.layers ?? []).find((l: any) => l?.mediaType === COSIGN.bundleArtifactType) ?? m.json.layers?.[0];
        if (!layer) {
          bundles.push({ kind: 'bundle', source, predicateType, error: { code: 'PAYLOAD_INVALID', message: `referrer ${source} has no bundle layer` } });
          return;
        }
        const blob = await client.getBlob(ref, layer);
        let bundleJson: any;
        try {
          bundleJson = JSON.parse(blob.toString('utf8'));
        } catch {
          bundles.push({ kind: 'bundle', source, predicateType, error: { code: 'PAYLOAD_INVALID', message: `bundle of ${source} is not JSON` } });
          return;
        }
        bundles.push({ kind: 'bundle', source, predicateType: m.json.annotations?.[COSIGN.bundlePredicateAnnotation] ?? predicateType, bundleJson });
      } catch (e) {
        bundles.push({ kind: 'bundle', source, predicateType, error: errorOf(e) });
      }
    }));
  } catch (e) {
    errors.push(errorOf(e));
  }
  bundles.sort((a, b) => a.source.localeCompare(b.source));
  return { bundles, referrersVia, errors };
}
