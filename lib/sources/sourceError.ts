/**
 * What can go wrong while reading a model from somewhere, as a kind the UI and the CLI can act on:
 * a gated repository wants a token, a missing file wants a different name, a network failure can
 * be retried. Messages name the model and the file, never a token.
 */
export type SourceErrorKind =
  /** 404, an unknown repository, revision or file. */
  | 'not-found'
  /** 401/403: the repository is gated or private and needs a token (or a token with access). */
  | 'gated'
  /** 5xx, 429, a dropped connection, a body shorter than announced: worth trying again. */
  | 'network'
  /** No byte arrived for the configured time. */
  | 'timeout'
  /** The server answered in a way a random-access reader cannot use (no Range support, a bad Content-Range). */
  | 'protocol'
  /** The file changed between two reads (another ETag). */
  | 'changed'
  /** The bytes arrived but are not what a model folder holds (bad JSON, not safetensors, missing files). */
  | 'invalid';

export class SourceError extends Error {
  override readonly name = 'SourceError';
  constructor(
    readonly kind: SourceErrorKind,
    message: string,
    readonly details: { readonly status?: number; readonly cause?: unknown } = {},
  ) {
    super(message, details.cause !== undefined ? { cause: details.cause } : undefined);
  }

  /** Network failures and timeouts may succeed on another try. */
  get retryable(): boolean {
    return this.kind === 'network' || this.kind === 'timeout';
  }
}

/** What a cancelled operation rejects with: the signal's reason, or an AbortError. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was cancelled', 'AbortError');
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortReason(signal);
}

export function isAbortError(error: unknown): boolean {
  return error instanceof DOMException && (error.name === 'AbortError' || error.name === 'TimeoutError');
}
