/**
 * Sparsification of task vectors δ = x − base, as mergekit's `sparsify.py` does it:
 *
 *  - `magnitude` (TIES): keep the k = int(density·numel) entries largest in |δ|; density ≥ 1
 *    keeps δ; k = 0 is an error (mergekit asserts "not gonna zero out the whole tensor").
 *  - `random` (DARE): keep each entry with probability density (torch.bernoulli); density ≥ 1
 *    keeps δ.
 *  - `magnitude_outliers` (breadcrumbs): with target = int(density·numel),
 *    n_top = int(gamma·numel), n_bot = numel − target − n_top (when n_bot < 0: n_top += n_bot,
 *    n_bot = 0), keep `sort(|δ|, ascending)[n_bot : −n_top]`, i.e. drop the n_top largest and
 *    the n_bot smallest. Python's `[n_bot:-0]` is empty, so with n_top = 0 (gamma·numel < 1,
 *    gamma = 0 included) mergekit keeps nothing; this does the same.
 *  - `della_magprune` (DELLA): rank |δ| within each row (along dim 1; a 1-D tensor is one row),
 *    rank_norm = (rank − 1)/(columns − 1) from 0 (smallest) to 1 (largest), keep with
 *    probability density − ε + 2ε·rank_norm. density ≥ 1 keeps δ, density ≤ 0 zeroes it,
 *    otherwise density ± ε must lie in (0, 1).
 *
 * `rescale` is mergekit's `rescale_norm: l1` (what `rescale: true` selects since mergekit
 * v0.1): the pruned δ is multiplied by ‖δ‖₁ / ‖pruned δ‖₁, unless either is below 1e-7. For
 * DARE this is 1/density in expectation, the paper's rescaling. The functions here return
 * that factor (1 without rescale) and leave the multiplication to the mixing pass
 * (consensus.ts), which saves a pass over the tensor.
 *
 * Ties in |δ|: torch's sorts are not stable, so mergekit keeps an arbitrary subset of equal
 * magnitudes at a cut. Here ranks are by |δ| descending, equal magnitudes by index
 * ascending, so results are deterministic.
 *
 * Randomness (DARE, DELLA) comes from the merge's seeded `Rng`: each pruned task vector
 * seeds a local sfc32 stream from it, kept in local variables so the hot loop does not
 * allocate. The same recipe gives the same bytes. Bit-equality with mergekit's torch
 * generator is not possible; the keep probabilities, so the distribution of the result, are
 * the same (to 2⁻³¹).
 *
 * Speed: nothing sorts a whole tensor. TIES's cut is found without materializing δ: the
 * threshold is bracketed from a sorted sample of |δ|, one pass counts the entries above the
 * bracket and collects those inside it, and a quickselect on those few finds the exact k-th
 * largest (a bracket that misses, with probability ~1e-4, widens to the whole tensor).
 * Breadcrumbs and SCE select ranks with a two-level radix select on the float bits (|x| of a
 * non-NaN float orders as its bits with the sign cleared). Masks are applied branch-free.
 */
import type { Rng } from '../rng';

/** mergekit's `rescaled_masked_tensor` eps: below it, no rescaling. */
const RESCALE_EPS = 1e-7;

/** The L1 rescale factor ‖δ‖₁ / ‖pruned δ‖₁ as mergekit computes it (fp32 sums), or 1. */
function l1Scale(before: number, after: number): number {
  const b = Math.fround(before);
  const a = Math.fround(after);
  return b < RESCALE_EPS || a < RESCALE_EPS ? 1 : Math.fround(b / a);
}

/** Σ|x| in double (torch sums fp32 pairwise; the difference is in the last bits of the scale). */
function l1(x: Float32Array): number {
  let s = 0;
  for (let j = 0; j < x.length; j++) s += Math.abs(x[j]!);
  return s;
}

// ---------------------------------------------------------------------------
// TIES: the magnitude cut, computed on the fly

/**
 * Which entries of δ = x − base a magnitude cut keeps: |δ| ≥ threshold before index
 * `tieIndex`, |δ| > threshold from it on. That keeps, of the entries equal to the threshold,
 * the first ones by index, as many as the budget k leaves. |δ| is computed in double, as the
 * mixing pass computes it.
 */
