import { describe, expect, it } from 'vitest';
import { parseLlamaConfig, type LlamaConfig } from '@/lib/formats/hfConfig';
import { readZooJson } from '@/testing/zoo';
import { architectureFor, supportedArchitectures } from './index';
import { llamaExpectedShapes, llamaTensorInfo, llamaTensorNames, renameLayer } from './llama';

function config(overrides: Record<string, unknown> = {}): LlamaConfig {
  return parseLlamaConfig({
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    vocab_size: 50,
    hidden_size: 24,
    intermediate_size: 40,
    num_hidden_layers: 3,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    head_dim: 8,
    rms_norm_eps: 1e-5,
    max_position_embeddings: 64,
    ...overrides,
  });
}

describe('llamaTensorInfo', () => {
  it('knows every tensor outside the layers', () => {
    expect(llamaTensorInfo('model.embed_tokens.weight')).toEqual({ layer: null, role: 'embed', group: 'embeddings' });
    expect(llamaTensorInfo('model.norm.weight')).toEqual({ layer: null, role: 'norm', group: 'other' });
    expect(llamaTensorInfo('lm_head.weight')).toEqual({ layer: null, role: 'head', group: 'embeddings' });
  });

  it('knows every tensor inside a layer, weights and biases', () => {
    for (const p of ['q_proj', 'k_proj', 'v_proj', 'o_proj']) {
      expect(llamaTensorInfo(`model.layers.12.self_attn.${p}.weight`)).toEqual({ layer: 12, role: 'attn', group: 'attention' });
      expect(llamaTensorInfo(`model.layers.0.self_attn.${p}.bias`)).toEqual({ layer: 0, role: 'attn', group: 'attention' });
    }
    for (const p of ['gate_proj', 'up_proj', 'down_proj']) {
      expect(llamaTensorInfo(`model.layers.3.mlp.${p}.weight`)).toEqual({ layer: 3, role: 'mlp', group: 'mlp' });
      expect(llamaTensorInfo(`model.layers.3.mlp.${p}.bias`)).toEqual({ layer: 3, role: 'mlp', group: 'mlp' });
    }
    for (const n of ['input_layernorm', 'post_attention_layernorm']) {
      expect(llamaTensorInfo(`model.layers.7.${n}.weight`)).toEqual({ layer: 7, role: 'norm', group: 'other' });
    }
  });

  it('gives every expected tensor of a config its layer', () => {
    const c = config({ attention_bias: true, mlp_bias: true });
    for (const name of llamaTensorNames(c)) {
      const info = llamaTensorInfo(name);
      const layer = /^model\.layers\.(\d+)\./.exec(name)?.[1];
      expect(info.layer).toBe(layer === undefined ? null : Number(layer));
    }
  });

  it('rejects names it does not know', () => {
    for (const name of [
      'model.layers.0.self_attn.rotary_emb.inv_freq',
      'model.layers.01.mlp.up_proj.weight',
      'model.layers.x.mlp.up_proj.weight',
      'model.layers.0.mlp.fc1.weight',
      'model.layers.0.input_layernorm.bias',
      'transformer.h.0.attn.c_attn.weight',
      'model.embed_tokens',
      '',
    ]) {
      expect(() => llamaTensorInfo(name), name).toThrow(`"${name}" is not a Llama tensor name`);
    }
  });
});

