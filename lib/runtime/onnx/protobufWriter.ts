/**
 * A minimal Protocol Buffers writer: just the wire types ONNX needs (varint, 64-bit is never
 * used, length-delimited, 32-bit float). Works on Uint8Array only, in Node and in browsers.
 *
 * Nested messages are written by a child writer whose chunks are spliced into the parent, so
 * large payloads (initializer bytes) are copied once, in `finish()`.
 */

const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

const textEncoder = new TextEncoder();

export class ProtobufWriter {
  private readonly chunks: Uint8Array[] = [];
  private pending: number[] = [];
  private length = 0;

  /** Total bytes written so far. */
  get byteLength(): number {
    return this.length + this.pending.length;
  }

  /** An int32/int64/uint64/enum/bool field (varint). Negative values take ten bytes, as proto3 says. */
  int(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    this.varint(value);
    return this;
  }

  /** A float field (fixed32, little-endian). */
  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.raw(bytes);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, textEncoder.encode(value));
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.varint(value.byteLength);
    this.raw(value);
    return this;
  }

  /** A packed repeated varint field (int64s, int32s). Empty lists write nothing. */
  packedInts(field: number, values: readonly (number | bigint)[]): this {
    if (values.length === 0) return this;
    const inner = new ProtobufWriter();
    for (const v of values) inner.varint(v);
    return this.embed(field, inner);
  }

  /** A packed repeated float field. Empty lists write nothing. */
  packedFloats(field: number, values: readonly number[]): this {
    if (values.length === 0) return this;
    const bytes = new Uint8Array(values.length * 4);
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => view.setFloat32(i * 4, v, true));
    return this.bytes(field, bytes);
  }

  /** An embedded message, written by `write` into a fresh writer. */
  message(field: number, write: (w: ProtobufWriter) => void): this {
    const inner = new ProtobufWriter();
    write(inner);
    return this.embed(field, inner);
  }

  finish(): Uint8Array {
    this.flush();
    if (this.chunks.length === 1) return this.chunks[0]!;
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return out;
  }

  private embed(field: number, inner: ProtobufWriter): this {
    inner.flush();
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.varint(inner.length);
    for (const chunk of inner.chunks) this.raw(chunk);
    return this;
  }

  private tag(field: number, wireType: number): void {
    if (!Number.isInteger(field) || field < 1) throw new RangeError(`invalid protobuf field number ${field}`);
    this.varint(field * 8 + wireType);
  }

  private varint(value: number | bigint): void {
    if (typeof value === 'number' && value >= 0 && value <= 0x7fffffff && Number.isInteger(value)) {
      let n = value;
      while (n >= 0x80) {
        this.pending.push((n & 0x7f) | 0x80);
        n >>>= 7;
      }
      this.pending.push(n);
      return;
    }
    let v = BigInt.asUintN(64, BigInt(value));
    if (v < 0x80n) {
      this.pending.push(Number(v));
      return;
    }
    while (v >= 0x80n) {
      this.pending.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.pending.push(Number(v));
  }

  private raw(bytes: Uint8Array): void {
    if (bytes.byteLength < 64) {
      for (let i = 0; i < bytes.byteLength; i++) this.pending.push(bytes[i]!);
      return;
    }
    this.flush();
    this.chunks.push(bytes);
    this.length += bytes.byteLength;
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.chunks.push(Uint8Array.from(this.pending));
    this.length += this.pending.length;
    this.pending = [];
  }
}
