/**
 * Tensor values ⇄ little-endian bytes in a storage dtype, as safetensors (and ONNX initializers) store them.
 * Always little-endian, whatever the platform; the decoded array never aliases the input bytes.
 */
import { bytesPerElement, decodeBf16, decodeF16, encodeBf16, encodeF16 } from '@/lib/tensors/dtype';
import type { StorageDType } from '@/lib/tensors/tensor';

const platformIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function decodeTensorBytes(bytes: Uint8Array, dtype: StorageDType): Float32Array {
  const size = bytesPerElement(dtype);
  if (bytes.byteLength % size !== 0) {
    throw new RangeError(`${bytes.byteLength} bytes is not a whole number of ${dtype} elements`);
  }
  const count = bytes.byteLength / size;
  if (dtype === 'F32') return readFloat32LE(bytes, count);
  const bits = readUint16LE(bytes, count);
  return dtype === 'BF16' ? decodeBf16(bits) : decodeF16(bits);
}

export function encodeTensorBytes(values: Float32Array, dtype: StorageDType): Uint8Array<ArrayBuffer> {
  if (dtype === 'F32') {
    if (platformIsLittleEndian) return new Uint8Array(values.slice().buffer);
    const out = new Uint8Array(values.length * 4);
    const view = new DataView(out.buffer);
    values.forEach((v, i) => view.setFloat32(i * 4, v, true));
    return out;
  }
  const bits = new Uint16Array(values.length);
  if (dtype === 'BF16') encodeBf16(values, bits);
  else encodeF16(values, bits);
  if (platformIsLittleEndian) return new Uint8Array(bits.buffer, bits.byteOffset, bits.byteLength);
  const out = new Uint8Array(bits.length * 2);
  const view = new DataView(out.buffer);
  bits.forEach((b, i) => view.setUint16(i * 2, b, true));
  return out;
}

function readFloat32LE(bytes: Uint8Array, count: number): Float32Array {
  if (platformIsLittleEndian) {
    // slice() copies into a fresh, 4-aligned buffer: a view at an unaligned offset would throw.
    return new Float32Array(bytes.slice().buffer, 0, count);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

function readUint16LE(bytes: Uint8Array, count: number): Uint16Array {
  if (platformIsLittleEndian) {
    if (bytes.byteOffset % 2 === 0) return new Uint16Array(bytes.buffer, bytes.byteOffset, count);
    return new Uint16Array(bytes.slice().buffer, 0, count);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Uint16Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getUint16(i * 2, true);
  return out;
}
