/**
 * A random-access reader over HTTP Range requests (a hub, a mirror, the app's own files).
 *
 * Opening it reads the first bytes (8 by default: a safetensors header's length) and learns the
 * size from `Content-Range`, so a safetensors header costs two requests. Every later answer must
 * be a 206 for exactly the range asked, of a file of the same size and ETag; a body that stops
 * short is retried from where it stopped.
 */
import type { RandomAccessReader, ReadOptions } from './byteReader';
import { checkReadRange } from '@/lib/formats/safetensors';
import { discard, get, readBodyInto, statusError, withRetries, type Attempt, type HttpPolicy } from './httpRequest';
import { SourceError } from './sourceError';
import { TransferMeter, type ProgressCallback } from './transferProgress';

export interface HttpReaderOptions extends HttpPolicy {
  /** Names the file in messages and progress (default: the URL). */
  readonly label?: string;
  /** Bytes read when opening (default 8). */
  readonly probeBytes?: number;
  /** The size the file should have (a hub's file list says it); another size is an error. */
  readonly expectedSize?: number;
  /** Called as bytes arrive, counted over the reader's life. */
  readonly onProgress?: ProgressCallback;
  /** A server that ignores Range may still send a file this small whole (default 16 MiB). */
  readonly maxWholeFileBytes?: number;
}

export interface HttpReader extends RandomAccessReader {
  readonly url: string;
  /** The file's ETag, or null when the server sends none. */
  readonly etag: string | null;
  /** Bytes received over the network so far, the opening probe included. */
  readonly bytesReceived: number;
}

const DEFAULT_MAX_WHOLE_FILE_BYTES = 16 * 2 ** 20;

interface ContentRange {
  readonly start: number;
  readonly end: number;
  readonly size: number;
}

function parseContentRange(header: string | null): ContentRange | { readonly unsatisfiedSize: number } | null {
  if (header === null) return null;
  const unsatisfied = /^bytes \*\/(\d+)$/.exec(header.trim());
  if (unsatisfied) return { unsatisfiedSize: Number(unsatisfied[1]) };
  const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header.trim());
  if (!match) return null;
  const [start, end, size] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (!(start <= end && end < size)) return null;
  return { start, end, size };
}

