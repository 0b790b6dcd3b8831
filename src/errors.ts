/**
 * Errors of this library carry a stable `code` (like sigstore-js), so callers and tests
 * branch on codes, not prose. Internal: not part of the jsii API.
 */
export class BlueprintError extends Error {
  public readonly code: string;
  /** config path the error is about, e.g. `repositories[1].images[0]` */
  public readonly path?: string;
  /** how to fix it */
  public readonly fix?: string;

  constructor(code: string, message: string, opts: { path?: string; fix?: string; cause?: unknown } = {}) {
    super(message);
    this.name = 'BlueprintError';
    this.code = code;
    this.path = opts.path;
    this.fix = opts.fix;
    if (opts.cause !== undefined) {
      (this as { cause?: unknown }).cause = opts.cause;
    }
  }
}

export function isBlueprintError(e: unknown): e is BlueprintError {
  return e instanceof BlueprintError;
}
