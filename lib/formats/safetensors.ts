/**
 * The safetensors format: an 8-byte little-endian u64 header length, a JSON header
 * (`{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {string: string}}`,
 * offsets relative to the first byte after the header), then the raw little-endian tensor bytes.
 *
 * Reading: `parseSafetensorsHeader` (validation), `openSafetensors` (random access, one tensor at a time,
 * over any ByteSource), `loadSafetensors` (everything at once, for small models).
 * Writing: `writeSafetensors` (one buffer) and `SafetensorsWriter` (header first, then tensor by tensor).
 */
import { bytesPerElement } from '@/lib/tensors/dtype';
import { elementCount, sameShape, tensor, type NamedTensors, type StorageDType, type Tensor } from '@/lib/tensors/tensor';
import { decodeTensorBytes, encodeTensorBytes } from './tensorBytes';
import { isPlainObject } from '@/lib/json/isPlainObject';

export const SAFETENSORS_DTYPES: readonly StorageDType[] = ['F32', 'F16', 'BF16'];

const LENGTH_PREFIX_BYTES = 8;
/** The reference implementation refuses larger headers too; it guards against allocating garbage lengths. */
const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';

export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: StorageDType;
  readonly shape: readonly number[];
  /** Absolute byte offsets in the file (header included), end exclusive. */
  readonly begin: number;
  readonly end: number;
}

export interface SafetensorsHeader {
  /** Length of the JSON header in bytes, padding included. */
  readonly headerLength: number;
  /** Absolute offset of the first tensor byte: 8 + headerLength. */
  readonly dataStart: number;
  readonly metadata: Record<string, string>;
  /** Sorted by position in the file, so reading them in order is one sequential pass. */
  readonly entries: readonly SafetensorsEntry[];
}

// ---------------------------------------------------------------- header parsing

/**
 * Parses and validates the header. `fileStart` holds the first bytes of the file (at least the
 * 8-byte prefix and the JSON header; the whole file is fine). `fileSize` defaults to `fileStart.length`,
 * so pass it when `fileStart` is only a prefix: every tensor must end inside the file.
 */
export function parseSafetensorsHeader(fileStart: Uint8Array, fileSize: number = fileStart.length): SafetensorsHeader {
  const headerLength = readHeaderLength(fileStart, fileSize);
  const dataStart = LENGTH_PREFIX_BYTES + headerLength;
  if (fileStart.length < dataStart) {
    throw new Error(`safetensors: need the first ${dataStart} bytes to read the header, got ${fileStart.length}`);
  }
  const json = parseHeaderJson(fileStart.subarray(LENGTH_PREFIX_BYTES, dataStart));

  let metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [name, value] of Object.entries(json)) {
    if (name === METADATA_KEY) metadata = parseMetadata(value);
    else entries.push(parseEntry(name, value, dataStart, fileSize));
  }
  entries.sort((a, b) => a.begin - b.begin);
  checkNoOverlap(entries);
  return { headerLength, dataStart, metadata, entries };
}

