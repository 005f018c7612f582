/**
 * The ONNX graph of a Llama-family causal LM (Hugging Face's LlamaForCausalLM), with a KV cache.
 *
 * Weights are graph INPUTS named exactly as the Hugging Face tensors, so one session serves every
 * merge of a family: the runtime feeds the merged tensors on each run. (Pass `bakedWeights` to
 * store some or all of them as initializers instead, for long generations with fixed weights.)
 *
 * Inputs
 *   input_ids        int64   [batch, seq]
 *   position_ids     int64   [batch, seq]           rotary positions (padding is the caller's choice)
 *   attention_bias   float32 [batch, 1, seq, total] added to the attention scores: 0 to attend,
 *                                                    a large negative number (not -inf) to mask
 *   past_key_i       float32 [batch, kv_heads, past, head_dim]   (past may be 0)
 *   past_value_i     float32 [batch, kv_heads, past, head_dim]
 *   <HF weight names>
 * Outputs
 *   logits           float32 [batch, seq, vocab]
 *   present_key_i    float32 [batch, kv_heads, total, head_dim]  (total = past + seq)
 *   present_value_i  float32 [batch, kv_heads, total, head_dim]
 *
 * Only standard opset-17 ops, so it runs on ORT's wasm and WebGPU backends alike.
 */
import type { LlamaConfig } from '@/lib/formats/hfConfig';
import { llamaExpectedShapes } from '@/lib/arch/llama';
import type { NamedTensors } from '@/lib/tensors/tensor';
import { GraphBuilder, littleEndianBytes } from './onnx/graphBuilder';
import { OnnxDataType } from './onnx/onnxProto';
import { rotaryInverseFrequencies } from './rotary';

export interface LlamaGraphOptions {
  /** Tensors stored in the graph as initializers instead of being inputs. */
  bakedWeights?: NamedTensors;
}

/** Names of the per-layer cache inputs and outputs. */
export const pastKeyName = (layer: number) => `past_key_${layer}`;
export const pastValueName = (layer: number) => `past_value_${layer}`;
export const presentKeyName = (layer: number) => `present_key_${layer}`;
export const presentValueName = (layer: number) => `present_value_${layer}`;

export function checkSupportedLlamaConfig(config: LlamaConfig): void {
  const act = (config as Record<string, unknown>).hidden_act;
  if (act !== undefined && act !== 'silu') throw new Error(`hidden_act "${String(act)}" is not supported (Llama uses silu)`);
  if (config.num_attention_heads % config.num_key_value_heads !== 0) {
    throw new Error(
      `num_key_value_heads (${config.num_key_value_heads}) must divide num_attention_heads (${config.num_attention_heads})`,
    );
  }
  if (config.head_dim % 2 !== 0) throw new Error(`head_dim must be even for rotary embeddings, got ${config.head_dim}`);
}

/** Weight names and shapes the graph expects, in Hugging Face's state_dict order. */
export function llamaWeightShapes(config: LlamaConfig): Map<string, number[]> {
  return llamaExpectedShapes(config);
}

