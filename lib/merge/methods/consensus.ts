/**
 * The mixing step of mergekit's `GeneralizedTaskArithmeticMerge` (after sparsification),
 * with or without TIES sign consensus, in one pass over the tensor:
 *
 *   aᵢ = wᵢ·sᵢ·keepᵢ·δᵢ        (sᵢ: the L1 rescale factor of the pruned δᵢ, 1 without rescale)
 *   consensus ('sum', mergekit `get_mask`):
 *     majority = +1 where Σᵢ aᵢ ≥ 0, else −1;  maskᵢ = sign(aᵢ) == majority
 *     (a zero entry, pruned or not, never agrees: sign(0) = 0)
 *     mixed = Σᵢ maskᵢ·aᵢ;  divisor = Σᵢ maskᵢ·wᵢ, 1 where it is exactly 0
 *   no consensus:
 *     mixed = Σᵢ aᵢ;  divisor = Σᵢ wᵢ, 1 where |Σᵢ wᵢ| < 1e-8
 *   result = base + λ·mixed/divisor with normalize, base + λ·mixed without.
 *
 * Weights are cast to fp32 as mergekit does. Per entry the arithmetic runs in double and is
 * rounded to fp32 once, where torch rounds after each tensor op: results agree with
 * mergekit's to about an ulp (and a sum of exactly zero elects +1 in both).
 *
 * Speed: masks are 0/1 integers from comparisons, with no branch on the data; the factor
 * λ/divisor comes from a table indexed by which models agree; up to three models run in
 * straight-line code. Per-model constants are read from a Float64Array so that V8 multiplies
 * in floating point (an integer weight such as 1 would otherwise get an int32 multiply with a
 * minus-zero check, a branch on the data).
 */
import type { MagnitudeCut } from './sparsify';

/** One model's task vector as the mixing pass reads it. */
export interface TaskVectorTerm {
  /**
   * The model's own tensor x (then δ = x − base, pruned by `cut`), or its pruned task vector
   * already materialized (`isDelta`).
   */
  readonly values: Float32Array;
  readonly isDelta: boolean;
  readonly weight: number;
  /** L1 rescale factor of the pruned δ (1 without rescale). */
  readonly scale: number;
  /** Magnitude cut applied on the fly (TIES); null keeps every entry of `values`. */
  readonly cut: MagnitudeCut | null;
}

export interface TaskVectorMix {
  readonly base: Float32Array;
  /** The task vectors of the inputs other than the base, at least one. */
  readonly terms: readonly TaskVectorTerm[];
  /** TIES sign election ('sum' method). */
  readonly consensus: boolean;
  readonly normalize: boolean;
  readonly lambda: number;
}

/** |Σ wᵢ| below this cannot normalize (mergekit, without consensus). */
const ZERO_WEIGHT_SUM = 1e-8;
/** Models mixed in straight-line code; fewer are padded, more take the general loop. */
const UNROLLED = 3;
/** Up to this many models, λ/divisor comes from a table of 2^m entries. */
const TABLE_MAX_MODELS = 12;

/** The smallest double above a non-negative x: |δ| > x ⟺ |δ| ≥ nextUp(x). */
function nextUp(x: number): number {
  if (x === Infinity) return x;
  const f = new Float64Array([x]);
  const bits = new BigUint64Array(f.buffer);
  bits[0] = x === 0 ? 1n : bits[0]! + 1n;
  return f[0]!;
}

/**
 * Per-model constants of the mixing loop over one index segment, in a Float64Array:
 * [fromBase (1: δ = x − base, 0: δ = values), gain (fp32 weight · scale), threshold] per model.
 */
function laneConstants(terms: readonly TaskVectorTerm[], width: number, segmentStart: number): Float64Array {
  const c = new Float64Array(3 * width);
  for (let i = 0; i < width; i++) {
    const t = terms[i];
    if (!t) {
      // Padding: δ = base − base = 0, weight 0: never agrees, adds nothing.
      c.set([1, 0, -1], 3 * i);
      continue;
    }
    const cut = t.cut;
    const threshold = cut === null ? -1 : segmentStart >= cut.tieIndex ? nextUp(cut.threshold) : cut.threshold;
    c.set([t.isDelta ? 0 : 1, Math.fround(t.weight) * t.scale, threshold], 3 * i);
  }
  return c;
}

/** λ / divisor for every subset of agreeing models (bit i: model i agrees). */
function factorTable(weights: readonly number[], normalize: boolean, lambda: number): Float64Array {
  const table = new Float64Array(1 << weights.length);
  for (let mask = 0; mask < table.length; mask++) {
    let divisor = 0;
    for (let i = 0; i < weights.length; i++) if (mask & (1 << i)) divisor = Math.fround(divisor + Math.fround(weights[i]!));
    table[mask] = normalize ? lambda / (divisor === 0 ? 1 : divisor) : lambda;
  }
  return table;
}

