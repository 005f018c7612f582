import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRng } from '../rng';
import { mixTaskVectors, type TaskVectorTerm } from './consensus';
import { bernoulliDelta, dellaMagprune, keepLargest, magnitudeCut, magnitudeOutliersPrune } from './sparsify';

/** Indices of the k largest |v|, equal magnitudes by lower index (the rule sparsify.ts documents). */
function topKIndices(v: ArrayLike<number>, k: number): Set<number> {
  const order = Array.from({ length: v.length }, (_, i) => i).sort((a, b) => Math.abs(v[b]!) - Math.abs(v[a]!) || a - b);
  return new Set(order.slice(0, k));
}

/** Which entries of x − base a magnitude cut keeps. */
function keptByCut(x: Float32Array, base: Float32Array, density: number): Set<number> {
  const cut = magnitudeCut(x, base, density, false);
  const kept = new Set<number>();
  for (let j = 0; j < x.length; j++) {
    const ad = Math.abs(x[j]! - base[j]!);
    if (j < cut.tieIndex ? ad >= cut.threshold : ad > cut.threshold) kept.add(j);
  }
  return kept;
}

/** Values with many exact duplicates, like bf16 checkpoints. */
function coarse(n: number, seed: number, levels = 64): Float32Array {
  const rng = seededRng(seed, 'coarse');
  return Float32Array.from({ length: n }, () => Math.floor((rng.next() - 0.5) * levels) / 16);
}

describe('magnitude cut (TIES)', () => {
  it('keeps exactly the int(density·numel) largest |δ|, equal magnitudes by index, small tensors', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -8, max: 8 }), { minLength: 1, maxLength: 64 }),
        fc.double({ min: 0.01, max: 0.99, noNaN: true }),
        (values, density) => {
          const x = Float32Array.from(values, (v) => v / 4);
          const base = new Float32Array(x.length);
          const k = Math.trunc(density * x.length);
          if (k === 0) {
            expect(() => magnitudeCut(x, base, density, false)).toThrow(/not gonna zero out the whole tensor/);
            return;
          }
          const kept = keptByCut(x, base, density);
          const expected = topKIndices(x, k);
          // Kept zeros are still zeros: compare the non-zero entries.
          const nonZero = (s: Set<number>) => [...s].filter((j) => x[j] !== 0).sort((a, b) => a - b);
          expect(nonZero(kept)).toEqual(nonZero(expected));
        },
      ),
    );
  });

  it('is exact on large tensors (sampled bracket), with and without duplicates at the cut', () => {
    let tied = 0;
    for (const [seed, density] of [
      [1, 0.5],
      [2, 0.1],
      [3, 0.9],
      [4, 0.003],
    ] as const) {
      for (const x of [coarse(100_000, seed), Float32Array.from(coarse(100_000, seed), (v, j) => v + j * 1e-9)]) {
        const base = coarse(100_000, seed + 100, 4);
        const delta = x.map((v, j) => v - base[j]!);
        const k = Math.trunc(density * x.length);
        const kept = keptByCut(x, base, density);
        const expected = topKIndices(delta, k);
        expect(kept.size).toBe(expected.size);
        for (const j of expected) expect(kept.has(j)).toBe(true);
        if (magnitudeCut(x, base, density, false).tieIndex < x.length) tied++;
      }
    }
    expect(tied).toBeGreaterThan(0); // the duplicates did straddle some cuts
  });

  it('density ≥ 1 keeps everything; rescale matches the L1 norm', () => {
    const x = coarse(1000, 7);
    const base = new Float32Array(1000);
    expect(magnitudeCut(x, base, 1, true)).toMatchObject({ threshold: -1, scale: 1 });
    const cut = magnitudeCut(x, base, 0.3, true);
    let before = 0;
    let after = 0;
    for (let j = 0; j < x.length; j++) {
      const ad = Math.abs(x[j]!);
      before += ad;
      if (j < cut.tieIndex ? ad >= cut.threshold : ad > cut.threshold) after += ad;
    }
    expect(cut.scale).toBeCloseTo(before / after, 5);
  });
});

describe('keepLargest (radix select)', () => {
  it('matches a sort, duplicates included', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 1, maxLength: 200 }), fc.nat(), (values, kSeed) => {
        const x = Float32Array.from(values, (v) => v * 0.375);
        const k = kSeed % (x.length + 1);
        const expected = topKIndices(x, k);
        const out = keepLargest(x.slice(), k);
        out.forEach((v, j) => expect(v).toBe(expected.has(j) ? x[j] : 0));
      }),
    );
  });
});