function readHeaderLength(fileStart: Uint8Array, fileSize: number): number {
  if (fileStart.length < LENGTH_PREFIX_BYTES || fileSize < LENGTH_PREFIX_BYTES) {
    throw new Error(`safetensors: file too short (${fileSize} bytes) to hold the 8-byte header length`);
  }
  const view = new DataView(fileStart.buffer, fileStart.byteOffset, LENGTH_PREFIX_BYTES);
  const length = view.getBigUint64(0, true);
  if (length > BigInt(fileSize - LENGTH_PREFIX_BYTES)) {
    throw new Error(
      `safetensors: header length ${length} runs past the end of the file (${fileSize} bytes); the file is truncated or not safetensors`,
    );
  }
  if (length > BigInt(MAX_HEADER_BYTES)) {
    throw new Error(`safetensors: header length ${length} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  if (length < 2n) throw new Error(`safetensors: header length ${length} is too small for a JSON object`);
  return Number(length);
}

function parseHeaderJson(headerBytes: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw new Error('safetensors: header is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`safetensors: header is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!isPlainObject(json)) throw new Error('safetensors: header must be a JSON object');
  return json;
}

function parseMetadata(value: unknown): Record<string, string> {
  if (!isPlainObject(value)) throw new Error(`safetensors: ${METADATA_KEY} must be an object of strings`);
  const pairs = Object.entries(value).map(([key, item]): [string, string] => {
    if (typeof item !== 'string') {
      throw new Error(`safetensors: ${METADATA_KEY}["${key}"] must be a string, got ${describe(item)}`);
    }
    return [key, item];
  });
  return Object.fromEntries(pairs);
}

function parseEntry(name: string, value: unknown, dataStart: number, fileSize: number): SafetensorsEntry {
  const where = `safetensors: tensor "${name}"`;
  if (!isPlainObject(value)) throw new Error(`${where}: entry must be an object, got ${describe(value)}`);
  const { dtype, shape, data_offsets: offsets } = value;

  if (typeof dtype !== 'string') throw new Error(`${where}: dtype must be a string, got ${describe(dtype)}`);
  if (!isStorageDType(dtype)) {
    throw new Error(`${where} has dtype "${dtype}", which is not supported (supported: ${SAFETENSORS_DTYPES.join(', ')})`);
  }
  if (!Array.isArray(shape) || !shape.every(isNonNegativeSafeInteger)) {
    throw new Error(`${where}: shape must be a list of non-negative integers, got ${describe(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeSafeInteger)) {
    throw new Error(`${where}: data_offsets must be [begin, end] non-negative integers, got ${describe(offsets)}`);
  }
  const [relativeBegin, relativeEnd] = offsets as [number, number];
  if (relativeEnd < relativeBegin) {
    throw new Error(`${where}: data_offsets [${relativeBegin}, ${relativeEnd}] end before they begin`);
  }
  const expectedBytes = elementCount(shape) * bytesPerElement(dtype);
  if (relativeEnd - relativeBegin !== expectedBytes) {
    throw new Error(
      `${where}: data_offsets span ${relativeEnd - relativeBegin} bytes, but ${dtype} [${shape.join(', ')}] needs ${expectedBytes}`,
    );
  }
  const begin = dataStart + relativeBegin;
  const end = dataStart + relativeEnd;
  if (end > fileSize) {
    throw new Error(`${where} ends at byte ${end}, past the end of the file (${fileSize} bytes); the file is truncated`);
  }
  return { name, dtype, shape, begin, end };
}

function checkNoOverlap(sortedEntries: readonly SafetensorsEntry[]): void {
  for (let i = 1; i < sortedEntries.length; i++) {
    const previous = sortedEntries[i - 1];
    const current = sortedEntries[i];
    if (previous && current && current.begin < previous.end) {
      throw new Error(
        `safetensors: tensors "${previous.name}" and "${current.name}" overlap ` +
          `(bytes ${previous.begin}–${previous.end} and ${current.begin}–${current.end})`,
      );
    }
  }
}

function isStorageDType(value: string): value is StorageDType {
  return (SAFETENSORS_DTYPES as readonly string[]).includes(value);
}

function isNonNegativeSafeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

// ---------------------------------------------------------------- random-access reading

/** Random access to the bytes of a file, wherever they live (memory, disk, a browser File). */
export interface ByteSource {
  readonly size: number;
  /** Exactly `length` bytes starting at `offset`; callers must not modify the result. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

export function byteSourceFromBytes(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    async read(offset, length) {
      checkReadRange(offset, length, bytes.length);
      return bytes.subarray(offset, offset + length);
    },
  };
}

/** A Blob or File (a dropped checkpoint in the browser): only the bytes asked for are read. */
export function byteSourceFromBlob(blob: Blob): ByteSource {
  return {
    size: blob.size,
    async read(offset, length) {
      checkReadRange(offset, length, blob.size);
      return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
    },
  };
}

export function checkReadRange(offset: number, length: number, size: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new RangeError(`cannot read ${length} bytes at offset ${offset} from a source of ${size} bytes`);
  }
}

export interface SafetensorsReader {
  readonly metadata: Record<string, string>;
  /** In file order. */
  readonly entries: readonly SafetensorsEntry[];
  entry(name: string): SafetensorsEntry | undefined;
  /** Reads one tensor and decodes it to fp32; nothing else is read. */
  readTensor(name: string): Promise<Tensor>;
}

export async function openSafetensors(source: ByteSource): Promise<SafetensorsReader> {
  const prefix = await source.read(0, Math.min(LENGTH_PREFIX_BYTES, source.size));
  const headerLength = readHeaderLength(prefix, source.size);
  const fileStart = await source.read(0, LENGTH_PREFIX_BYTES + headerLength);
  const { metadata, entries } = parseSafetensorsHeader(fileStart, source.size);
  const byName = new Map(entries.map((e) => [e.name, e]));
  return {
    metadata,
    entries,
    entry: (name) => byName.get(name),
    async readTensor(name) {
      const found = byName.get(name);
      if (!found) throw new Error(`safetensors: no tensor named "${name}"`);
      const bytes = await source.read(found.begin, found.end - found.begin);
      return tensor(found.shape, decodeTensorBytes(bytes, found.dtype));
    },
  };
}

// ---------------------------------------------------------------- whole-file reading

export interface LoadedSafetensors {
  readonly metadata: Record<string, string>;
  /** In file order. */
  readonly tensors: NamedTensors;
  readonly dtypes: Map<string, StorageDType>;
}

export function loadSafetensors(bytes: Uint8Array): LoadedSafetensors {
  const { metadata, entries } = parseSafetensorsHeader(bytes);
  const tensors: NamedTensors = new Map();
  const dtypes = new Map<string, StorageDType>();
  for (const { name, dtype, shape, begin, end } of entries) {
    tensors.set(name, tensor(shape, decodeTensorBytes(bytes.subarray(begin, end), dtype)));
    dtypes.set(name, dtype);
  }
  return { metadata, tensors, dtypes };
}

// ---------------------------------------------------------------- writing

export interface SafetensorsTensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: StorageDType;
}

export interface SafetensorsItem {
  readonly name: string;
  readonly tensor: Tensor;
  readonly dtype: StorageDType;
}

export type ChunkSink = (chunk: Uint8Array<ArrayBuffer>) => void | Promise<void>;

/**
 * The 8-byte length prefix and the JSON header, padded with spaces to a multiple of 8 so tensor data
 * starts 8-aligned. Tensors are laid out back to back in the order given, with `__metadata__` first.
 */
export function encodeSafetensorsHeader(
  specs: readonly SafetensorsTensorSpec[],
  metadata: Record<string, string> = {},
): { header: Uint8Array<ArrayBuffer>; dataLength: number } {
  // No prototype: tensor names such as "constructor" or "__proto__" must be plain keys.
  const json = Object.create(null) as Record<string, unknown>;
  if (Object.keys(metadata).length > 0) json[METADATA_KEY] = checkedMetadata(metadata);
  const names = new Set<string>();
  let offset = 0;
  for (const { name, shape, dtype } of specs) {
    if (name === METADATA_KEY) throw new Error(`safetensors: "${METADATA_KEY}" cannot be a tensor name`);
    if (names.has(name)) throw new Error(`safetensors: tensor "${name}" is listed twice`);
    names.add(name);
    if (!isStorageDType(dtype)) throw new Error(`safetensors: tensor "${name}" has unsupported dtype "${String(dtype)}"`);
    if (!shape.every((d) => isNonNegativeSafeInteger(d))) {
      throw new Error(`safetensors: tensor "${name}" has an invalid shape [${shape.join(', ')}]`);
    }
    const byteLength = elementCount(shape) * bytesPerElement(dtype);
    json[name] = { dtype, shape: [...shape], data_offsets: [offset, offset + byteLength] };
    offset += byteLength;
  }
  const text = JSON.stringify(json);
  const unpadded = new TextEncoder().encode(text);
  const headerLength = Math.ceil(unpadded.length / 8) * 8;
  const header = new Uint8Array(LENGTH_PREFIX_BYTES + headerLength).fill(0x20);
  new DataView(header.buffer).setBigUint64(0, BigInt(headerLength), true);
  header.set(unpadded, LENGTH_PREFIX_BYTES);
  return { header, dataLength: offset };
}

function checkedMetadata(metadata: Record<string, string>): Record<string, string> {
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') throw new Error(`safetensors: metadata "${key}" must be a string, got ${describe(value)}`);
  }
  return { ...metadata };
}

export function writeSafetensors(
  items: readonly SafetensorsItem[],
  metadata?: Record<string, string>,
): Uint8Array<ArrayBuffer> {
  const { header, dataLength } = encodeSafetensorsHeader(items.map(specOf), metadata);
  const out = new Uint8Array(header.length + dataLength);
  out.set(header, 0);
  let offset = header.length;
  for (const item of items) {
    const bytes = encodeItem(item.name, item.tensor, item.tensor.shape, item.dtype);
    out.set(bytes, offset);
    offset += bytes.length;
  }
  return out;
}

function specOf(item: SafetensorsItem): SafetensorsTensorSpec {
  return { name: item.name, shape: item.tensor.shape, dtype: item.dtype };
}

function encodeItem(
  name: string,
  value: Tensor,
  expectedShape: readonly number[],
  dtype: StorageDType,
): Uint8Array<ArrayBuffer> {
  if (!sameShape(value.shape, expectedShape)) {
    throw new Error(
      `safetensors: tensor "${name}" was declared [${expectedShape.join(', ')}] but has shape [${value.shape.join(', ')}]`,
    );
  }
  if (value.data.length !== elementCount(value.shape)) {
    throw new Error(`safetensors: tensor "${name}" has ${value.data.length} values for shape [${value.shape.join(', ')}]`);
  }
  return encodeTensorBytes(value.data, dtype);
}

/**
 * Writes a safetensors file tensor by tensor, so the output never has to exist whole in memory.
 * The names, shapes and dtypes are fixed up front (the header comes first in the file); then
 * `write` takes the tensors in exactly that order and `finish` checks that none is missing.
 * The bytes are identical to `writeSafetensors` with the same tensors and metadata.
 */
export class SafetensorsWriter {
  /** Size of the whole file in bytes, known before any tensor is written. */
  readonly byteLength: number;
  private readonly header: Uint8Array<ArrayBuffer>;
  private nextIndex = 0;
  private headerWritten = false;

  constructor(
    private readonly specs: readonly SafetensorsTensorSpec[],
    private readonly sink: ChunkSink,
    metadata?: Record<string, string>,
  ) {
    const { header, dataLength } = encodeSafetensorsHeader(specs, metadata);
    this.header = header;
    this.byteLength = header.length + dataLength;
  }

  get remaining(): readonly SafetensorsTensorSpec[] {
    return this.specs.slice(this.nextIndex);
  }

  async write(name: string, value: Tensor): Promise<void> {
    const spec = this.specs[this.nextIndex];
    if (!spec) throw new Error(`safetensors writer: got "${name}" but every declared tensor was already written`);
    if (spec.name !== name) throw new Error(`safetensors writer: expected tensor "${spec.name}" next, got "${name}"`);
    const bytes = encodeItem(name, value, spec.shape, spec.dtype);
    await this.writeHeaderOnce();
    this.nextIndex += 1;
    await this.sink(bytes);
  }

  async finish(): Promise<void> {
    const missing = this.specs.slice(this.nextIndex).map((s) => s.name);
    if (missing.length > 0) {
      throw new Error(`safetensors writer: ${missing.length} declared tensors were never written (first: "${missing[0]}")`);
    }
    await this.writeHeaderOnce();
  }

  private async writeHeaderOnce(): Promise<void> {
    if (this.headerWritten) return;
    this.headerWritten = true;
    await this.sink(this.header);
  }
}