export interface MagnitudeCut {
  readonly threshold: number;
  /** The first index whose |δ| = threshold is dropped; ≥ numel when all such are kept. */
  readonly tieIndex: number;
  /** L1 rescale factor (1 without rescale). */
  readonly scale: number;
}

export const KEEP_ALL: MagnitudeCut = { threshold: -1, tieIndex: Infinity, scale: 1 };

/** Entries sampled to bracket the cut; tensors below SAMPLE_MIN_SIZE are selected exactly. */
const SAMPLE_SIZE = 8192;
const SAMPLE_MIN_SIZE = 1 << 16;
/** Half-width of the bracket in standard deviations of the sample quantile. */
const BRACKET_SIGMAS = 4;

const sample = new Float64Array(SAMPLE_SIZE);
/** |δ| of the entries inside the bracket (kept between calls up to RETAINED_CANDIDATES). */
let candidates = new Float64Array(1024);
const RETAINED_CANDIDATES = 1 << 22;
/** The bracket pass checks room for candidates once per chunk, not per entry. */
const CHUNK = 4096;

/** The value of ascending rank r (0-based) among a[0..length), reordering a (Hoare quickselect). */
function selectAscending(a: Float64Array, length: number, r: number): number {
  let lo = 0;
  let hi = length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // Median of three as the pivot.
    let p = a[mid]!;
    const l = a[lo]!;
    const h = a[hi]!;
    if (l > p !== l > h) p = l;
    else if (h > p !== h > l) p = h;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < p) i++;
      while (a[j]! > p) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (r <= j) hi = j;
    else if (r >= i) lo = i;
    else return a[r]!;
  }
  return a[r]!;
}

/**
 * One pass: count |x − base| above `high`, and collect those within [low, high] into
 * `candidates` (grown as needed, at most to the whole tensor).
 */
function bracket(x: Float32Array, base: Float32Array, low: number, high: number): { above: number; count: number } {
  const n = x.length;
  const expected = Math.min(n + 1, SAMPLE_MIN_SIZE + Math.ceil(n / 8));
  if (candidates.length < expected) candidates = new Float64Array(expected);
  let values = candidates;
  let above = 0;
  let count = 0;
  for (let start = 0; start < n; start += CHUNK) {
    const end = Math.min(n, start + CHUNK);
    if (count + (end - start) >= values.length) {
      const grown = new Float64Array(Math.min(n + 1, Math.max(2 * values.length, count + CHUNK + 1)));
      grown.set(values.subarray(0, count));
      values = candidates = grown;
    }
    for (let j = start; j < end; j++) {
      const ad = Math.abs(x[j]! - base[j]!);
      const over = +(ad > high);
      above += over;
      // Branch-free append: always write, advance only when inside the bracket.
      values[count] = ad;
      count += +(ad >= low) - over;
    }
  }
  return { above, count };
}

/**
 * mergekit `magnitude` as a cut on δ = x − base: keep the int(density·numel) largest |δ|.
 * Reads x and base; writes nothing of their size.
 */
