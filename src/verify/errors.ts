import { BlueprintError } from '../errors';

/**
 * Error codes of the registry client and the verifiers. Every error fails closed: a caller that
 * catches one must treat the image as NOT verified.
 */
export type VerifyErrorCode =
  | 'REGISTRY_ERROR' | 'REGISTRY_UNAUTHORIZED' | 'REGISTRY_TIMEOUT' | 'REGISTRY_INSECURE_REFUSED'
  | 'MANIFEST_NOT_FOUND' | 'MANIFEST_INVALID' | 'MANIFEST_DIGEST_MISMATCH' | 'BLOB_DIGEST_MISMATCH'
  | 'RESPONSE_TOO_LARGE' | 'IMAGE_REF_INVALID' | 'TRUSTED_ROOT_INVALID' | 'VERIFY_OPTIONS_INVALID'
  // refreshing the trusted root through TUF (tuf-root.ts)
  | 'TUF_METADATA_EXPIRED' | 'TUF_TARGET_TAMPERED' | 'TUF_METADATA_INVALID' | 'TUF_MIRROR_UNREACHABLE' | 'TUF_TARGET_NOT_FOUND'
  | 'TUF_ROOT_REQUIRED' | 'TUF_ROOT_INVALID' | 'TUF_CACHE_ERROR' | 'TUF_REFRESH_FAILED';

export class VerifyError extends BlueprintError {
  constructor(code: VerifyErrorCode, message: string, opts: { fix?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = 'VerifyError';
  }
}

