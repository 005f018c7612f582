/**
 * Seeded Gaussian matrices for sketches. Any source of uniforms in [0, 1) will do (the
 * merge layer's `Rng` is one); `seededUniform` is a small standalone one (mulberry32) for
 * callers outside a merge.
 */
import type { Matrix } from './matrix';

export interface UniformSource {
  /** Uniform in [0, 1). */
  next(): number;
}

/** mulberry32: 32 bits of state, plenty for sketch matrices. */
export function seededUniform(seed: number): UniformSource {
  let s = seed >>> 0;
  return {
    next() {
      s = (s + 0x6d2b79f5) | 0;
      let t = Math.imul(s ^ (s >>> 15), 1 | s);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
    },
  };
}

/** rows×cols matrix of independent standard normals (Box–Muller, both outputs used). */
export function gaussianMatrix(rows: number, cols: number, rng: UniformSource): Matrix {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i += 2) {
    const u1 = 1 - rng.next(); // (0, 1]: log is finite
    const u2 = rng.next();
    const radius = Math.sqrt(-2 * Math.log(u1));
    data[i] = radius * Math.cos(2 * Math.PI * u2);
    if (i + 1 < data.length) data[i + 1] = radius * Math.sin(2 * Math.PI * u2);
  }
  return { rows, cols, data };
}