export function mixTaskVectors({ base, terms, consensus, normalize, lambda }: TaskVectorMix): Float32Array {
  const n = base.length;
  const out = new Float32Array(n);
  const m = terms.length;
  const width = Math.max(m, UNROLLED);
  const values = Array.from({ length: width }, (_, i) => terms[i]?.values ?? base);
  const weights = terms.map((t) => t.weight);
  const scale = Math.fround(lambda);
  let divisor = 0;
  for (const w of weights) divisor = Math.fround(divisor + Math.fround(w));
  if (Math.abs(divisor) < ZERO_WEIGHT_SUM) divisor = 1;
  const factor = normalize ? scale / divisor : scale;
  const table = consensus && m <= TABLE_MAX_MODELS ? factorTable([...weights, 0, 0].slice(0, Math.max(m, UNROLLED)), normalize, scale) : null;
  const w32 = Float64Array.from(weights, (w) => Math.fround(w));
  // A magnitude cut's threshold changes (≥ to >) at its tie index: mix segment by segment.
  const bounds = [...new Set([0, n, ...terms.map((t) => t.cut?.tieIndex ?? n).filter((i) => i < n)])].sort((a, b) => a - b);
  for (let s = 0; s + 1 < bounds.length; s++) {
    const start = bounds[s]!;
    const end = bounds[s + 1]!;
    const lanes = laneConstants(terms, width, start);
    if (width === UNROLLED) {
      const [v0, v1, v2] = values as [Float32Array, Float32Array, Float32Array];
      if (consensus) mixThreeElected(out, base, v0, v1, v2, lanes, table!, start, end);
      else mixThree(out, base, v0, v1, v2, lanes, factor, start, end);
    } else {
      mixMany(out, base, values, lanes, consensus ? { table, w32, normalize, lambda: scale } : null, factor, start, end);
    }
  }
  return out;
}

/** Up to three models with sign election: λ/divisor from `table` by agreeing subset. */
function mixThreeElected(
  out: Float32Array,
  base: Float32Array,
  v0: Float32Array,
  v1: Float32Array,
  v2: Float32Array,
  lanes: Float64Array,
  table: Float64Array,
  start: number,
  end: number,
): void {
  const f0 = lanes[0]!;
  const g0 = lanes[1]!;
  const t0 = lanes[2]!;
  const f1 = lanes[3]!;
  const g1 = lanes[4]!;
  const t1 = lanes[5]!;
  const f2 = lanes[6]!;
  const g2 = lanes[7]!;
  const t2 = lanes[8]!;
  for (let j = start; j < end; j++) {
    const bj = base[j]!;
    const d0 = v0[j]! - f0 * bj;
    const d1 = v1[j]! - f1 * bj;
    const d2 = v2[j]! - f2 * bj;
    // keepᵢ = |δᵢ| ≥ thresholdᵢ, as 0/1.
    const a0 = d0 * (g0 * +(Math.abs(d0) >= t0));
    const a1 = d1 * (g1 * +(Math.abs(d1) >= t1));
    const a2 = d2 * (g2 * +(Math.abs(d2) >= t2));
    // Majority sign: that of the sum, + for a zero sum. aᵢ agrees when aᵢ·sign > 0.
    let s = a0 + a1 + a2;
    s += +(s === 0);
    const c0 = +(a0 * s > 0);
    const c1 = +(a1 * s > 0);
    const c2 = +(a2 * s > 0);
    out[j] = bj + (a0 * c0 + a1 * c1 + a2 * c2) * table[c0 | (c1 << 1) | (c2 << 2)]!;
  }
}

/** Up to three models, no sign election: every entry scaled by `factor`. */
function mixThree(
  out: Float32Array,
  base: Float32Array,
  v0: Float32Array,
  v1: Float32Array,
  v2: Float32Array,
  lanes: Float64Array,
  factor: number,
  start: number,
  end: number,
): void {
  const f0 = lanes[0]!;
  const g0 = lanes[1]!;
  const t0 = lanes[2]!;
  const f1 = lanes[3]!;
  const g1 = lanes[4]!;
  const t1 = lanes[5]!;
  const f2 = lanes[6]!;
  const g2 = lanes[7]!;
  const t2 = lanes[8]!;
  for (let j = start; j < end; j++) {
    const bj = base[j]!;
    const d0 = v0[j]! - f0 * bj;
    const d1 = v1[j]! - f1 * bj;
    const d2 = v2[j]! - f2 * bj;
    const a0 = d0 * (g0 * +(Math.abs(d0) >= t0));
    const a1 = d1 * (g1 * +(Math.abs(d1) >= t1));
    const a2 = d2 * (g2 * +(Math.abs(d2) >= t2));
    out[j] = bj + (a0 + a1 + a2) * factor;
  }
}

/** Sign election for the general loop: λ/divisor from `table` by agreeing subset, or per entry from the fp32 weights. */
interface Election {
  readonly table: Float64Array | null;
  readonly w32: Float64Array;
  readonly normalize: boolean;
  readonly lambda: number;
}

/** Any number of models. `election` null: no consensus, every entry scaled by `factor`. */
function mixMany(
  out: Float32Array,
  base: Float32Array,
  values: readonly Float32Array[],
  lanes: Float64Array,
  election: Election | null,
  factor: number,
  start: number,
  end: number,
): void {
  const m = values.length;
  const a = new Float64Array(m);
  const table = election?.table ?? null;
  for (let j = start; j < end; j++) {
    const bj = base[j]!;
    let s = 0;
    for (let i = 0; i < m; i++) {
      const d = values[i]![j]! - lanes[3 * i]! * bj;
      const v = d * (lanes[3 * i + 1]! * +(Math.abs(d) >= lanes[3 * i + 2]!));
      a[i] = v;
      s += v;
    }
    if (election === null) {
      out[j] = bj + s * factor;
      continue;
    }
    s += +(s === 0);
    let mixed = 0;
    let agree = 0;
    let divisor = 0;
    for (let i = 0; i < m; i++) {
      const c = +(a[i]! * s > 0);
      mixed += a[i]! * c;
      agree |= c << i;
      divisor = Math.fround(divisor + election.w32[i]! * c);
    }
    if (table !== null) out[j] = bj + mixed * table[agree]!;
    else out[j] = bj + (election.normalize ? (mixed * election.lambda) / (divisor === 0 ? 1 : divisor) : mixed * election.lambda);
  }
}