describe('llamaExpectedShapes', () => {
  it('lists every tensor with its shape, in Hugging Face order', () => {
    const shapes = llamaExpectedShapes(config({ num_hidden_layers: 1 }));
    expect([...shapes]).toEqual([
      ['model.embed_tokens.weight', [50, 24]],
      ['model.layers.0.self_attn.q_proj.weight', [32, 24]],
      ['model.layers.0.self_attn.k_proj.weight', [16, 24]],
      ['model.layers.0.self_attn.v_proj.weight', [16, 24]],
      ['model.layers.0.self_attn.o_proj.weight', [24, 32]],
      ['model.layers.0.mlp.gate_proj.weight', [40, 24]],
      ['model.layers.0.mlp.up_proj.weight', [40, 24]],
      ['model.layers.0.mlp.down_proj.weight', [24, 40]],
      ['model.layers.0.input_layernorm.weight', [24]],
      ['model.layers.0.post_attention_layernorm.weight', [24]],
      ['model.norm.weight', [24]],
      ['lm_head.weight', [50, 24]],
    ]);
  });

  it('has no lm_head when the head is tied to the embeddings', () => {
    const names = llamaTensorNames(config({ tie_word_embeddings: true }));
    expect(names).not.toContain('lm_head.weight');
    expect(names).toHaveLength(1 + 3 * 9 + 1);
  });

  it('adds biases right after their weights when the config asks for them', () => {
    const names = llamaTensorNames(config({ num_hidden_layers: 1, attention_bias: true, mlp_bias: true }));
    expect(names.slice(1, 5)).toEqual([
      'model.layers.0.self_attn.q_proj.weight',
      'model.layers.0.self_attn.q_proj.bias',
      'model.layers.0.self_attn.k_proj.weight',
      'model.layers.0.self_attn.k_proj.bias',
    ]);
    const shapes = llamaExpectedShapes(config({ num_hidden_layers: 1, attention_bias: true, mlp_bias: true }));
    expect(shapes.get('model.layers.0.self_attn.k_proj.bias')).toEqual([16]);
    expect(shapes.get('model.layers.0.self_attn.o_proj.bias')).toEqual([24]);
    expect(shapes.get('model.layers.0.mlp.down_proj.bias')).toEqual([24]);
  });

  it('derives head_dim from hidden_size when the config leaves it out', () => {
    const shapes = llamaExpectedShapes(config({ head_dim: undefined, num_key_value_heads: undefined }));
    expect(shapes.get('model.layers.0.self_attn.k_proj.weight')).toEqual([24, 24]);
  });
});

describe('renameLayer', () => {
  it('moves a layer tensor to another layer', () => {
    expect(renameLayer('model.layers.2.mlp.up_proj.weight', 10)).toBe('model.layers.10.mlp.up_proj.weight');
    expect(renameLayer('model.layers.10.input_layernorm.weight', 0)).toBe('model.layers.0.input_layernorm.weight');
  });

  it('refuses tensors outside the layers and bad indices', () => {
    expect(() => renameLayer('model.norm.weight', 1)).toThrow(/not a tensor inside a decoder layer/);
    expect(() => renameLayer('model.layers.0.mlp.up_proj.weight', -1)).toThrow(RangeError);
    expect(() => renameLayer('model.layers.0.mlp.up_proj.weight', 1.5)).toThrow(RangeError);
  });
});

describe('architectureFor', () => {
  it('binds the Llama spec to a config', async () => {
    const zooConfig = parseLlamaConfig(await readZooJson('zoo-base', 'config.json'));
    const arch = architectureFor(zooConfig);
    expect(arch.name).toBe('LlamaForCausalLM');
    expect(arch.layerCount).toBe(zooConfig.num_hidden_layers);
    expect([...arch.expectedShapes.keys()]).toEqual(llamaTensorNames(zooConfig));
    expect(arch.tensorInfo('model.layers.1.mlp.down_proj.weight').layer).toBe(1);
    expect(arch.renameLayer('model.layers.1.mlp.down_proj.weight', 2)).toBe('model.layers.2.mlp.down_proj.weight');
  });

  it('names the unknown architecture and the supported ones', () => {
    expect(supportedArchitectures()).toEqual(['LlamaForCausalLM']);
    expect(() => architectureFor(config({ architectures: ['GPT2LMHeadModel'] }))).toThrow(
      'unsupported architecture "GPT2LMHeadModel"; supported: LlamaForCausalLM',
    );
  });
});
