/**
 * Random-access readers: the byte layer under every model source. A reader answers `size` and
 * `read(offset, length)` for one file, wherever it lives: a file on disk (Node), a Blob or File
 * (browser, sliced lazily), or HTTP with Range requests (a hub, a mirror, the app's own files).
 */
import { byteSourceFromBlob, byteSourceFromBytes, type ByteSource } from '@/lib/formats/safetensors';

export interface ReadOptions {
  readonly signal?: AbortSignal;
}

export interface RandomAccessReader extends ByteSource {
  /** Names the file in messages: `org/name@1a2b3c4: model.safetensors`, `my-model/config.json`. */
  readonly label: string;
  /** Exactly `length` bytes starting at `offset`; callers must not modify the result. */
  read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array>;
  /** Releases a file handle, where there is one. */
  close?(): Promise<void>;
}

/** A Blob or File (a dropped or picked model folder): only the bytes asked for are ever read. */
export function blobReader(blob: Blob, label: string): RandomAccessReader {
  return { ...byteSourceFromBlob(blob), label };
}

export function bytesReader(bytes: Uint8Array, label: string): RandomAccessReader {
  return { ...byteSourceFromBytes(bytes), label };
}

/** The whole file (small files: config.json, tokenizer files, a shard index). */
export function readWhole(reader: RandomAccessReader, options?: ReadOptions): Promise<Uint8Array> {
  return reader.read(0, reader.size, options);
}

export async function readJson(reader: RandomAccessReader, options?: ReadOptions): Promise<unknown> {
  const text = new TextDecoder().decode(await readWhole(reader, options));
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(`${reader.label} is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** Bytes and reads through a set of readers, per file: what validation costs, measured. */
export class ReadLedger {
  private readonly files = new Map<string, { bytes: number; reads: number }>();

  record(file: string, bytes: number): void {
    const entry = this.files.get(file) ?? { bytes: 0, reads: 0 };
    entry.bytes += bytes;
    entry.reads += 1;
    this.files.set(file, entry);
  }

  get bytes(): number {
    let total = 0;
    for (const entry of this.files.values()) total += entry.bytes;
    return total;
  }

  get reads(): number {
    let total = 0;
    for (const entry of this.files.values()) total += entry.reads;
    return total;
  }

  /** Per file label, in first-read order. */
  byFile(): ReadonlyMap<string, { readonly bytes: number; readonly reads: number }> {
    return this.files;
  }
}

/** `reader`, with every read recorded in `ledger`. */
export function countedReader(reader: RandomAccessReader, ledger: ReadLedger): RandomAccessReader {
  return {
    label: reader.label,
    size: reader.size,
    async read(offset, length, options) {
      const bytes = await reader.read(offset, length, options);
      ledger.record(reader.label, length);
      return bytes;
    },
    ...(reader.close ? { close: () => reader.close!() } : {}),
  };
}
