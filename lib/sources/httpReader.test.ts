import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHubServer, type HubServer } from '@/testing/hubServer';
import { sourceFailure } from '@/testing/sourceFailure';
import { blobReader } from './byteReader';
import { openHttpReader, type HttpReaderOptions } from './httpReader';
import type { TransferProgress } from './transferProgress';

const TOKEN = 'hf_secret_token_123';
let dir: string;
let hub: HubServer;
let weights: Uint8Array;

/** No waiting between retries: tests wait on outcomes, not clocks. */
const fast: HttpReaderOptions = { retryDelayMs: 0 };

function url(repo: string, file: string, revision = 'main'): string {
  return `${hub.endpoint}/${repo}/resolve/${revision}/${file}`;
}


beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'http-reader-'));
  weights = new Uint8Array(300_000).map((_, i) => (i * 7919) % 251);
  await writeFile(path.join(dir, 'weights.safetensors'), weights);
  await writeFile(path.join(dir, 'config.json'), '{"hidden_size": 32}');
  await writeFile(path.join(dir, 'tiny.txt'), 'abc');
  await writeFile(path.join(dir, 'empty.txt'), '');
  hub = await startHubServer({
    token: TOKEN,
    repos: [
      { id: 'org/open', dir },
      { id: 'org/gated', dir, gated: true },
    ],
  });
});

