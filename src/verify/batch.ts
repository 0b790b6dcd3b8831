import { isBlueprintError } from '../errors';
import { ImageVerificationResult, ImageVerifier, SignatureLookup } from './image-verifier';

/** Options of `BatchVerification.verifyAll`. */
export interface BatchVerifyOptions {
  /**
   * Images verified at the same time. The registry requests themselves stay bounded by the
   * verifier's `concurrency` (keep-alive sockets per registry); this bounds the images in flight.
   * @default 16
   */
  readonly concurrency?: number;
  /**
   * Which signatures are read per image. The batch answers "is each image verified": by default
   * the `.sig` tag first and the bundle referrers only when no legacy signature verified (the same
   * verdicts as ALL, fewer requests); ALL lists every valid signature in each result.
   * @default SignatureLookup.UNTIL_VERIFIED
   */
  readonly lookup?: SignatureLookup;
}

/** The outcome for one image of a batch. */
export interface BatchVerifyEntry {
  readonly image: string;
  /** the verification result (undefined when the registry could not be read: see `code`) */
  readonly result?: ImageVerificationResult;
  /** true only when `result.verified` */
  readonly verified: boolean;
  /** the failure code: the result's, or the error's (MANIFEST_NOT_FOUND, REGISTRY_ERROR, …) */
  readonly code?: string;
  readonly message: string;
}

/**
 * Many images through one ImageVerifier: one client, so keep-alive connections, tokens and
 * manifests (each fetched once) are shared; a bounded number of images in flight. Fails closed
 * per image: an error is an unverified entry, never a thrown batch.
 */
export class BatchVerification {
  /** Verifies every image; entries in the order of `images`. */
  public static async verifyAll(verifier: ImageVerifier, images: string[], options: BatchVerifyOptions = {}): Promise<BatchVerifyEntry[]> {
    const limit = Math.max(1, Math.floor(options.concurrency ?? 16));
    const lookup = options.lookup ?? SignatureLookup.UNTIL_VERIFIED;
    const out: BatchVerifyEntry[] = new Array(images.length);
    let next = 0;
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (i >= images.length) return;
        const image = images[i];
        try {
          const result = await verifier.verify(image, { lookup });
          out[i] = { image, result, verified: result.verified, code: result.code, message: result.message };
        } catch (e) {
          const code = isBlueprintError(e) ? e.code : 'REGISTRY_ERROR';
          out[i] = { image, verified: false, code, message: `not verified: ${(e as Error)?.message ?? String(e)}` };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, images.length) }, worker));
    return out;
  }
}
