/**
 * Choosing the next token from one row of logits: greedy argmax, or seeded sampling with a
 * temperature and top-k. Both also report the model's own probability of the chosen token
 * (softmax at temperature 1), which the studio uses to colour tokens.
 */

/** A deterministic RNG in [0, 1) from a 32-bit seed (mulberry32). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function argmax(values: ArrayLike<number>, start = 0, end = values.length): number {
  let best = start;
  let bestValue = values[start]!;
  for (let i = start + 1; i < end; i++) {
    const v = values[i]!;
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best - start;
}

/** softmax(logits)[token] at temperature 1, computed stably. */
export function tokenProbability(logits: ArrayLike<number>, token: number): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i]! - max);
  return Math.exp(logits[token]! - max) / sum;
}

export interface SamplingSettings {
  /** > 0; 0 or less means greedy. */
  temperature: number;
  /** Keep only the k most likely tokens (0 or undefined: all). */
  topK?: number;
}

/** Samples a token from softmax(logits / temperature) restricted to the top k; `scratch`
 * (length ≥ vocab) avoids an allocation per call. */
export function sampleToken(
  logits: ArrayLike<number>,
  settings: SamplingSettings,
  random: () => number,
  scratch: Float64Array = new Float64Array(logits.length),
): number {
  const vocab = logits.length;
  if (!(settings.temperature > 0)) return argmax(logits);
  let threshold = -Infinity;
  const k = settings.topK ?? 0;
  if (k > 0 && k < vocab) {
    const sorted = Float64Array.from(logits as ArrayLike<number>).sort();
    threshold = sorted[vocab - k]!;
  }
  let max = -Infinity;
  for (let i = 0; i < vocab; i++) if (logits[i]! > max) max = logits[i]!;
  let sum = 0;
  for (let i = 0; i < vocab; i++) {
    const l = logits[i]!;
    const w = l >= threshold ? Math.exp((l - max) / settings.temperature) : 0;
    scratch[i] = w;
    sum += w;
  }
  let r = random() * sum;
  let last = 0;
  for (let i = 0; i < vocab; i++) {
    const w = scratch[i]!;
    if (w === 0) continue;
    last = i;
    r -= w;
    if (r < 0) return i;
  }
  return last;
}
