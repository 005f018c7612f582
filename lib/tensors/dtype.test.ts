import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bf16BitsToFloat32,
  bytesPerElement,
  decodeBf16,
  decodeF16,
  encodeBf16,
  encodeF16,
  float32ToBf16Bits,
  float32ToHalfBits,
  halfBitsToFloat32,
  roundToStorage,
} from './dtype';

function fromBits(bits: number): number {
  return new Float32Array(new Uint32Array([bits]).buffer)[0] ?? NaN;
}

/** Independent reference: round |x| to a grid of `mantissaBits` fraction bits with exponent floor `minExponent`. */
function referenceRound(x: number, mantissaBits: number, minExponent: number, maxFinite: number): number {
  if (Number.isNaN(x) || !Number.isFinite(x) || x === 0) return x;
  let binade = Math.floor(Math.log2(Math.abs(x)));
  if (2 ** binade > Math.abs(x)) binade -= 1;
  if (2 ** (binade + 1) <= Math.abs(x)) binade += 1;
  const exponent = Math.max(binade, minExponent);
  const ulp = 2 ** (exponent - mantissaBits);
  const q = x / ulp;
  let rounded = Math.floor(q);
  const rest = q - rounded;
  if (rest > 0.5 || (rest === 0.5 && rounded % 2 !== 0)) rounded += 1;
  const value = rounded * ulp;
  // Past the largest finite value by half an ulp or more, round to nearest gives infinity.
  const topUlp = 2 ** (Math.floor(Math.log2(maxFinite)) - mantissaBits);
  if (Math.abs(x) >= maxFinite + topUlp / 2) return Math.sign(x) * Infinity;
  return value === 0 ? (x < 0 ? -0 : 0) : value;
}

const HALF_MAX = 65504;
const BF16_MAX = fromBits(0x7f7f0000);

