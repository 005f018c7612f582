/**
 * A fingerprint of a checkpoint's weights, cheap enough to take on every open: config.json, each
 * weight file's safetensors header, and 16 samples of 64 bytes spread over its tensor data.
 *
 * Headers alone cannot tell two fine-tunes of one base apart (same names, shapes and offsets),
 * which is exactly the pair a person merges; the samples can, for about 1 kB per weight file.
 */
import type { ReadOptions } from './byteReader';
import type { OpenShard } from './modelFiles';

const VERSION = 'merge-studio-fingerprint-v1';
const SAMPLES = 16;
const SAMPLE_BYTES = 64;

export function toHex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** `sha256:<hex>` of some bytes (WebCrypto: the browser and Node alike). */
export async function sha256Id(bytes: Uint8Array | string): Promise<string> {
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : new Uint8Array(bytes);
  return `sha256:${toHex(await crypto.subtle.digest('SHA-256', data))}`;
}

/** Sample offsets evenly spread over [start, end), each `SAMPLE_BYTES` long (fewer when the data is short). */
function sampleOffsets(start: number, end: number): [number, number][] {
  const span = end - start;
  if (span <= SAMPLES * SAMPLE_BYTES) return span > 0 ? [[start, span]] : [];
  const step = (span - SAMPLE_BYTES) / (SAMPLES - 1);
  return Array.from({ length: SAMPLES }, (_, k): [number, number] => [start + Math.floor(k * step), SAMPLE_BYTES]);
}

export async function fingerprintCheckpoint(
  config: Readonly<Record<string, unknown>>,
  shards: readonly OpenShard[],
  options?: ReadOptions,
): Promise<string> {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [encoder.encode(`${VERSION}\n${JSON.stringify(config)}\n`)];
  for (const shard of [...shards].sort((a, b) => a.file.localeCompare(b.file))) {
    parts.push(encoder.encode(`${shard.file}\n${shard.reader.size}\n`), shard.headerBytes);
    for (const [offset, length] of sampleOffsets(shard.headerBytes.length, shard.reader.size)) {
      parts.push(await shard.reader.read(offset, length, options));
    }
  }
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  return sha256Id(all);
}
