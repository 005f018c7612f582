/**
 * Seeded randomness for randomized methods (DARE, DELLA, …): the same recipe gives the
 * same bytes. A method gets one generator per output tensor, seeded from the stage's
 * `random_seed` and the tensor's name, so results do not depend on the order in which
 * tensors are merged. (mergekit seeds torch's global generator once, so its random
 * streams cannot be reproduced bit for bit here; determinism is what we keep.)
 */

export interface Rng {
  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number;
  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number;
}

/** 32-bit mix of a string (UTF-16 code units) and a seed; murmur3-style finalizer. */
function hashKey(seed: number, key: string, salt: number): number {
  let h = (seed ^ Math.imul(salt, 0x9e3779b9)) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h = Math.imul(h ^ key.charCodeAt(i), 0x5bd1e995);
    h ^= h >>> 15;
  }
  h ^= key.length;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** One step of sfc32 (Chris Doty-Humphrey's small fast counting generator) on its four words, in place. */
export function sfc32Step(s: number[]): number {
  const [a, b, c, d] = s as [number, number, number, number];
  const t = (((a + b) | 0) + d) | 0;
  s[3] = (d + 1) | 0;
  s[0] = b ^ (b >>> 9);
  s[1] = (c + (c << 3)) | 0;
  s[2] = (((c << 21) | (c >>> 11)) + t) | 0;
  return t >>> 0;
}

/** sfc32 seeded from (seed, key). */
export function seededRng(seed: number, key: string): Rng {
  const s = seed >>> 0;
  const state = [hashKey(s, key, 1), hashKey(s, key, 2), hashKey(s, key, 3), 1];
  const nextUint32 = (): number => sfc32Step(state);
  for (let i = 0; i < 12; i++) nextUint32();
  return {
    nextUint32,
    next: () => nextUint32() / 4_294_967_296,
  };
}
