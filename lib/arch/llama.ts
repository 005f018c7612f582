/**
 * The Llama family as Hugging Face's LlamaForCausalLM names its tensors:
 *
 *   model.embed_tokens.weight                                   [vocab, hidden]
 *   model.layers.N.self_attn.{q,k,v,o}_proj.{weight,bias}
 *   model.layers.N.mlp.{gate,up,down}_proj.{weight,bias}
 *   model.layers.N.{input_layernorm,post_attention_layernorm}.weight   [hidden]
 *   model.norm.weight                                           [hidden]
 *   lm_head.weight                                              [vocab, hidden] (absent when tied to the embeddings)
 *
 * Biases exist only when the config sets attention_bias / mlp_bias.
 */
import type { LlamaConfig } from '@/lib/formats/hfConfig';
import { groupOfRole, type TensorInfo, type TensorRole } from './tensorRole';

export const LLAMA_ARCHITECTURE = 'LlamaForCausalLM';

const LAYER_TENSOR = /^model\.layers\.(0|[1-9]\d*)\.(.+)\.(weight|bias)$/;
const ATTENTION_PROJECTIONS = ['q_proj', 'k_proj', 'v_proj', 'o_proj'] as const;
const MLP_PROJECTIONS = ['gate_proj', 'up_proj', 'down_proj'] as const;
const LAYER_NORMS = ['input_layernorm', 'post_attention_layernorm'] as const;

function info(layer: number | null, role: TensorRole): TensorInfo {
  return { layer, role, group: groupOfRole(role) };
}

export function llamaTensorInfo(name: string): TensorInfo {
  switch (name) {
    case 'model.embed_tokens.weight':
      return info(null, 'embed');
    case 'model.norm.weight':
      return info(null, 'norm');
    case 'lm_head.weight':
      return info(null, 'head');
  }
  const match = LAYER_TENSOR.exec(name);
  if (match) {
    const [, layerText, module, kind] = match;
    const layer = Number(layerText);
    const [parent, child] = (module ?? '').split('.');
    if (parent === 'self_attn' && isOneOf(child, ATTENTION_PROJECTIONS)) return info(layer, 'attn');
    if (parent === 'mlp' && isOneOf(child, MLP_PROJECTIONS)) return info(layer, 'mlp');
    if (child === undefined && isOneOf(parent, LAYER_NORMS) && kind === 'weight') return info(layer, 'norm');
  }
  throw new Error(`"${name}" is not a Llama tensor name (expected e.g. model.layers.0.self_attn.q_proj.weight)`);
}

function isOneOf<T extends string>(value: string | undefined, options: readonly T[]): value is T {
  return (options as readonly (string | undefined)[]).includes(value);
}

/** Every tensor of the model with its shape, in the order Hugging Face's state_dict lists them. */
export function llamaExpectedShapes(config: LlamaConfig): Map<string, number[]> {
  const hidden = config.hidden_size;
  const queryWidth = config.num_attention_heads * config.head_dim;
  const keyValueWidth = config.num_key_value_heads * config.head_dim;
  const inner = config.intermediate_size;
  const shapes = new Map<string, number[]>();
  const addLinear = (name: string, outFeatures: number, inFeatures: number, withBias: boolean) => {
    shapes.set(`${name}.weight`, [outFeatures, inFeatures]);
    if (withBias) shapes.set(`${name}.bias`, [outFeatures]);
  };

  shapes.set('model.embed_tokens.weight', [config.vocab_size, hidden]);
  for (let layer = 0; layer < config.num_hidden_layers; layer++) {
    const prefix = `model.layers.${layer}`;
    addLinear(`${prefix}.self_attn.q_proj`, queryWidth, hidden, config.attention_bias);
    addLinear(`${prefix}.self_attn.k_proj`, keyValueWidth, hidden, config.attention_bias);
    addLinear(`${prefix}.self_attn.v_proj`, keyValueWidth, hidden, config.attention_bias);
    addLinear(`${prefix}.self_attn.o_proj`, hidden, queryWidth, config.attention_bias);
    addLinear(`${prefix}.mlp.gate_proj`, inner, hidden, config.mlp_bias);
    addLinear(`${prefix}.mlp.up_proj`, inner, hidden, config.mlp_bias);
    addLinear(`${prefix}.mlp.down_proj`, hidden, inner, config.mlp_bias);
    shapes.set(`${prefix}.input_layernorm.weight`, [hidden]);
    shapes.set(`${prefix}.post_attention_layernorm.weight`, [hidden]);
  }
  shapes.set('model.norm.weight', [hidden]);
  if (!config.tie_word_embeddings) shapes.set('lm_head.weight', [config.vocab_size, hidden]);
  return shapes;
}

export function llamaTensorNames(config: LlamaConfig): string[] {
  return [...llamaExpectedShapes(config).keys()];
}

/** The same tensor in decoder layer `newIndex` (layer stacking / passthrough slices). */
export function renameLayer(name: string, newIndex: number): string {
  if (!Number.isSafeInteger(newIndex) || newIndex < 0) {
    throw new RangeError(`layer index must be a non-negative integer, got ${newIndex}`);
  }
  if (llamaTensorInfo(name).layer === null) throw new Error(`"${name}" is not a tensor inside a decoder layer`);
  return name.replace(/^model\.layers\.\d+\./, `model.layers.${newIndex}.`);
}