export function buildLlamaGraph(config: LlamaConfig, options: LlamaGraphOptions = {}): Uint8Array {
  checkSupportedLlamaConfig(config);
  const D = config.hidden_size;
  const V = config.vocab_size;
  const H = config.num_attention_heads;
  const KV = config.num_key_value_heads;
  const HD = config.head_dim;
  const groups = H / KV; // query heads per key/value head
  const half = HD / 2;

  const g = new GraphBuilder('llama');

  // --- inputs ---
  const inputIds = g.input('input_ids', 'int64', ['batch', 'seq']);
  const positionIds = g.input('position_ids', 'int64', ['batch', 'seq']);
  const attentionBias = g.input('attention_bias', 'float32', ['batch', 1, 'seq', 'total_seq']);
  const past = Array.from({ length: config.num_hidden_layers }, (_, i) => ({
    key: g.input(pastKeyName(i), 'float32', ['batch', KV, 'past_seq', HD]),
    value: g.input(pastValueName(i), 'float32', ['batch', KV, 'past_seq', HD]),
  }));
  const weights = new Map<string, string>();
  for (const [name, shape] of llamaWeightShapes(config)) {
    const baked = options.bakedWeights?.get(name);
    if (baked) {
      if (baked.shape.join() !== shape.join()) {
        throw new Error(`baked weight ${name} has shape [${baked.shape.join(', ')}], expected [${shape.join(', ')}]`);
      }
      weights.set(name, g.initializer(name, 'float32', shape, littleEndianBytes(baked.data)));
    } else {
      weights.set(name, g.input(name, 'float32', shape));
    }
  }
  const weight = (name: string): string => {
    const w = weights.get(name);
    if (!w) throw new Error(`no weight ${name}`);
    return w;
  };
  const optionalWeight = (name: string, present: boolean): string | undefined => (present ? weight(name) : undefined);

  // --- building blocks, in the model's own words ---
  const batchSeq = g.node('Shape', [inputIds], {}, 'batch_seq'); // [B, S]
  const shapeOf = (hint: string, ...tail: number[]) => g.node('Concat', [batchSeq, g.int64s(hint, tail)], { axis: 0 }, hint);
  const axes = (hint: string, ...values: number[]) => g.int64s(hint, values);

  /** y = x Wᵀ (+ b) on rows [N, in] → [N, out]; Gemm reads W [out, in] as Hugging Face stores it. */
  const linear = (x: string, w: string, b?: string) => g.node('Gemm', b ? [x, w, b] : [x, w], { transB: 1 }, 'linear');

  /** RMSNorm: w * x * rsqrt(mean(x²) + eps). */
  const epsilon = g.scalar('rms_norm_eps', config.rms_norm_eps);
  const rmsNorm = (x: string, w: string) =>
    g.scope('rms_norm', () => {
      const variance = g.node('ReduceMean', [g.node('Mul', [x, x])], { axes: [-1], keepdims: 1 });
      const inverseRms = g.node('Reciprocal', [g.node('Sqrt', [g.node('Add', [variance, epsilon])])]);
      return g.node('Mul', [g.node('Mul', [x, inverseRms]), w]);
    });

  // Rotary tables from position ids: angles = pos · inv_freq, duplicated (cat(freqs, freqs)).
  const { cos, sin } = g.scope('rotary', () => {
    const invFreq = g.floats('inv_freq', rotaryInverseFrequencies(config));
    const positions = g.node('Unsqueeze', [g.node('Cast', [positionIds], { to: OnnxDataType.float32 }), axes('axis_2', 2)]); // [B, S, 1]
    const freqs = g.node('Mul', [positions, invFreq]); // [B, S, HD/2]
    const angles = g.node('Concat', [freqs, freqs], { axis: -1 }); // [B, S, HD]
    // Broadcast over heads in the [B, S, heads, HD] layout.
    const perHead = axes('axis_2', 2);
    return {
      cos: g.node('Unsqueeze', [g.node('Cos', [angles]), perHead], {}, 'cos'),
      sin: g.node('Unsqueeze', [g.node('Sin', [angles]), perHead], {}, 'sin'),
    };
  });
  const firstHalf = { starts: axes('half_starts_0', 0), ends: axes('half_ends_0', half) };
  const secondHalf = { starts: axes('half_starts_1', half), ends: axes('half_ends_1', HD) };
  const lastAxis = axes('last_axis', -1);
  /** x·cos + rotate_half(x)·sin, with rotate_half(x) = cat(-x[..., HD/2:], x[..., :HD/2]). */
  const applyRotary = (x: string) =>
    g.scope('apply_rotary', () => {
      const x1 = g.node('Slice', [x, firstHalf.starts, firstHalf.ends, lastAxis]);
      const x2 = g.node('Slice', [x, secondHalf.starts, secondHalf.ends, lastAxis]);
      const rotated = g.node('Concat', [g.node('Neg', [x2]), x1], { axis: -1 });
      return g.node('Add', [g.node('Mul', [x, cos]), g.node('Mul', [rotated, sin])]);
    });

  const queryShape = shapeOf('query_shape', H, HD); // [B, S, H, HD]
  const keyValueShape = shapeOf('key_value_shape', KV, HD); // [B, S, KV, HD]
  const groupedQueryShape = g.int64s('grouped_query_shape', [0, 0, KV, groups, HD]); // [B, S, KV, G, HD]
  const rowsOf = (width: number, hint: string) => g.int64s(hint, [-1, width]);
  const attentionRows = rowsOf(H * HD, 'attention_rows');
  const scale = g.scalar('sqrt_head_dim', Math.sqrt(HD));
  // [B, 1, S, T] → [B, 1, 1, S, T]: broadcasts over key/value heads and the query heads of each group.
  const scoreBias = g.node('Unsqueeze', [attentionBias, axes('axis_1', 1)], {}, 'score_bias');
  const groupAxis = axes('group_axis', 2);

  /** Causal self-attention with a KV cache. Queries are grouped [B, KV, G, S, HD] so that each
   * group of G query heads meets its one key/value head by broadcasting (GQA without copies). */
  const attention = (x: string, layer: number) =>
    g.scope('self_attn', () => {
      const p = `model.layers.${layer}.self_attn`;
      const bias = (proj: string) => optionalWeight(`${p}.${proj}.bias`, config.attention_bias);
      const q = applyRotary(g.node('Reshape', [linear(x, weight(`${p}.q_proj.weight`), bias('q_proj')), queryShape]));
      const k = applyRotary(g.node('Reshape', [linear(x, weight(`${p}.k_proj.weight`), bias('k_proj')), keyValueShape]));
      const v = g.node('Reshape', [linear(x, weight(`${p}.v_proj.weight`), bias('v_proj')), keyValueShape]);

      // The caches are produced under their output names directly: an Identity would copy them.
      const append = (cache: string, x: string, name: string) =>
        g.nodeWithOutputs('Concat', [cache, g.node('Transpose', [x], { perm: [0, 2, 1, 3] })], [name], { axis: 2 })[0]!;
      const keys = g.output(append(past[layer]!.key, k, presentKeyName(layer)), 'float32', ['batch', KV, 'total_seq', HD]);
      const values = g.output(append(past[layer]!.value, v, presentValueName(layer)), 'float32', ['batch', KV, 'total_seq', HD]);

      const queries = g.node('Transpose', [g.node('Reshape', [q, groupedQueryShape])], { perm: [0, 2, 3, 1, 4] }); // [B, KV, G, S, HD]
      // Transposing right before MatMul lets ORT fuse it (FusedMatMul transB) instead of copying the cache.
      const keysT = g.node('Transpose', [g.node('Unsqueeze', [keys, groupAxis])], { perm: [0, 1, 2, 4, 3] }); // [B, KV, 1, HD, T]
      const scores = g.node('Add', [g.node('Div', [g.node('MatMul', [queries, keysT]), scale]), scoreBias]); // [B, KV, G, S, T]
      const probs = g.node('Softmax', [scores], { axis: -1 });
      const context = g.node('MatMul', [probs, g.node('Unsqueeze', [values, groupAxis])]); // [B, KV, G, S, HD]
      const merged = g.node('Reshape', [g.node('Transpose', [context], { perm: [0, 3, 1, 2, 4] }), attentionRows]); // [N, H·HD]
      return linear(merged, weight(`${p}.o_proj.weight`), bias('o_proj'));
    });

  /** SwiGLU: down(silu(gate(x)) · up(x)). */
  const mlp = (x: string, layer: number) =>
    g.scope('mlp', () => {
      const p = `model.layers.${layer}.mlp`;
      const bias = (proj: string) => optionalWeight(`${p}.${proj}.bias`, config.mlp_bias);
      const gate = linear(x, weight(`${p}.gate_proj.weight`), bias('gate_proj'));
      const up = linear(x, weight(`${p}.up_proj.weight`), bias('up_proj'));
      const silu = g.node('Mul', [gate, g.node('Sigmoid', [gate])], {}, 'silu');
      return linear(g.node('Mul', [silu, up]), weight(`${p}.down_proj.weight`), bias('down_proj'));
    });

  // --- the model: rows are tokens, [N = B·S, D] ---
  const embedded = g.node('Gather', [weight('model.embed_tokens.weight'), inputIds], { axis: 0 }, 'embed_tokens');
  let hidden = g.node('Reshape', [embedded, rowsOf(D, 'hidden_rows')], {}, 'hidden');
  for (let layer = 0; layer < config.num_hidden_layers; layer++) {
    hidden = g.scope(`layers.${layer}`, () => {
      const p = `model.layers.${layer}`;
      const afterAttention = g.node('Add', [hidden, attention(rmsNorm(hidden, weight(`${p}.input_layernorm.weight`)), layer)]);
      return g.node('Add', [afterAttention, mlp(rmsNorm(afterAttention, weight(`${p}.post_attention_layernorm.weight`)), layer)]);
    });
  }
  const head = weight(config.tie_word_embeddings ? 'model.embed_tokens.weight' : 'lm_head.weight');
  const logits = g.scope('lm_head', () => linear(rmsNorm(hidden, weight('model.norm.weight')), head));
  const logitsShape = shapeOf('logits_shape', V);
  g.output(g.nodeWithOutputs('Reshape', [logits, logitsShape], ['logits'])[0]!, 'float32', ['batch', 'seq', V]);

  return g.toBytes({
    docString: `LlamaForCausalLM: ${config.num_hidden_layers} layers, hidden ${D}, heads ${H}/${KV}, head_dim ${HD}, vocab ${V}`,
  });
}