export function magnitudeCut(x: Float32Array, base: Float32Array, density: number, rescale: boolean): MagnitudeCut {
  if (density >= 1) return KEEP_ALL;
  const n = x.length;
  const k = Math.trunc(density * n);
  if (k <= 0) {
    throw new Error(
      `density ${density} keeps int(${density}·${n}) = 0 of this tensor's ${n} entries; mergekit refuses too ("not gonna zero out the whole tensor"): raise density`,
    );
  }
  let low = -1;
  let high = Infinity;
  if (n >= SAMPLE_MIN_SIZE) {
    // Bracket the ascending rank n − k from a sample at pseudo-random positions (any
    // positions give the same result; these only make a miss unlikely).
    let h = 0x9e3779b9 ^ n;
    for (let i = 0; i < SAMPLE_SIZE; i++) {
      h ^= h << 13;
      h ^= h >>> 17;
      h ^= h << 5;
      const j = Math.floor(((h >>> 0) / 4294967296) * n);
      sample[i] = Math.abs(x[j]! - base[j]!);
    }
    sample.sort();
    const q = (n - k) / n;
    const spread = BRACKET_SIGMAS * Math.sqrt(SAMPLE_SIZE * q * (1 - q)) + 2;
    const lowIndex = Math.floor(q * SAMPLE_SIZE - spread);
    const highIndex = Math.ceil(q * SAMPLE_SIZE + spread);
    if (lowIndex > 0) low = sample[lowIndex]!;
    if (highIndex < SAMPLE_SIZE - 1) high = sample[highIndex]!;
  }
  let { above, count } = bracket(x, base, low, high);
  if (above >= k || above + count < k) ({ above, count } = bracket(x, base, -1, Infinity));
  // The cut is the (k − above)-th largest candidate (the selection reorders the candidates).
  const threshold = selectAscending(candidates, count, count - (k - above));
  let greater = above;
  let equal = 0;
  for (let i = 0; i < count; i++) {
    const v = candidates[i]!;
    greater += +(v > threshold);
    equal += +(v === threshold);
  }
  // Of the entries equal to the threshold the first (k − greater) by index are kept: find
  // the index of the next one (zero magnitudes add nothing whether kept or not).
  const keptEqual = Math.min(equal, k - greater);
  let tieIndex = Infinity;
  if (equal > keptEqual && threshold > 0) {
    for (let j = 0, seen = 0; j < n; j++) {
      if (Math.abs(x[j]! - base[j]!) !== threshold) continue;
      if (seen++ === keptEqual) {
        tieIndex = j;
        break;
      }
    }
  }
  let scale = 1;
  if (rescale) {
    let before = 0;
    let after = 0;
    for (let j = 0; j < n; j++) {
      const ad = Math.abs(x[j]! - base[j]!);
      before += ad;
      after += ad * +(ad > threshold);
    }
    scale = l1Scale(before, after + keptEqual * threshold);
  }
  if (candidates.length > RETAINED_CANDIDATES) candidates = new Float64Array(1024);
  return { threshold, tieIndex, scale };
}

// ---------------------------------------------------------------------------
// DARE and DELLA: random dropping

/** Keep probability p as a threshold on 31 random bits: keep when (u >>> 1) < threshold. */
function keepThreshold(p: number): number {
  return Math.round(Math.min(1, Math.max(0, p)) * 2 ** 31);
}

/** Four words of the merge's generator seed a local sfc32 stream. */
function streamSeed(rng: Rng): Int32Array {
  return Int32Array.of(rng.nextUint32(), rng.nextUint32(), rng.nextUint32(), rng.nextUint32() | 1);
}

/** A pruned task vector materialized, with its L1 rescale factor (not applied). */
export interface PrunedDelta {
  readonly delta: Float32Array;
  readonly scale: number;
}

/** mergekit `bernoulli` (DARE) on δ = x − base: keep each entry with probability density. */
export function bernoulliDelta(x: Float32Array, base: Float32Array, density: number, rescale: boolean, rng: Rng): PrunedDelta {
  const n = x.length;
  const delta = new Float32Array(n);
  if (density >= 1) {
    for (let j = 0; j < n; j++) delta[j] = x[j]! - base[j]!;
    return { delta, scale: 1 };
  }
  if (density < 0) throw new Error(`density ${density} is not a probability; mergekit (torch.bernoulli) fails too`);
  const threshold = keepThreshold(density);
  const seed = streamSeed(rng);
  let a = seed[0]!;
  let b = seed[1]!;
  let c = seed[2]!;
  let d = seed[3]!;
  let before = 0;
  let after = 0;
  for (let j = 0; j < n; j++) {
    // sfc32
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    const v = x[j]! - base[j]!;
    const kept = v * +((t >>> 1) < threshold);
    delta[j] = kept;
    before += Math.abs(v);
    after += Math.abs(kept);
  }
  return { delta, scale: rescale ? l1Scale(before, after) : 1 };
}

/** Shared scratch for DELLA's per-row ranks. */
let rowKeys = new Float64Array(0);
let rowThresholds = new Int32Array(0);

