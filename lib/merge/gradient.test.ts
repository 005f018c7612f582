import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gradientAtLayer, interpolateGradient, layerT } from './gradient';

describe('layerT', () => {
  it('spreads layers over [0, 1] and puts a lone layer at t = 1', () => {
    expect(layerT(0, 32)).toBe(0);
    expect(layerT(31, 32)).toBe(1);
    expect(layerT(8, 32)).toBe(8 / 31);
    expect(layerT(0, 1)).toBe(1);
  });
  it('rejects layers outside the slice', () => {
    expect(() => layerT(4, 4)).toThrow(/outside/);
    expect(() => layerT(-1, 4)).toThrow(/outside/);
    expect(() => layerT(0, 0)).toThrow(/positive/);
  });
});

describe('interpolateGradient (mergekit rule, worked by hand)', () => {
  it('5 anchors [0, 0.5, 1, 0.5, 0] over 32 layers', () => {
    const anchors = [0, 0.5, 1, 0.5, 0];
    // layer 0: t = 0, s = 0 → anchor 0.
    expect(gradientAtLayer(anchors, 0, 32)).toBe(0);
    // layer 8: t = 8/31, s = 32/31 → between anchors 1 and 2, frac 1/31: 0.5·30/31 + 1·1/31 = 16/31.
    expect(gradientAtLayer(anchors, 8, 32)).toBeCloseTo(16 / 31, 12);
    // layer 15: s = 60/31 → anchors 1, 2, frac 29/31: 0.5·2/31 + 29/31 = 30/31.
    expect(gradientAtLayer(anchors, 15, 32)).toBeCloseTo(30 / 31, 12);
    // layer 16: s = 64/31 → anchors 2, 3, frac 2/31: 1·29/31 + 0.5·2/31 = 30/31.
    expect(gradientAtLayer(anchors, 16, 32)).toBeCloseTo(30 / 31, 12);
    // layer 31: t = 1 → last anchor.
    expect(gradientAtLayer(anchors, 31, 32)).toBe(0);
  });

  it('3 anchors [1, 2, 4] over 4 layers', () => {
    // t = 0, 1/3, 2/3, 1 → s = 0, 2/3, 4/3, 2.
    expect(gradientAtLayer([1, 2, 4], 0, 4)).toBe(1);
    expect(gradientAtLayer([1, 2, 4], 1, 4)).toBeCloseTo(1 / 3 + 4 / 3, 12); // 1·1/3 + 2·2/3
    expect(gradientAtLayer([1, 2, 4], 2, 4)).toBeCloseTo(4 / 3 + 4 / 3, 12); // 2·2/3 + 4·1/3
    expect(gradientAtLayer([1, 2, 4], 3, 4)).toBe(4);
  });

  it('a single layer sits at t = 1: the last anchor', () => {
    expect(gradientAtLayer([0.2, 0.8], 0, 1)).toBe(0.8);
    expect(gradientAtLayer([3, 1, 7], 0, 1)).toBe(7);
  });

  it('a single anchor is a constant', () => {
    for (let i = 0; i < 10; i++) expect(gradientAtLayer([0.37], i, 10)).toBe(0.37);
    expect(interpolateGradient([0.37], 0)).toBe(0.37);
  });

  it('t = 0 (tensors outside the layers) is the first anchor', () => {
    expect(interpolateGradient([0.1, 0.9, 0.3], 0)).toBe(0.1);
  });

  it('rejects an empty gradient', () => {
    expect(() => interpolateGradient([], 0.5)).toThrow(/anchor/);
  });

  const anchorsArb = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 16 });

  it('stays within the anchors’ min and max (property)', () => {
    fc.assert(
      fc.property(anchorsArb, fc.integer({ min: 1, max: 128 }), fc.nat(), (anchors, n, i) => {
        const v = gradientAtLayer(anchors, i % n, n);
        const eps = 1e-9 * Math.max(1, ...anchors.map(Math.abs));
        expect(v).toBeGreaterThanOrEqual(Math.min(...anchors) - eps);
        expect(v).toBeLessThanOrEqual(Math.max(...anchors) + eps);
      }),
    );
  });

  it('a constant gradient equals the scalar (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.integer({ min: 1, max: 64 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (c, n, t) => {
          expect(interpolateGradient(new Array(n).fill(c), t)).toBeCloseTo(c, 6);
        },
      ),
    );
  });

  it('hits every anchor exactly where layers line up with anchors (property)', () => {
    // n anchors over N = k·(n-1) + 1 layers: layer j·k sits on anchor j.
    fc.assert(
      fc.property(anchorsArb.filter((a) => a.length > 1), fc.integer({ min: 1, max: 5 }), (anchors, k) => {
        const N = k * (anchors.length - 1) + 1;
        anchors.forEach((a, j) => expect(gradientAtLayer(anchors, j * k, N)).toBeCloseTo(a, 6));
      }),
    );
  });
});
