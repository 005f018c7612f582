/**
 * A Hugging Face Llama-family `config.json`: the fields the studio reads, checked, with Hugging Face's
 * defaults filled in. Keys the studio does not know pass through untouched.
 */
import { z } from 'zod';

function requiredNumber(what: string) {
  return z.number({
    error: (issue) => (issue.input === undefined ? 'is required' : `must be ${what}, got ${describeValue(issue.input)}`),
  });
}

function positiveInteger() {
  return requiredNumber('a positive integer')
    .int({ error: (issue) => `must be a positive integer, got ${describeValue(issue.input)}` })
    .positive({ error: (issue) => `must be a positive integer, got ${describeValue(issue.input)}` });
}

function positiveNumber() {
  return requiredNumber('a positive number').positive({
    error: (issue) => `must be a positive number, got ${describeValue(issue.input)}`,
  });
}

function optionalBoolean() {
  return z.boolean({ error: (issue) => `must be true or false, got ${describeValue(issue.input)}` }).optional();
}

const tokenId = z
  .number({ error: (issue) => `must be a token id, got ${describeValue(issue.input)}` })
  .int({ error: 'must be a whole number' })
  .nonnegative({ error: 'must not be negative' });

const llamaConfigFields = z.looseObject({
  architectures: z
    .array(z.string(), { error: (issue) => `must be a list of class names, got ${describeValue(issue.input)}` })
    .min(1, { error: 'must name at least one architecture' }),
  model_type: z.string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') }),
  vocab_size: positiveInteger(),
  hidden_size: positiveInteger(),
  intermediate_size: positiveInteger(),
  num_hidden_layers: positiveInteger(),
  num_attention_heads: positiveInteger(),
  num_key_value_heads: positiveInteger().optional(),
  head_dim: positiveInteger().optional(),
  rms_norm_eps: positiveNumber(),
  rope_theta: positiveNumber().optional(),
  max_position_embeddings: positiveInteger(),
  tie_word_embeddings: optionalBoolean(),
  attention_bias: optionalBoolean(),
  mlp_bias: optionalBoolean(),
  torch_dtype: z.string({ error: 'must be a string such as "float32" or "bfloat16"' }).optional(),
  bos_token_id: tokenId.nullable().optional(),
  // Llama 3 lists several end-of-turn ids.
  eos_token_id: z.union([tokenId, z.array(tokenId)]).nullable().optional(),
  pad_token_id: tokenId.nullable().optional(),
}, { error: (issue) => `must be a JSON object, got ${describeValue(issue.input)}` });

export const llamaConfigSchema = llamaConfigFields
  .superRefine((config, ctx) => {
    const kvHeads = config.num_key_value_heads ?? config.num_attention_heads;
    if (config.num_attention_heads % kvHeads !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['num_key_value_heads'],
        message: `must divide num_attention_heads (${config.num_attention_heads}), got ${kvHeads}`,
      });
    }
    if (config.head_dim === undefined && config.hidden_size % config.num_attention_heads !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['head_dim'],
        message: `is missing and hidden_size (${config.hidden_size}) is not a multiple of num_attention_heads (${config.num_attention_heads})`,
      });
    }
  })
  .transform((config) => ({
    ...config,
    num_key_value_heads: config.num_key_value_heads ?? config.num_attention_heads,
    head_dim: config.head_dim ?? config.hidden_size / config.num_attention_heads,
    rope_theta: config.rope_theta ?? 10000,
    tie_word_embeddings: config.tie_word_embeddings ?? false,
    attention_bias: config.attention_bias ?? false,
    mlp_bias: config.mlp_bias ?? false,
  }));

/** A parsed Llama-family config: every default filled in, unknown keys kept (typed `unknown`). */
export type LlamaConfig = z.output<typeof llamaConfigSchema> & { readonly [key: string]: unknown };

export function parseLlamaConfig(json: unknown): LlamaConfig {
  const result = llamaConfigSchema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.map(String).join('.') : 'config';
    return `  - ${field}: ${issue.message}`;
  });
  throw new Error(`config.json is not a valid Llama-family config:\n${problems.join('\n')}`);
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