/**
 * mergekit `della_magprune` on a materialized δ, in place: keep probabilities from
 * density − ε (smallest |δ| of its row) to density + ε (largest), linear in the rank within
 * the row (dim 1 of the tensor). Returns the L1 rescale factor.
 */
export function dellaMagprune(
  delta: Float32Array,
  shape: readonly number[],
  density: number,
  epsilon: number,
  rescale: boolean,
  rng: Rng,
): number {
  if (density >= 1) return 1;
  if (density <= 0) {
    delta.fill(0);
    return 1;
  }
  if (density + epsilon >= 1 || density - epsilon <= 0) {
    throw new Error(`epsilon must be chosen such that density ± epsilon is in (0, 1) (density ${density}, epsilon ${epsilon}), as mergekit requires`);
  }
  const n = delta.length;
  // Rows along dim 1: [outer, columns, inner]; a 1-D tensor is one row (mergekit unsqueezes it).
  const columns = shape.length < 2 ? n : shape[1]!;
  const outer = shape.length < 2 ? 1 : shape[0]!;
  const inner = n / Math.max(1, outer * columns);
  if (columns < 2) {
    throw new Error(`della cannot rank magnitudes in rows of ${columns} entr${columns === 1 ? 'y' : 'ies'} (mergekit's rank normalization divides by zero there)`);
  }
  if (columns >= 2 ** 21) throw new Error(`della: rows of ${columns} entries are too long to rank`);
  const before = rescale ? l1(delta) : 0;
  if (rowKeys.length < columns) {
    rowKeys = new Float64Array(columns);
    rowThresholds = new Int32Array(columns);
  }
  const keys = rowKeys.subarray(0, columns);
  const thresholds = rowThresholds;
  const bits = bitsOf(delta);
  const low = density - epsilon;
  const span = 2 * epsilon;
  const seed = streamSeed(rng);
  let a = seed[0]!;
  let b = seed[1]!;
  let c = seed[2]!;
  let d = seed[3]!;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const start = o * columns * inner + i;
      // |δ| bits · columns + column: sorting these orders by magnitude, then by column (exact below 2^53).
      for (let col = 0; col < columns; col++) keys[col] = (bits[start + col * inner]! & 0x7fffffff) * columns + col;
      keys.sort();
      for (let p = 0; p < columns; p++) {
        const key = keys[p]!;
        thresholds[key - Math.floor(key / columns) * columns] = keepThreshold(low + (p / (columns - 1)) * span);
      }
      for (let col = 0; col < columns; col++) {
        const t = (((a + b) | 0) + d) | 0;
        d = (d + 1) | 0;
        a = b ^ (b >>> 9);
        b = (c + (c << 3)) | 0;
        c = (c << 21) | (c >>> 11);
        c = (c + t) | 0;
        const j = start + col * inner;
        // −1 (keep) when (u >>> 1) < threshold, else 0.
        bits[j] = bits[j]! & (((t >>> 1) - thresholds[col]!) >> 31);
      }
    }
  }
  return rescale ? l1Scale(before, l1(delta)) : 1;
}

// ---------------------------------------------------------------------------
// Breadcrumbs and SCE: rank ranges by radix select on materialized values

const HIGH_BINS = 1 << 15; // sign cleared: |x| bits >>> 16 < 2^15
const LOW_BINS = 1 << 16;
const highHist = new Uint32Array(HIGH_BINS);
const lowHist = new Uint32Array(LOW_BINS);

/** The bits of a Float32Array (same buffer). */
function bitsOf(x: Float32Array): Uint32Array {
  return new Uint32Array(x.buffer, x.byteOffset, x.length);
}

/** Fill `highHist` with the high 16 bits of |x|. */
function histogramHigh(bits: Uint32Array): void {
  highHist.fill(0);
  for (let j = 0; j < bits.length; j++) highHist[(bits[j]! & 0x7fffffff) >>> 16]!++;
}

/** The magnitude at one rank, with how many entries are strictly larger and how many equal. */
interface RankCut {
  /** |x| bits (sign cleared) of the entry at this rank. */
  readonly key: number;
  readonly greater: number;
  readonly equal: number;
}

