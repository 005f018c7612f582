/**
 * fp32 ⇄ bf16 and fp32 ⇄ fp16 (IEEE 754 binary16), on raw 16-bit patterns.
 * Node 20 has no Float16Array, so half-precision values travel as Uint16Array.
 * Narrowing rounds to nearest, ties to even; NaN stays NaN, infinities stay infinite.
 */
import type { StorageDType } from './tensor';

export function bytesPerElement(dtype: StorageDType): number {
  return dtype === 'F32' ? 4 : 2;
}

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

function float32Bits(value: number): number {
  scratchF32[0] = value;
  return scratchU32[0] ?? 0;
}

function float32FromBits(bits: number): number {
  scratchU32[0] = bits;
  return scratchF32[0] ?? 0;
}

// ---------------------------------------------------------------- bf16

function bf16BitsFromFloat32Bits(bits: number): number {
  if ((bits & 0x7fffffff) > 0x7f800000) {
    // NaN: truncating could clear every mantissa bit left and turn it into an infinity, so force the quiet bit.
    return ((bits >>> 16) | 0x0040) & 0xffff;
  }
  const lsbOfKeptHalf = (bits >>> 16) & 1;
  // The sum stays below 2^32 for every non-NaN pattern, so `>>>` never wraps.
  return ((bits + 0x7fff + lsbOfKeptHalf) >>> 16) & 0xffff;
}

export function bf16BitsToFloat32(bits: number): number {
  return float32FromBits((bits & 0xffff) << 16);
}

/** `value` is first rounded to fp32 (Math.fround), then to bf16. */
export function float32ToBf16Bits(value: number): number {
  return bf16BitsFromFloat32Bits(float32Bits(value));
}

export function decodeBf16(bits: Uint16Array, out: Float32Array = new Float32Array(bits.length)): Float32Array {
  checkSameLength(bits.length, out.length);
  const outBits = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < bits.length; i++) outBits[i] = (bits[i] ?? 0) << 16;
  return out;
}

export function encodeBf16(values: Float32Array, out: Uint16Array = new Uint16Array(values.length)): Uint16Array {
  checkSameLength(values.length, out.length);
  const valueBits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < valueBits.length; i++) out[i] = bf16BitsFromFloat32Bits(valueBits[i] ?? 0);
  return out;
}

// ---------------------------------------------------------------- fp16

const HALF_SUBNORMAL_STEP = 2 ** -24;

function halfBitsFromFloat32(value: number, bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const magnitudeBits = bits & 0x7fffffff;
  if (magnitudeBits > 0x7f800000) {
    // NaN: keep the top of the payload, and the quiet bit so the result cannot become an infinity.
    return sign | 0x7e00 | ((magnitudeBits >>> 13) & 0x03ff);
  }
  // 65520 = 65504 (max half) + half an ulp; the tie rounds to the even pattern, which is infinity.
  if (magnitudeBits >= 0x477ff000) return sign | 0x7c00;
  if (magnitudeBits >= 0x38800000) {
    // Normal half. Rebias the exponent (127 → 15) and drop 13 mantissa bits, rounding to even;
    // a mantissa carry ripples into the exponent, which is exactly right.
    const lsbOfKept = (magnitudeBits >>> 13) & 1;
    return sign | ((magnitudeBits - (112 << 23) + 0x0fff + lsbOfKept) >>> 13);
  }
  // Subnormal half (or zero): the result is round(|value| / 2^-24); the product is exact in float64.
  const scaled = Math.abs(value) / HALF_SUBNORMAL_STEP;
  let mantissa = Math.floor(scaled);
  const remainder = scaled - mantissa;
  if (remainder > 0.5 || (remainder === 0.5 && (mantissa & 1) === 1)) mantissa += 1;
  // mantissa may reach 0x400, which is the bit pattern of the smallest normal: still correct.
  return sign | mantissa;
}

export function halfBitsToFloat32(bits: number): number {
  const sign = (bits & 0x8000) !== 0 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x03ff;
  if (exponent === 0) return sign * mantissa * HALF_SUBNORMAL_STEP;
  if (exponent === 0x1f) {
    return mantissa === 0 ? sign * Infinity : float32FromBits(((bits & 0x8000) << 16) | 0x7f800000 | (mantissa << 13));
  }
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** `value` is first rounded to fp32 (Math.fround), then to fp16: the fp32 → fp16 conversion, not float64 → fp16. */
export function float32ToHalfBits(value: number): number {
  const bits = float32Bits(value);
  return halfBitsFromFloat32(float32FromBits(bits), bits);
}

let halfDecodeTable: Float32Array | null = null;

/** All 65536 half values as fp32 (256 KiB), built on first use: decoding becomes one lookup per element. */
function halfToFloat32Table(): Float32Array {
  if (halfDecodeTable === null) {
    const table = new Float32Array(0x10000);
    for (let bits = 0; bits < 0x10000; bits++) table[bits] = halfBitsToFloat32(bits);
    halfDecodeTable = table;
  }
  return halfDecodeTable;
}

export function decodeF16(bits: Uint16Array, out: Float32Array = new Float32Array(bits.length)): Float32Array {
  checkSameLength(bits.length, out.length);
  const table = halfToFloat32Table();
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i] ?? 0] ?? 0;
  return out;
}

export function encodeF16(values: Float32Array, out: Uint16Array = new Uint16Array(values.length)): Uint16Array {
  checkSameLength(values.length, out.length);
  const valueBits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < values.length; i++) out[i] = halfBitsFromFloat32(values[i] ?? 0, valueBits[i] ?? 0);
  return out;
}

/** Rounds every value to what `dtype` can store, in fp32: what a value becomes after a save and a load. */
export function roundToStorage(values: Float32Array, dtype: StorageDType): Float32Array {
  if (dtype === 'F32') return values.slice();
  return dtype === 'BF16' ? decodeBf16(encodeBf16(values)) : decodeF16(encodeF16(values));
}

function checkSameLength(inputLength: number, outputLength: number): void {
  if (inputLength !== outputLength) {
    throw new RangeError(`output holds ${outputLength} elements, input has ${inputLength}`);
  }
}