/** Strong and weak forms of one tag compare equal: a CDN may weaken it. */
function sameEtag(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return true;
  const strip = (tag: string) => tag.replace(/^W\//, '');
  return strip(a) === strip(b);
}

export async function openHttpReader(url: string, options: HttpReaderOptions = {}): Promise<HttpReader> {
  const label = options.label ?? url;
  const probeBytes = Math.max(1, options.probeBytes ?? 8);
  const maxWhole = options.maxWholeFileBytes ?? DEFAULT_MAX_WHOLE_FILE_BYTES;
  let received = 0;
  let meter: TransferMeter | null = null;
  const count = (bytes: number) => {
    received += bytes;
    if (meter && options.onProgress) options.onProgress(meter.add(bytes));
  };

  // Open: the first bytes, the size, the ETag.
  const opened = await withRetries(options, label, async (attempt) => {
    const response = await get(url, options, attempt, { Range: `bytes=0-${probeBytes - 1}` });
    const etag = response.headers.get('etag');
    if (response.status === 416) {
      const range = parseContentRange(response.headers.get('content-range'));
      await discard(response);
      if (range && 'unsatisfiedSize' in range && range.unsatisfiedSize === 0) return { size: 0, head: new Uint8Array(0), etag, whole: true };
      throw new SourceError('protocol', `${label}: the server refused the range 0-${probeBytes - 1} (HTTP 416)`, { status: 416 });
    }
    const failed = statusError(response, label, options);
    if (failed) {
      await discard(response);
      throw failed;
    }
    if (response.status === 200) {
      // No Range support: only a small file may come whole.
      const length = Number(response.headers.get('content-length') ?? NaN);
      if (!Number.isSafeInteger(length) || length > maxWhole) {
        await discard(response);
        throw new SourceError('protocol', `${label}: the server does not answer byte ranges (HTTP 200 to a Range request), so the file cannot be read in parts`);
      }
      const head = new Uint8Array(length);
      const got = await readBodyInto(response, head, 0, attempt, label, count);
      if (got !== length) throw new SourceError('network', `${label}: the answer stopped after ${got} of ${length} bytes`);
      return { size: length, head, etag, whole: true };
    }
    const range = parseContentRange(response.headers.get('content-range'));
    if (response.status !== 206 || range === null || 'unsatisfiedSize' in range || range.start !== 0) {
      await discard(response);
      throw new SourceError('protocol', `${label}: the server answered a Range request without a usable Content-Range (HTTP ${response.status})`);
    }
    const head = new Uint8Array(range.end + 1);
    const got = await readBodyInto(response, head, 0, attempt, label, count);
    if (got !== head.length) throw new SourceError('network', `${label}: the answer stopped after ${got} of ${head.length} bytes`);
    return { size: range.size, head, etag, whole: range.end + 1 === range.size };
  });

  const { size, head, etag, whole } = opened;
  if (options.expectedSize !== undefined && options.expectedSize !== size) {
    throw new SourceError(
      'invalid',
      size < options.expectedSize
        ? `${label}: the server holds ${size} of its ${options.expectedSize} bytes; the file is truncated`
        : `${label}: the server holds ${size} bytes where ${options.expectedSize} were listed`,
    );
  }
  meter = new TransferMeter(label, size);
  // The opening probe counts too.
  if (received > 0) options.onProgress?.(meter.add(received));

  async function fetchRange(offset: number, length: number, readOptions: ReadOptions | undefined): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let filled = 0;
    const policy: HttpPolicy = readOptions?.signal ? { ...options, signal: combineSignals(options.signal, readOptions.signal) } : options;
    await withRetries(
      policy,
      label,
      async (attempt: Attempt) => {
        const start = offset + filled;
        const last = offset + length - 1;
        const response = await get(url, policy, attempt, { Range: `bytes=${start}-${last}` });
        const failed = statusError(response, label, policy);
        if (failed) {
          await discard(response);
          throw failed;
        }
        const range = parseContentRange(response.headers.get('content-range'));
        if (response.status !== 206 || range === null || 'unsatisfiedSize' in range) {
          await discard(response);
          throw new SourceError('protocol', `${label}: the server stopped answering byte ranges (HTTP ${response.status} to bytes ${start}-${last})`);
        }
        if (range.size !== size || !sameEtag(etag, response.headers.get('etag'))) {
          await discard(response);
          throw new SourceError('changed', `${label}: the file changed on the server while it was being read (size or ETag differs); open the model again`);
        }
        if (range.start !== start || range.end > last) {
          await discard(response);
          throw new SourceError('protocol', `${label}: asked for bytes ${start}-${last}, the server sent ${range.start}-${range.end}`);
        }
        const expected = range.end - range.start + 1;
        const got = await readBodyInto(response, out, filled, attempt, label, (bytes) => {
          filled += bytes;
          count(bytes);
        });
        if (got < expected) throw new SourceError('network', `${label}: the answer stopped after ${got} of ${expected} bytes`);
        // A server may send less than asked (RFC 9110 allows it); ask again for the rest.
        if (filled < length) throw new SourceError('network', `${label}: the server sent ${filled} of ${length} bytes`);
      },
      () => filled,
    );
    return out;
  }

  return {
    url,
    label,
    size,
    etag,
    get bytesReceived() {
      return received;
    },
    async read(offset, length, readOptions) {
      checkReadRange(offset, length, size);
      if (length === 0) return new Uint8Array(0);
      if (whole || offset + length <= head.length) return head.subarray(offset, offset + length);
      if (offset >= head.length) return fetchRange(offset, length, readOptions);
      // The opening probe already holds the first bytes: fetch only the rest.
      const out = new Uint8Array(length);
      out.set(head.subarray(offset), 0);
      out.set(await fetchRange(head.length, offset + length - head.length, readOptions), head.length - offset);
      return out;
    },
  };
}

function combineSignals(a: AbortSignal | undefined, b: AbortSignal): AbortSignal {
  return a ? AbortSignal.any([a, b]) : b;
}
