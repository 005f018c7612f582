/**
 * One HTTP request done the way a model download needs it: redirects followed, a status turned
 * into a `SourceError` of the right kind, an idle timeout, bounded retries with backoff for what
 * may pass (5xx, 429, dropped connections, short bodies), and cancellation by an AbortSignal.
 */
import { abortReason, isAbortError, SourceError } from './sourceError';

export interface HttpPolicy {
  readonly fetch?: typeof fetch;
  /** Extra request headers (an `Authorization` header for a token): held in memory, never in a message. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  /** An attempt fails when no byte arrives for this long (default 30 s). */
  readonly idleTimeoutMs?: number;
  /** Further attempts after a retryable failure (default 3). */
  readonly retries?: number;
  /** Wait before the first retry, doubled for each next one (default 500 ms). */
  readonly retryDelayMs?: number;
}

const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
const DEFAULT_RETRIES = 3;
const DEFAULT_RETRY_DELAY_MS = 500;

/** Handed to each attempt: its signal (cancelled by the caller's signal or the idle timer) and a way to say bytes arrived. */
export interface Attempt {
  readonly signal: AbortSignal;
  /** Restarts the idle timer. */
  touch(): void;
}

function hasAuthorization(policy: HttpPolicy): boolean {
  return Object.keys(policy.headers ?? {}).some((name) => name.toLowerCase() === 'authorization');
}

/** The SourceError for a response that is not a success, or null for 2xx. */
export function statusError(response: Response, label: string, policy: HttpPolicy): SourceError | null {
  const { status } = response;
  if (status >= 200 && status < 300) return null;
  const code = response.headers.get('x-error-code');
  const http = `HTTP ${status}`;
  if (code === 'RepoNotFound') {
    return new SourceError('not-found', `${label}: no such repository on the hub (${http}); if it is private, it needs an access token`, { status });
  }
  if (status === 401 || status === 403) {
    const message = hasAuthorization(policy)
      ? `${label}: the access token does not grant access (${http}); accept the model's conditions on its hub page, or use a token that has access`
      : `${label}: gated, needs a token (${http}); the model is gated or private: give an access token that has access to it`;
    return new SourceError('gated', message, { status });
  }
  if (status === 404) {
    const what = code === 'RevisionNotFound' ? 'no such revision' : code === 'EntryNotFound' ? 'no such file in the repository' : 'not found';
    return new SourceError('not-found', `${label}: ${what} (${http})`, { status });
  }
  if (status === 408 || status === 425 || status === 429 || status >= 500) {
    return new SourceError('network', `${label}: the server failed to answer (${http})`, { status });
  }
  return new SourceError('protocol', `${label}: unexpected answer ${http}`, { status });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

async function runAttempt<T>(policy: HttpPolicy, label: string, run: (attempt: Attempt) => Promise<T>): Promise<T> {
  const idleMs = policy.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const controller = new AbortController();
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new DOMException('idle timeout', 'TimeoutError'));
    }, idleMs);
  };
  const onAbort = () => controller.abort(abortReason(policy.signal!));
  policy.signal?.addEventListener('abort', onAbort, { once: true });
  touch();
  try {
    return await run({ signal: controller.signal, touch });
  } catch (error) {
    if (policy.signal?.aborted) throw abortReason(policy.signal);
    if (timedOut) throw new SourceError('timeout', `${label}: no data arrived for ${(idleMs / 1000).toFixed(1)} s`, { cause: error });
    if (error instanceof SourceError) throw error;
    // fetch rejects with a TypeError when the connection fails or drops mid-body.
    if (error instanceof TypeError || isAbortError(error)) {
      const detail = error instanceof Error && error.message ? ` (${error.message})` : '';
      throw new SourceError('network', `${label}: the connection failed${detail}`, { cause: error });
    }
    throw error;
  } finally {
    clearTimeout(timer);
    policy.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Runs `run` until it succeeds, a failure is not retryable, or the retries are spent. An attempt
 * that moved `progress()` forward does not count against the retries (a long download that
 * drops now and then still finishes).
 */
export async function withRetries<T>(
  policy: HttpPolicy,
  label: string,
  run: (attempt: Attempt) => Promise<T>,
  progress: () => number = () => 0,
): Promise<T> {
  const retries = policy.retries ?? DEFAULT_RETRIES;
  const baseDelay = policy.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  let failures = 0;
  let attempts = 0;
  for (;;) {
    const before = progress();
    attempts++;
    try {
      return await runAttempt(policy, label, run);
    } catch (error) {
      if (!(error instanceof SourceError) || !error.retryable) throw error;
      if (progress() > before) {
        // Bytes arrived: ask again for the rest at once.
        failures = 0;
        continue;
      }
      if (failures >= retries) {
        throw new SourceError(error.kind, `${error.message}; gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}`, {
          ...(error.details.status !== undefined ? { status: error.details.status } : {}),
          cause: error,
        });
      }
      await sleep(baseDelay * 2 ** failures, policy.signal);
      failures++;
    }
  }
}

/** A GET with the policy's headers and the attempt's signal; redirects are followed (a hub's CDN answers them). */
export function get(url: string, policy: HttpPolicy, attempt: Attempt, headers: Record<string, string> = {}): Promise<Response> {
  const doFetch = policy.fetch ?? fetch;
  // Byte ranges of the file as stored, not of a compressed encoding (browsers set this header themselves).
  const encoding: Record<string, string> = 'Range' in headers ? { 'Accept-Encoding': 'identity' } : {};
  return doFetch(url, { headers: { ...policy.headers, ...encoding, ...headers }, signal: attempt.signal, redirect: 'follow' });
}

/** Reads a body into `out` from `at`, restarting the idle timer per chunk; returns the bytes written. */
export async function readBodyInto(
  response: Response,
  out: Uint8Array,
  at: number,
  attempt: Attempt,
  label: string,
  onChunk: (bytes: number) => void = () => {},
): Promise<number> {
  if (!response.body) return 0;
  const reader = response.body.getReader();
  let written = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    attempt.touch();
    if (at + written + value.length > out.length) {
      await reader.cancel().catch(() => {});
      throw new SourceError('protocol', `${label}: the server sent more bytes than asked for`);
    }
    out.set(value, at + written);
    written += value.length;
    onChunk(value.length);
  }
  return written;
}

/** Reads a small body whole (API answers), restarting the idle timer per chunk. */
export async function readBodyText(response: Response, attempt: Attempt): Promise<string> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      attempt.touch();
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return new TextDecoder().decode(bytes);
}

/** Lets a response go without reading it (so the connection can close). */
export async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // The body is not needed either way.
  }
}
