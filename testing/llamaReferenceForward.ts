/**
 * A plain-JS Llama forward pass, written loop by loop from the PyTorch trainer
 * (tools/zoo/families/llama.py), for testing the ONNX graph on configs the zoo does not have
 * (GQA, tied embeddings, biases, head_dim ≠ hidden/heads). Slow and obvious on purpose.
 */
import type { LlamaConfig } from '@/lib/formats/hfConfig';
import { tensor, type NamedTensors } from '@/lib/tensors/tensor';
import { llamaWeightShapes } from '@/lib/runtime/llamaGraph';
import { rotaryInverseFrequencies } from '@/lib/runtime/rotary';
import { seededRandom } from '@/lib/runtime/sampling';

type Matrix = Float64Array[]; // rows

function weightOf(weights: NamedTensors, name: string): Float32Array {
  const t = weights.get(name);
  if (!t) throw new Error(`missing ${name}`);
  return t.data;
}

/** y = x Wᵀ + b for W [out, in]. */
function linear(x: Matrix, w: Float32Array, outFeatures: number, b?: Float32Array): Matrix {
  const inFeatures = w.length / outFeatures;
  return x.map((row) => {
    const y = new Float64Array(outFeatures);
    for (let o = 0; o < outFeatures; o++) {
      let s = b ? b[o]! : 0;
      for (let i = 0; i < inFeatures; i++) s += row[i]! * w[o * inFeatures + i]!;
      y[o] = s;
    }
    return y;
  });
}

function rmsNorm(x: Matrix, w: Float32Array, eps: number): Matrix {
  return x.map((row) => {
    let ms = 0;
    for (const v of row) ms += v * v;
    const r = 1 / Math.sqrt(ms / row.length + eps);
    return row.map((v, i) => w[i]! * v * r);
  });
}

/** Logits [T][V] for one sequence, positions 0..T-1, causal attention. */
export function referenceLlamaLogits(config: LlamaConfig, weights: NamedTensors, ids: readonly number[]): number[][] {
  const D = config.hidden_size;
  const H = config.num_attention_heads;
  const KV = config.num_key_value_heads;
  const HD = config.head_dim;
  const T = ids.length;
  const eps = config.rms_norm_eps;
  const w = (name: string) => weightOf(weights, name);
  const maybe = (name: string, present: boolean) => (present ? w(name) : undefined);

  const embed = w('model.embed_tokens.weight');
  let x: Matrix = ids.map((id) => Float64Array.from(embed.subarray(id * D, (id + 1) * D)));
  const invFreq = rotaryInverseFrequencies(config);
  const rotate = (vec: Float64Array, offset: number, pos: number) => {
    const half = HD / 2;
    const out = new Float64Array(HD);
    for (let i = 0; i < HD; i++) {
      const angle = pos * invFreq[i % half]!;
      const rotated = i < half ? -vec[offset + i + half]! : vec[offset + i - half]!;
      out[i] = vec[offset + i]! * Math.cos(angle) + rotated * Math.sin(angle);
    }
    return out;
  };

  for (let layer = 0; layer < config.num_hidden_layers; layer++) {
    const p = `model.layers.${layer}`;
    const h = rmsNorm(x, w(`${p}.input_layernorm.weight`), eps);
    const ab = config.attention_bias;
    const q = linear(h, w(`${p}.self_attn.q_proj.weight`), H * HD, maybe(`${p}.self_attn.q_proj.bias`, ab));
    const k = linear(h, w(`${p}.self_attn.k_proj.weight`), KV * HD, maybe(`${p}.self_attn.k_proj.bias`, ab));
    const v = linear(h, w(`${p}.self_attn.v_proj.weight`), KV * HD, maybe(`${p}.self_attn.v_proj.bias`, ab));
    const attnOut: Matrix = ids.map(() => new Float64Array(H * HD));
    for (let head = 0; head < H; head++) {
      const kvHead = Math.floor(head / (H / KV)); // repeat_interleave
      const qs = q.map((row, t) => rotate(row, head * HD, t));
      const ks = k.map((row, t) => rotate(row, kvHead * HD, t));
      for (let t = 0; t < T; t++) {
        const scores = new Float64Array(t + 1);
        let max = -Infinity;
        for (let s = 0; s <= t; s++) {
          let dot = 0;
          for (let i = 0; i < HD; i++) dot += qs[t]![i]! * ks[s]![i]!;
          scores[s] = dot / Math.sqrt(HD);
          max = Math.max(max, scores[s]!);
        }
        let sum = 0;
        for (let s = 0; s <= t; s++) sum += (scores[s] = Math.exp(scores[s]! - max));
        for (let s = 0; s <= t; s++) {
          for (let i = 0; i < HD; i++) attnOut[t]![head * HD + i]! += (scores[s]! / sum) * v[s]![kvHead * HD + i]!;
        }
      }
    }
    const o = linear(attnOut, w(`${p}.self_attn.o_proj.weight`), D, maybe(`${p}.self_attn.o_proj.bias`, ab));
    x = x.map((row, t) => row.map((val, i) => val + o[t]![i]!));

    const h2 = rmsNorm(x, w(`${p}.post_attention_layernorm.weight`), eps);
    const mb = config.mlp_bias;
    const ff = config.intermediate_size;
    const gate = linear(h2, w(`${p}.mlp.gate_proj.weight`), ff, maybe(`${p}.mlp.gate_proj.bias`, mb));
    const up = linear(h2, w(`${p}.mlp.up_proj.weight`), ff, maybe(`${p}.mlp.up_proj.bias`, mb));
    const act = gate.map((row, t) => row.map((g, i) => (g / (1 + Math.exp(-g))) * up[t]![i]!));
    const down = linear(act, w(`${p}.mlp.down_proj.weight`), D, maybe(`${p}.mlp.down_proj.bias`, mb));
    x = x.map((row, t) => row.map((val, i) => val + down[t]![i]!));
  }
  const head = config.tie_word_embeddings ? embed : w('lm_head.weight');
  return linear(rmsNorm(x, w('model.norm.weight'), eps), head, config.vocab_size).map((row) => Array.from(row));
}

/** Random weights for a config, reproducible from `seed`; norms near 1, linears ~N(0, std²). */
export function randomLlamaWeights(config: LlamaConfig, seed: number, std = 0.2): NamedTensors {
  const random = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const weights: NamedTensors = new Map();
  for (const [name, shape] of llamaWeightShapes(config)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const isNorm = name.endsWith('norm.weight');
    const data = Float32Array.from({ length: size }, () => (isNorm ? 1 + 0.1 * normal() : std * normal()));
    weights.set(name, tensor(shape, data));
  }
  return weights;
}
