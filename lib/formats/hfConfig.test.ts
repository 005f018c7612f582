import { describe, expect, it } from 'vitest';
import { parseLlamaConfig } from './hfConfig';
import { readZooJson } from '@/testing/zoo';

const minimal = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  vocab_size: 1000,
  hidden_size: 256,
  intermediate_size: 688,
  num_hidden_layers: 2,
  num_attention_heads: 8,
  rms_norm_eps: 1e-6,
  max_position_embeddings: 512,
};

describe('parseLlamaConfig', () => {
  it('reads the zoo base config', async () => {
    const config = parseLlamaConfig(await readZooJson('zoo-base', 'config.json'));
    expect(config.architectures[0]).toBe('LlamaForCausalLM');
    expect(config.head_dim * config.num_attention_heads).toBeGreaterThan(0);
    expect(config.num_attention_heads % config.num_key_value_heads).toBe(0);
    expect(typeof config.tie_word_embeddings).toBe('boolean');
    expect(config.hidden_act).toBe('silu'); // an unknown key, passed through
  });

  it('fills in the defaults', () => {
    const config = parseLlamaConfig(minimal);
    expect(config.num_key_value_heads).toBe(8);
    expect(config.head_dim).toBe(32);
    expect(config.rope_theta).toBe(10000);
    expect(config.tie_word_embeddings).toBe(false);
    expect(config.attention_bias).toBe(false);
    expect(config.mlp_bias).toBe(false);
    expect(config.bos_token_id).toBeUndefined();
  });

  it('keeps explicit values, unknown keys and list-valued eos ids', () => {
    const config = parseLlamaConfig({
      ...minimal,
      num_key_value_heads: 2,
      head_dim: 64,
      rope_theta: 500000,
      tie_word_embeddings: true,
      eos_token_id: [128001, 128009],
      rope_scaling: { rope_type: 'llama3', factor: 8 },
    });
    expect(config).toMatchObject({ num_key_value_heads: 2, head_dim: 64, rope_theta: 500000, tie_word_embeddings: true });
    expect(config.eos_token_id).toEqual([128001, 128009]);
    expect(config.rope_scaling).toEqual({ rope_type: 'llama3', factor: 8 });
  });

  it('says which field is wrong and how', () => {
    const { hidden_size: _dropped, ...missingHidden } = minimal;
    expect(() => parseLlamaConfig(missingHidden)).toThrow(/hidden_size: is required/);
    expect(() => parseLlamaConfig({ ...minimal, vocab_size: '1000' })).toThrow(/vocab_size: must be a positive integer, got "1000"/);
    expect(() => parseLlamaConfig({ ...minimal, num_hidden_layers: 2.5 })).toThrow(/num_hidden_layers: must be a positive integer, got 2.5/);
    expect(() => parseLlamaConfig({ ...minimal, num_attention_heads: 0 })).toThrow(/num_attention_heads: must be a positive integer, got 0/);
    expect(() => parseLlamaConfig({ ...minimal, rms_norm_eps: -1 })).toThrow(/rms_norm_eps: must be a positive number, got -1/);
    expect(() => parseLlamaConfig({ ...minimal, tie_word_embeddings: 'yes' })).toThrow(/tie_word_embeddings: must be true or false/);
    expect(() => parseLlamaConfig({ ...minimal, architectures: [] })).toThrow(/architectures: must name at least one/);
    expect(() => parseLlamaConfig(null)).toThrow(/config: must be a JSON object, got null/);
  });

  it('reports every problem at once', () => {
    expect(() => parseLlamaConfig({ ...minimal, vocab_size: -3, intermediate_size: undefined })).toThrow(
      /vocab_size: .*\n.*intermediate_size: is required/,
    );
  });

  it('checks how heads divide', () => {
    expect(() => parseLlamaConfig({ ...minimal, num_key_value_heads: 3 })).toThrow(/num_key_value_heads: must divide num_attention_heads \(8\), got 3/);
    expect(() => parseLlamaConfig({ ...minimal, hidden_size: 100 })).toThrow(/head_dim: is missing and hidden_size \(100\)/);
    expect(parseLlamaConfig({ ...minimal, hidden_size: 100, head_dim: 16 }).head_dim).toBe(16);
  });
});