describe('bf16', () => {
  it('converts hand-worked bit patterns', () => {
    expect(float32ToBf16Bits(1)).toBe(0x3f80);
    expect(float32ToBf16Bits(-2.5)).toBe(0xc020);
    expect(float32ToBf16Bits(0)).toBe(0x0000);
    expect(float32ToBf16Bits(-0)).toBe(0x8000);
    expect(float32ToBf16Bits(Infinity)).toBe(0x7f80);
    expect(float32ToBf16Bits(-Infinity)).toBe(0xff80);
    expect(bf16BitsToFloat32(0x3f80)).toBe(1);
    expect(bf16BitsToFloat32(0xc020)).toBe(-2.5);
    expect(bf16BitsToFloat32(0x0001)).toBe(2 ** -133);
    expect(bf16BitsToFloat32(0x7f7f)).toBe(BF16_MAX);
  });

  it('rounds ties to even', () => {
    expect(float32ToBf16Bits(fromBits(0x3f808000))).toBe(0x3f80); // 1 + 2^-8: halfway, 0x3f80 is even
    expect(float32ToBf16Bits(fromBits(0x3f818000))).toBe(0x3f82); // halfway between 0x3f81 and 0x3f82
    expect(float32ToBf16Bits(fromBits(0x3f808001))).toBe(0x3f81); // just above the tie
    expect(float32ToBf16Bits(fromBits(0x3f807fff))).toBe(0x3f80); // just below the tie
    expect(float32ToBf16Bits(fromBits(0x7f7fffff))).toBe(0x7f80); // largest fp32 rounds up to infinity
  });

  it('keeps NaN a NaN, even when only low payload bits are set', () => {
    expect(float32ToBf16Bits(NaN)).toBe(0x7fc0);
    for (const bits of [0x7f800001, 0xff800001, 0x7fbfffff]) {
      const out = float32ToBf16Bits(fromBits(bits));
      expect(Number.isNaN(bf16BitsToFloat32(out))).toBe(true);
    }
    expect(float32ToBf16Bits(fromBits(0xff800001)) & 0x8000).toBe(0x8000);
  });

  it('round-trips every bf16 pattern', () => {
    const mismatches: number[] = [];
    for (let bits = 0; bits < 0x10000; bits++) {
      const value = bf16BitsToFloat32(bits);
      const back = float32ToBf16Bits(value);
      const ok = Number.isNaN(value) ? Number.isNaN(bf16BitsToFloat32(back)) : back === bits;
      if (!ok) mismatches.push(bits);
    }
    expect(mismatches).toEqual([]);
  });

  it('matches the reference rounding on arbitrary fp32 values', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true }), (x) => {
        const got = bf16BitsToFloat32(float32ToBf16Bits(x));
        expect(Object.is(got, referenceRound(x, 7, -126, BF16_MAX))).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('fp16', () => {
  it('converts hand-worked bit patterns', () => {
    expect(float32ToHalfBits(1)).toBe(0x3c00);
    expect(float32ToHalfBits(-2.5)).toBe(0xc100);
    expect(float32ToHalfBits(-0)).toBe(0x8000);
    expect(float32ToHalfBits(HALF_MAX)).toBe(0x7bff);
    expect(float32ToHalfBits(2 ** -14)).toBe(0x0400); // smallest normal
    expect(float32ToHalfBits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(float32ToHalfBits(1023 * 2 ** -24)).toBe(0x03ff); // largest subnormal
    expect(float32ToHalfBits(Infinity)).toBe(0x7c00);
    expect(float32ToHalfBits(-Infinity)).toBe(0xfc00);
    expect(halfBitsToFloat32(0x3c00)).toBe(1);
    expect(halfBitsToFloat32(0xc100)).toBe(-2.5);
    expect(halfBitsToFloat32(0x7bff)).toBe(HALF_MAX);
    expect(halfBitsToFloat32(0x0001)).toBe(5.960464477539063e-8);
    expect(halfBitsToFloat32(0x8001)).toBe(-(2 ** -24));
    expect(halfBitsToFloat32(0x7c00)).toBe(Infinity);
    expect(halfBitsToFloat32(0xfc00)).toBe(-Infinity);
    expect(Object.is(halfBitsToFloat32(0x8000), -0)).toBe(true);
  });

  it('rounds to nearest, ties to even, in normals, subnormals and at the overflow edge', () => {
    expect(float32ToHalfBits(1 + 2 ** -11)).toBe(0x3c00); // tie → even 0x3c00
    expect(float32ToHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even 0x3c02
    expect(float32ToHalfBits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01); // above the tie
    expect(float32ToHalfBits(2 ** -25)).toBe(0x0000); // half the smallest subnormal → 0 (even)
    expect(float32ToHalfBits(3 * 2 ** -25)).toBe(0x0002); // 1.5 steps → 2 (even)
    expect(float32ToHalfBits(2 ** -25 * (1 + 2 ** -20))).toBe(0x0001);
    expect(float32ToHalfBits(1023.5 * 2 ** -24)).toBe(0x0400); // subnormal rounds up into the normals
    expect(float32ToHalfBits(2 ** -30)).toBe(0x0000);
    expect(float32ToHalfBits(-(2 ** -30))).toBe(0x8000);
    expect(float32ToHalfBits(65519)).toBe(0x7bff); // just below the overflow tie
    expect(float32ToHalfBits(65520)).toBe(0x7c00); // the tie rounds to even: infinity
    expect(float32ToHalfBits(1e6)).toBe(0x7c00);
    expect(float32ToHalfBits(fromBits(0x7f7fffff))).toBe(0x7c00);
  });

  it('keeps NaN a NaN', () => {
    expect(float32ToHalfBits(NaN) & 0x7e00).toBe(0x7e00);
    for (const bits of [0x7f800001, 0xff800001, 0x7fc00000, 0x7f802000]) {
      expect(Number.isNaN(halfBitsToFloat32(float32ToHalfBits(fromBits(bits))))).toBe(true);
    }
    expect(Number.isNaN(halfBitsToFloat32(0x7e00))).toBe(true);
    expect(Number.isNaN(halfBitsToFloat32(0xfc01))).toBe(true);
  });

  it('round-trips every half pattern', () => {
    const mismatches: number[] = [];
    for (let bits = 0; bits < 0x10000; bits++) {
      const value = halfBitsToFloat32(bits);
      const back = float32ToHalfBits(value);
      const ok = Number.isNaN(value) ? Number.isNaN(halfBitsToFloat32(back)) : back === bits;
      if (!ok) mismatches.push(bits);
    }
    expect(mismatches).toEqual([]);
  });

  it('matches the reference rounding on arbitrary fp32 values', () => {
    const interesting = fc.oneof(
      fc.float({ noNaN: true }),
      fc.float({ noNaN: true, min: -70000, max: 70000 }),
      fc.float({ noNaN: true, min: Math.fround(-(2 ** -13)), max: Math.fround(2 ** -13) }),
    );
    fc.assert(
      fc.property(interesting, (x) => {
        const got = halfBitsToFloat32(float32ToHalfBits(x));
        expect(Object.is(got, referenceRound(x, 10, -14, HALF_MAX))).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('bulk conversion', () => {
  const values = new Float32Array([1, -2.5, 0, -0, 3.14159, 1e-8, 65520, -1e30, Infinity, NaN, 2 ** -24, 0.1]);

  it('agrees with the scalar conversions', () => {
    const bf16 = encodeBf16(values);
    const f16 = encodeF16(values);
    values.forEach((v, i) => {
      expect(bf16[i]).toBe(float32ToBf16Bits(v));
      expect(f16[i]).toBe(float32ToHalfBits(v));
    });
    const fromBf16 = decodeBf16(bf16);
    const fromF16 = decodeF16(f16);
    bf16.forEach((b, i) => expect(Object.is(fromBf16[i], bf16BitsToFloat32(b))).toBe(true));
    f16.forEach((b, i) => expect(Object.is(fromF16[i], halfBitsToFloat32(b))).toBe(true));
  });

  it('works on views with an offset and into a caller-provided output', () => {
    const backing = new Float32Array(values.length + 3);
    backing.set(values, 3);
    const view = backing.subarray(3);
    const out = new Uint16Array(values.length + 1).subarray(1);
    expect([...encodeF16(view, out)]).toEqual([...encodeF16(values)]);
    const decoded = new Float32Array(values.length + 2).subarray(2);
    decodeBf16(encodeBf16(view), decoded);
    expect(decoded[1]).toBe(-2.5);
    expect(() => encodeBf16(values, new Uint16Array(2))).toThrow(/output holds 2 elements/);
  });

  it('rounds to storage precision', () => {
    expect(roundToStorage(values, 'F32')).toEqual(values);
    expect(roundToStorage(new Float32Array([0.1]), 'BF16')[0]).toBe(bf16BitsToFloat32(float32ToBf16Bits(0.1)));
    expect(roundToStorage(new Float32Array([0.1]), 'F16')[0]).toBe(halfBitsToFloat32(float32ToHalfBits(0.1)));
    expect([bytesPerElement('F32'), bytesPerElement('F16'), bytesPerElement('BF16')]).toEqual([4, 2, 2]);
  });
});
