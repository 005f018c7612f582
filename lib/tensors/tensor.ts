/** A dense fp32 tensor in row-major order. Every computation in the studio runs in fp32. */
export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Tensors of one checkpoint, keyed by their Hugging Face names, in checkpoint order. */
export type NamedTensors = Map<string, Tensor>;

/** Storage dtypes the studio reads and writes, spelled as safetensors spells them. */
export type StorageDType = 'F32' | 'F16' | 'BF16';

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

export function tensor(shape: readonly number[], data: Float32Array): Tensor {
  if (elementCount(shape) !== data.length) {
    throw new Error(`shape [${shape.join(', ')}] needs ${elementCount(shape)} values, got ${data.length}`);
  }
  return { shape: [...shape], data };
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