/**
 * The key at descending rank `rank` (0-based) of the keys `bits & 0x7fffffff`, given
 * `highHist` already filled for `bits`. One pass over the entries of one high bucket.
 */
function keyAtRank(bits: Uint32Array, rank: number): RankCut {
  let above = 0;
  let bucket = HIGH_BINS - 1;
  for (; bucket > 0; bucket--) {
    const c = highHist[bucket]!;
    if (above + c > rank) break;
    above += c;
  }
  lowHist.fill(0);
  for (let j = 0; j < bits.length; j++) {
    const key = bits[j]! & 0x7fffffff;
    if (key >>> 16 === bucket) lowHist[key & 0xffff]!++;
  }
  let low = LOW_BINS - 1;
  for (; low > 0; low--) {
    const c = lowHist[low]!;
    if (above + c > rank) break;
    above += c;
  }
  return { key: ((bucket << 16) | low) >>> 0, greater: above, equal: lowHist[low]! };
}

/**
 * Keep the entries whose rank by |x| descending (equal magnitudes by index) lies in
 * [lo, hi); zero the others, in place.
 */
function keepRankRange(x: Float32Array, lo: number, hi: number): void {
  const n = x.length;
  if (lo >= hi) {
    x.fill(0);
    return;
  }
  if (lo <= 0 && hi >= n) return;
  const bits = bitsOf(x);
  histogramHigh(bits);
  // Keys within [lowKey, highKey] survive the branch-free pass; entries equal to a cut's key
  // are then sorted out by their rank, when some of them fall outside [lo, hi).
  const low = hi < n ? keyAtRank(bits, hi - 1) : null;
  const high = lo > 0 ? keyAtRank(bits, lo - 1) : null;
  const lowKey = low ? low.key : 0;
  const highKey = high ? high.key : 0x7fffffff;
  for (let j = 0; j < n; j++) {
    const key = bits[j]! & 0x7fffffff;
    bits[j] = bits[j]! & ~(((key - lowKey) | (highKey - key)) >> 31);
  }
  // Zero magnitudes stay zero whichever way their rank falls.
  const fixLow = low !== null && low.key !== 0 && low.greater + low.equal > hi;
  const fixHigh = high !== null && high.key !== 0 && high.greater < lo;
  if (!fixLow && !fixHigh) return;
  let seenLow = 0;
  let seenHigh = 0;
  for (let j = 0; j < n; j++) {
    const key = bits[j]! & 0x7fffffff;
    if (fixLow && key === low.key) {
      const rank = low.greater + seenLow++;
      if (rank < lo || rank >= hi) bits[j] = 0;
    } else if (fixHigh && key === high.key) {
      const rank = high.greater + seenHigh++;
      if (rank < lo || rank >= hi) bits[j] = 0;
    }
  }
}

/** Zero all but the k entries largest in magnitude (equal magnitudes: lower index first), in place. */
export function keepLargest(x: Float32Array, k: number): Float32Array {
  keepRankRange(x, 0, k);
  return x;
}

/**
 * mergekit `magnitude_outliers` (Model Breadcrumbs) on a materialized δ, in place: drop the
 * int(gamma·numel) largest |δ| and the smallest, keeping int(density·numel). Returns the L1
 * rescale factor.
 */
export function magnitudeOutliersPrune(delta: Float32Array, density: number, gamma: number, rescale: boolean): number {
  if (density >= 1) return 1;
  const n = delta.length;
  const target = Math.trunc(density * n);
  let nTop = Math.trunc(gamma * n);
  let nBot = n - target - nTop;
  if (nBot < 0) {
    nTop += nBot;
    nBot = 0;
  }
  const before = rescale ? l1(delta) : 0;
  // Ascending positions [n_bot, n − n_top) are descending ranks [n_top, n − n_bot); with
  // n_top = 0 mergekit's `[n_bot:-0]` keeps nothing.
  if (nTop <= 0) delta.fill(0);
  else keepRankRange(delta, nTop, n - nBot);
  return rescale ? l1Scale(before, l1(delta)) : 1;
}
