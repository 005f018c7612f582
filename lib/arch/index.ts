/**
 * Architecture registry, keyed by `architectures[0]` of config.json. A spec answers, for one
 * checkpoint: which layer and role each tensor has, which tensors (and shapes) it must contain,
 * and how to move a tensor to another layer.
 */
import type { LlamaConfig } from '@/lib/formats/hfConfig';
import { LLAMA_ARCHITECTURE, llamaExpectedShapes, llamaTensorInfo, renameLayer as renameLlamaLayer } from './llama';
import type { TensorInfo } from './tensorRole';

export type { TensorGroup, TensorInfo, TensorRole } from './tensorRole';
export { groupOfRole, TENSOR_GROUPS } from './tensorRole';

/** One architecture, bound to one model's config. */
export interface ModelArchitecture {
  /** The Hugging Face class name, e.g. "LlamaForCausalLM". */
  readonly name: string;
  readonly layerCount: number;
  /** Every tensor of the checkpoint with its shape, in Hugging Face's order. */
  readonly expectedShapes: ReadonlyMap<string, readonly number[]>;
  /** Throws for names that do not belong to the architecture. */
  tensorInfo(name: string): TensorInfo;
  renameLayer(name: string, newIndex: number): string;
}

interface ArchitectureFamily {
  tensorInfo(name: string): TensorInfo;
  expectedShapes(config: LlamaConfig): Map<string, number[]>;
  renameLayer(name: string, newIndex: number): string;
}

const llamaFamily: ArchitectureFamily = {
  tensorInfo: llamaTensorInfo,
  expectedShapes: llamaExpectedShapes,
  renameLayer: renameLlamaLayer,
};

// MistralForCausalLM and Qwen2ForCausalLM share these names; they join once their configs and
// biases (Qwen2: q/k/v only) are checked against real checkpoints.
const FAMILIES: ReadonlyMap<string, ArchitectureFamily> = new Map([[LLAMA_ARCHITECTURE, llamaFamily]]);

export function supportedArchitectures(): string[] {
  return [...FAMILIES.keys()];
}

export function architectureFor(config: LlamaConfig): ModelArchitecture {
  const name = config.architectures[0];
  const family = name === undefined ? undefined : FAMILIES.get(name);
  if (name === undefined || family === undefined) {
    throw new Error(
      `unsupported architecture ${name === undefined ? '(config.json lists none)' : `"${name}"`}; ` +
        `supported: ${supportedArchitectures().join(', ')}`,
    );
  }
  return {
    name,
    layerCount: config.num_hidden_layers,
    expectedShapes: family.expectedShapes(config),
    tensorInfo: family.tensorInfo,
    renameLayer: family.renameLayer,
  };
}