describe('magnitude_outliers (breadcrumbs)', () => {
  const ramp = () => Float32Array.from({ length: 10 }, (_, i) => (i % 2 ? -1 : 1) * (i + 1)); // |δ| = 1..10

  it('drops the n_top largest and n_bot smallest, keeping int(density·numel)', () => {
    // target 5, n_top 1, n_bot 4: ascending [4, 9) = magnitudes 5..9.
    const d = ramp();
    magnitudeOutliersPrune(d, 0.5, 0.1, false);
    expect([...d].map(Math.abs)).toEqual([0, 0, 0, 0, 5, 6, 7, 8, 9, 0]);
  });

  it('when density + gamma > 1, drops fewer outliers and no small ones', () => {
    // target 8, n_top 3, n_bot −1 → n_top 2, n_bot 0: magnitudes 1..8 stay.
    const d = ramp();
    magnitudeOutliersPrune(d, 0.8, 0.3, false);
    expect([...d].map(Math.abs)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 0, 0]);
  });

  it('keeps nothing when int(gamma·numel) = 0, as mergekit’s indices[n_bot:-0] does', () => {
    const d = ramp();
    magnitudeOutliersPrune(d, 0.5, 0.01, false);
    expect([...d].every((v) => v === 0)).toBe(true);
  });

  it('rescale restores the L1 norm', () => {
    const d = ramp();
    const scale = magnitudeOutliersPrune(d, 0.5, 0.1, true);
    expect(scale).toBeCloseTo(55 / 35, 6);
  });
});

describe('bernoulli (DARE)', () => {
  const n = 100_000;
  const base = new Float32Array(n);
  const x = (() => {
    const rng = seededRng(5, 'x');
    return Float32Array.from({ length: n }, () => rng.next() * 2 - 0.5); // mean 0.5, both signs
  })();

  it('keeps about density of the entries and, rescaled, preserves the expected sum', () => {
    const { delta, scale } = bernoulliDelta(x, base, 0.3, true, seededRng(0, 'a'));
    const kept = delta.reduce((c, v) => c + (v !== 0 ? 1 : 0), 0);
    expect(Math.abs(kept / n - 0.3)).toBeLessThan(0.01);
    const l1 = (a: Float32Array) => a.reduce((s, v) => s + Math.abs(v), 0);
    expect(l1(delta) * scale).toBeCloseTo(l1(x), -1); // L1 exactly (to fp32 rounding)
    expect(Math.abs(scale - 1 / 0.3)).toBeLessThan(0.1);
    const sum = x.reduce((s, v) => s + v, 0);
    const rescaled = delta.reduce((s, v) => s + v, 0) * scale;
    expect(Math.abs(rescaled - sum) / sum).toBeLessThan(0.03);
    // Every kept entry is the task vector's own value.
    delta.forEach((v, j) => v !== 0 && expect(v).toBe(x[j]));
  });

  it('same seed, same mask; another stream, another mask; density 1 keeps all, 0 none', () => {
    const a = bernoulliDelta(x, base, 0.5, false, seededRng(0, 'model.layers.0.mlp.up_proj.weight')).delta;
    const b = bernoulliDelta(x, base, 0.5, false, seededRng(0, 'model.layers.0.mlp.up_proj.weight')).delta;
    const c = bernoulliDelta(x, base, 0.5, false, seededRng(0, 'model.layers.1.mlp.up_proj.weight')).delta;
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(bernoulliDelta(x, base, 1, true, seededRng(0, 't')).delta).toEqual(x);
    expect(bernoulliDelta(x, base, 0, true, seededRng(0, 't')).delta.every((v) => v === 0)).toBe(true);
  });
});

