/**
 * Tiny Llama-named models in memory, for tests and benchmarks of the planner and
 * executor without any file format: embeddings, per layer one attention projection,
 * one MLP projection and one norm, then the final norm and the head.
 */
import type { TensorInfo } from '@/lib/arch/tensorRole';
import { elementCount, tensor, type NamedTensors } from '@/lib/tensors/tensor';
import { inMemorySource, type ModelSource } from '@/lib/merge/executor';

/** Roles of the toy model's tensor names (the Llama names it uses). */
export function toyTensorInfo(name: string): TensorInfo {
  if (name === 'model.embed_tokens.weight') return { layer: null, role: 'embed', group: 'embeddings' };
  if (name === 'lm_head.weight') return { layer: null, role: 'head', group: 'embeddings' };
  if (name === 'model.norm.weight') return { layer: null, role: 'norm', group: 'other' };
  const match = /^model\.layers\.(\d+)\.(self_attn|mlp|input_layernorm)\./.exec(name);
  if (!match) throw new Error(`not a toy model tensor: ${name}`);
  const layer = Number(match[1]);
  if (match[2] === 'self_attn') return { layer, role: 'attn', group: 'attention' };
  if (match[2] === 'mlp') return { layer, role: 'mlp', group: 'mlp' };
  return { layer, role: 'norm', group: 'other' };
}

export interface ToyModelOptions {
  readonly layers: number;
  readonly hidden?: number;
  readonly vocab?: number;
  /** Value of element `index` of tensor `name`; default: a deterministic function of seed, name and index. */
  readonly value?: (name: string, index: number) => number;
  readonly seed?: number;
}

/** Tensor names and shapes of a toy model, in checkpoint order. */
export function toyShapes(layers: number, hidden = 4, vocab = 6): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  shapes.set('model.embed_tokens.weight', [vocab, hidden]);
  for (let i = 0; i < layers; i++) {
    shapes.set(`model.layers.${i}.self_attn.q_proj.weight`, [hidden, hidden]);
    shapes.set(`model.layers.${i}.mlp.up_proj.weight`, [2 * hidden, hidden]);
    shapes.set(`model.layers.${i}.input_layernorm.weight`, [hidden]);
  }
  shapes.set('model.norm.weight', [hidden]);
  shapes.set('lm_head.weight', [vocab, hidden]);
  return shapes;
}

function defaultValue(seed: number): (name: string, index: number) => number {
  return (name, index) => {
    let h = seed * 2654435761;
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
    h = Math.imul(h ^ index, 2246822507);
    h ^= h >>> 13;
    // Multiples of 1/64 in [-2, 2): exact in fp32, so sums in tests stay exact.
    return (((h >>> 0) % 256) - 128) / 64;
  };
}

export function toyTensors(options: ToyModelOptions): NamedTensors {
  const value = options.value ?? defaultValue(options.seed ?? 1);
  const tensors: NamedTensors = new Map();
  for (const [name, shape] of toyShapes(options.layers, options.hidden, options.vocab)) {
    const data = new Float32Array(elementCount(shape));
    for (let i = 0; i < data.length; i++) data[i] = value(name, i);
    tensors.set(name, tensor(shape, data));
  }
  return tensors;
}

export function toyModel(options: ToyModelOptions): ModelSource {
  return inMemorySource(toyTensors(options), toyTensorInfo, options.layers);
}

/** A toy model whose every element of every tensor is `fill` (hand-computed expectations). */
export function constantToyModel(layers: number, fill: number | ((name: string) => number)): ModelSource {
  const f = typeof fill === 'number' ? () => fill : fill;
  return toyModel({ layers, value: (name) => f(name) });
}