afterAll(async () => {
  await hub.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => hub.reset());

describe('openHttpReader', () => {
  it('reads a small file in one request and learns its size from Content-Range', async () => {
    const reader = await openHttpReader(url('org/open', 'config.json'), { ...fast, probeBytes: 64 });
    expect(reader.size).toBe(19);
    expect(new TextDecoder().decode(await reader.read(0, reader.size))).toBe('{"hidden_size": 32}');
    expect(hub.requests.map((r) => [r.kind, r.status, r.range])).toEqual([['resolve', 206, [0, 18]]]);
    expect(reader.etag).toMatch(/^"[0-9a-f]{40}"$/);
  });

  it('follows the redirect to the CDN and reads exactly the ranges asked for', async () => {
    const reader = await openHttpReader(url('org/open', 'weights.safetensors'), fast);
    expect(reader.size).toBe(weights.length);
    expect(reader.etag).toMatch(/^"[0-9a-f]{64}"$/);
    expect([...(await reader.read(0, 8))]).toEqual([...weights.subarray(0, 8)]);
    expect(await reader.read(123_456, 70_000)).toEqual(weights.subarray(123_456, 193_456));
    expect(hub.requests.map((r) => [r.kind, r.status, r.range])).toEqual([
      ['resolve', 302, null],
      ['cdn', 206, [0, 7]],
      ['resolve', 302, null],
      ['cdn', 206, [123_456, 193_455]],
    ]);
    expect(reader.bytesReceived).toBe(8 + 70_000);
  });

  it('handles files smaller than the probe and empty files', async () => {
    const tiny = await openHttpReader(url('org/open', 'tiny.txt'), fast);
    expect(tiny.size).toBe(3);
    expect(new TextDecoder().decode(await tiny.read(0, 3))).toBe('abc');
    const empty = await openHttpReader(url('org/open', 'empty.txt'), fast);
    expect(empty.size).toBe(0);
    expect(await empty.read(0, 0)).toEqual(new Uint8Array(0));
    await expect(tiny.read(2, 5)).rejects.toThrow(RangeError);
  });

  it('reports a missing file as not found, without retrying', async () => {
    const error = await sourceFailure(openHttpReader(url('org/open', 'nope.json'), { ...fast, label: 'org/open: nope.json' }));
    expect(error.kind).toBe('not-found');
    expect(error.message).toBe('org/open: nope.json: no such file in the repository (HTTP 404)');
    expect(hub.requests).toHaveLength(1);
    expect((await sourceFailure(openHttpReader(url('org/missing', 'config.json'), fast))).kind).toBe('not-found');
    expect((await sourceFailure(openHttpReader(url('org/open', 'config.json', 'v9'), fast))).message).toContain('no such revision');
  });

  it('reports a gated repository as needing a token, and never puts the token in a message', async () => {
    const noToken = await sourceFailure(openHttpReader(url('org/gated', 'config.json'), fast));
    expect(noToken.kind).toBe('gated');
    expect(noToken.message).toContain('gated, needs a token (HTTP 401)');
    const wrong = await sourceFailure(openHttpReader(url('org/gated', 'config.json'), { ...fast, headers: { Authorization: 'Bearer hf_wrong' } }));
    expect(wrong.kind).toBe('gated');
    expect(wrong.message).toContain('does not grant access (HTTP 403)');
    expect(wrong.message).not.toContain('hf_wrong');
    const reader = await openHttpReader(url('org/gated', 'weights.safetensors'), { ...fast, headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(await reader.read(1000, 10)).toEqual(weights.subarray(1000, 1010));
    expect(hub.requests.filter((r) => r.kind === 'resolve').every((r) => r.status !== 200 || r.authorized)).toBe(true);
  });

  it('retries 5xx answers and succeeds when the server recovers', async () => {
    hub.fault({ kind: 'cdn', file: 'weights.safetensors', skip: 1, times: 2, effect: { status: 500 } });
    const reader = await openHttpReader(url('org/open', 'weights.safetensors'), fast);
    expect(await reader.read(50_000, 1000)).toEqual(weights.subarray(50_000, 51_000));
    expect(hub.requests.filter((r) => r.kind === 'cdn').map((r) => r.status)).toEqual([206, 500, 500, 206]);
  });

  it('gives up after the bounded retries with a retryable error', async () => {
    hub.fault({ kind: 'cdn', skip: 1, effect: { status: 503 } });
    const reader = await openHttpReader(url('org/open', 'weights.safetensors'), { ...fast, retries: 2 });
    const error = await sourceFailure(reader.read(50_000, 1000));
    expect(error.kind).toBe('network');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('(HTTP 503); gave up after 3 attempts');
    expect(hub.requests.filter((r) => r.kind === 'cdn')).toHaveLength(4);
  });

  it('resumes a body that ends short from the byte where it stopped', async () => {
    hub.fault({ kind: 'cdn', skip: 1, times: 2, effect: { cutAfterBytes: 20_000 } });
    const reader = await openHttpReader(url('org/open', 'weights.safetensors'), { ...fast, retries: 0 });
    expect(await reader.read(100_000, 100_000)).toEqual(weights.subarray(100_000, 200_000));
    const ranges = hub.requests.filter((r) => r.kind === 'cdn').map((r) => r.range);
    // Two cuts made progress, so they do not count against retries: 0.
    expect(ranges).toEqual([[0, 7], [100_000, 199_999], [120_000, 199_999], [140_000, 199_999]]);
  });

  it('retries a connection dropped mid-download', async () => {
    hub.fault({ kind: 'cdn', skip: 1, times: 2, effect: { dropAfterBytes: 20_000 } });
    const reader = await openHttpReader(url('org/open', 'weights.safetensors'), { ...fast, retries: 2 });
    expect(await reader.read(100_000, 100_000)).toEqual(weights.subarray(100_000, 200_000));
    const cdn = hub.requests.filter((r) => r.kind === 'cdn');
    expect(cdn).toHaveLength(4);
    // Each retry asks for what has not arrived yet (how much did arrive depends on the socket).
    expect(cdn.slice(1).every((r) => r.range![0] >= 100_000 && r.range![1] === 199_999)).toBe(true);
  });

  it('fails a stalled answer after the idle timeout', async () => {
    hub.fault({ kind: 'cdn', skip: 1, effect: { stall: true } });
    const reader = await openHttpReader(url('org/open', 'weights.safetensors'), { ...fast, retries: 1, idleTimeoutMs: 150 });
    const error = await sourceFailure(reader.read(10, 10_000));
    expect(error.kind).toBe('timeout');
    expect(error.message).toContain('no data arrived for 0.1 s; gave up after 2 attempts');
  });

  it('is cancelled by its AbortSignal at once, with no retry', async () => {
    hub.fault({ kind: 'cdn', skip: 1, effect: { stall: true } });
    const controller = new AbortController();
    const reader = await openHttpReader(url('org/open', 'weights.safetensors'), { ...fast, idleTimeoutMs: 60_000 });
    const reading = reader.read(10, 10_000, { signal: controller.signal });
    await expect.poll(() => hub.requests.filter((r) => r.kind === 'cdn').length).toBe(2);
    controller.abort();
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
    expect(hub.requests.filter((r) => r.kind === 'cdn')).toHaveLength(2);
  });

  it('refuses a server that ignores Range for a large file', async () => {
    hub.fault({ kind: 'cdn', effect: { ignoreRange: true } });
    const error = await sourceFailure(openHttpReader(url('org/open', 'weights.safetensors'), { ...fast, maxWholeFileBytes: 100_000 }));
    expect(error.kind).toBe('protocol');
    expect(error.message).toContain('does not answer byte ranges');
  });

  it('reads a small file whole when the server ignores Range', async () => {
    hub.fault({ kind: 'resolve', effect: { ignoreRange: true } });
    const reader = await openHttpReader(url('org/open', 'config.json'), fast);
    expect(new TextDecoder().decode(await reader.read(2, 11))).toBe('hidden_size');
    expect(hub.requests).toHaveLength(1);
  });

  it('reports a shard the server holds truncated', async () => {
    hub.fault({ kind: 'cdn', effect: { serveBytes: 1000 } });
    const error = await sourceFailure(openHttpReader(url('org/open', 'weights.safetensors'), { ...fast, expectedSize: weights.length, label: 'w' }));
    expect(error.kind).toBe('invalid');
    expect(error.message).toBe(`w: the server holds 1000 of its ${weights.length} bytes; the file is truncated`);
  });

  it('notices a file that changes between reads (another ETag)', async () => {
    let calls = 0;
    const changing: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (++calls === 1) return response;
      const headers = new Headers(response.headers);
      headers.set('etag', '"another"');
      return new Response(response.body, { status: response.status, headers });
    };
    const reader = await openHttpReader(url('org/open', 'weights.safetensors'), { ...fast, fetch: changing });
    const error = await sourceFailure(reader.read(1000, 100));
    expect(error.kind).toBe('changed');
  });

  it('reports progress in bytes with a rate', async () => {
    const seen: TransferProgress[] = [];
    const reader = await openHttpReader(url('org/open', 'weights.safetensors'), { ...fast, label: 'w', onProgress: (p) => seen.push(p) });
    expect(await reader.read(0, weights.length)).toEqual(weights);
    expect(hub.requests.filter((r) => r.kind === 'cdn').map((r) => r.range)).toEqual([[0, 7], [8, weights.length - 1]]);
    const last = seen[seen.length - 1]!;
    expect(last).toMatchObject({ label: 'w', loadedBytes: weights.length, totalBytes: weights.length });
    expect(seen.map((p) => p.loadedBytes)).toEqual([...seen.map((p) => p.loadedBytes)].sort((a, b) => a - b));
    expect(last.bytesPerSecond).toBeGreaterThanOrEqual(0);
  });
});

describe('blobReader', () => {
  it('reads slices of a Blob and never the whole of it', async () => {
    const sliced: [number, number][] = [];
    class WatchedBlob extends Blob {
      override slice(start?: number, end?: number, type?: string): Blob {
        sliced.push([start ?? 0, end ?? this.size]);
        return super.slice(start, end, type);
      }
    }
    const bytes = await readFile(path.join(dir, 'weights.safetensors'));
    const reader = blobReader(new WatchedBlob([bytes]), 'dropped/weights.safetensors');
    expect(await reader.read(5000, 300)).toEqual(weights.subarray(5000, 5300));
    expect(sliced).toEqual([[5000, 5300]]);
    await expect(reader.read(weights.length - 1, 2)).rejects.toThrow(RangeError);
  });
});