describe('della_magprune (DELLA)', () => {
  it('keep probability runs from density − ε to density + ε with the magnitude rank within each row', () => {
    // 20 000 rows of 5: magnitudes 1..5 in shuffled columns, rows of very different scales.
    const rows = 20_000;
    const columns = 5;
    const shuffle = seededRng(3, 'shuffle');
    const delta = new Float32Array(rows * columns);
    const rankOf = new Int8Array(rows * columns);
    for (let r = 0; r < rows; r++) {
      const order = [0, 1, 2, 3, 4].sort(() => shuffle.next() - 0.5);
      const scale = r % 2 ? 1000 : 0.001;
      order.forEach((col, rank) => {
        delta[r * columns + col] = (rank + 1) * scale * (col % 2 ? -1 : 1);
        rankOf[r * columns + col] = rank;
      });
    }
    const pruned = delta.slice();
    expect(dellaMagprune(pruned, [rows, columns], 0.5, 0.2, false, seededRng(0, 'w'))).toBe(1);
    const keptByRank = [0, 0, 0, 0, 0];
    pruned.forEach((v, j) => {
      if (v !== 0) keptByRank[rankOf[j]!]!++;
    });
    // Probabilities 0.3, 0.4, 0.5, 0.6, 0.7 (3σ ≈ 0.01).
    keptByRank.forEach((kept, rank) => expect(Math.abs(kept / rows - (0.3 + 0.1 * rank))).toBeLessThan(0.012));
  });

  it('rescale restores the L1 norm; density ≥ 1 keeps, ≤ 0 zeroes; ε out of range fails as in mergekit', () => {
    const delta = Float32Array.from({ length: 600 }, (_, i) => ((i * 37) % 101) - 50);
    const pruned = delta.slice();
    const scale = dellaMagprune(pruned, [20, 30], 0.4, 0.1, true, seededRng(0, 'w'));
    const l1 = (a: Float32Array) => a.reduce((s, v) => s + Math.abs(v), 0);
    expect(l1(pruned) * scale).toBeCloseTo(l1(delta), 0);
    const full = delta.slice();
    expect(dellaMagprune(full, [600], 1, 0.15, true, seededRng(0, 'w'))).toBe(1);
    expect(full).toEqual(delta);
    const none = delta.slice();
    dellaMagprune(none, [600], 0, 0.15, true, seededRng(0, 'w'));
    expect(none.every((v) => v === 0)).toBe(true);
    expect(() => dellaMagprune(delta.slice(), [600], 0.1, 0.15, true, seededRng(0, 'w'))).toThrow(/density ± epsilon/);
    expect(() => dellaMagprune(delta.slice(), [600, 1], 0.5, 0.15, true, seededRng(0, 'w'))).toThrow(/rows of 1 entry/);
  });
});

describe('mixing with sign consensus', () => {
  /** mergekit's GTA mix, written plainly: per entry, per model. */
  function reference(base: Float32Array, deltas: Float32Array[], weights: number[], consensus: boolean, normalize: boolean, lambda: number) {
    return base.map((b, j) => {
      const a = deltas.map((d, i) => d[j]! * weights[i]!);
      const sum = a.reduce((s, v) => s + v, 0);
      const sign = sum >= 0 ? 1 : -1;
      const agree = a.map((v) => !consensus || Math.sign(v) === sign);
      const mixed = a.reduce((s, v, i) => s + (agree[i] ? v : 0), 0);
      let divisor = weights.reduce((s, w, i) => s + (agree[i] ? w : 0), 0);
      if (consensus ? divisor === 0 : Math.abs(divisor) < 1e-8) divisor = 1;
      return b + (normalize ? mixed / divisor : mixed) * lambda;
    });
  }

  it('matches a plain implementation for 1 to 6 models (unrolled and general loops)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: 1000 }),
        (m, consensus, normalize, seed) => {
          const rng = seededRng(seed, 'mix');
          const n = 50;
          const q = () => Math.round((rng.next() - 0.5) * 16) / 4; // zeros and exact sums happen
          const base = Float32Array.from({ length: n }, q);
          const deltas = Array.from({ length: m }, () => Float32Array.from({ length: n }, q));
          const weights = Array.from({ length: m }, () => [1, 0.5, 2, -1, 0][Math.floor(rng.next() * 5)]!);
          const terms: TaskVectorTerm[] = deltas.map((d, i) => ({ values: d, isDelta: true, weight: weights[i]!, scale: 1, cut: null }));
          const out = mixTaskVectors({ base, terms, consensus, normalize, lambda: 0.75 });
          const expected = reference(base, deltas, weights, consensus, normalize, 0.75);
          out.forEach((v, j) => expect(v).toBeCloseTo(expected[j]!, 5));
        },
      ),
    );
  });
});
