/**
 * Rotary embedding frequencies as Hugging Face's Llama computes them, in fp32:
 * inv_freq[i] = 1 / theta^(2i / head_dim), optionally rescaled by `rope_scaling`
 * ("linear" or "llama3"; the default type leaves them alone).
 */

export interface RopeSettings {
  head_dim: number;
  rope_theta: number;
  rope_scaling?: unknown;
}

const f32 = Math.fround;

export function rotaryInverseFrequencies(config: RopeSettings): Float32Array {
  const dim = config.head_dim;
  if (dim % 2 !== 0) throw new Error(`rotary embeddings need an even head_dim, got ${dim}`);
  const theta = f32(config.rope_theta);
  const invFreq = new Float32Array(dim / 2);
  for (let i = 0; i < dim / 2; i++) {
    const exponent = f32((2 * i) / dim);
    invFreq[i] = f32(1 / f32(Math.pow(theta, exponent)));
  }
  return applyRopeScaling(invFreq, config.rope_scaling);
}

function applyRopeScaling(invFreq: Float32Array, scaling: unknown): Float32Array {
  if (scaling === undefined || scaling === null) return invFreq;
  if (typeof scaling !== 'object') throw new Error(`rope_scaling must be an object, got ${JSON.stringify(scaling)}`);
  const s = scaling as Record<string, unknown>;
  const type = (s.rope_type ?? s.type ?? 'default') as string;
  const num = (key: string): number => {
    const v = s[key];
    if (typeof v !== 'number') throw new Error(`rope_scaling (${type}) needs a number "${key}"`);
    return v;
  };
  if (type === 'default') return invFreq;
  if (type === 'linear') {
    const factor = num('factor');
    return invFreq.map((f) => f / factor);
  }
  if (type === 'llama3') {
    const factor = num('factor');
    const low = num('low_freq_factor');
    const high = num('high_freq_factor');
    const oldContext = num('original_max_position_embeddings');
    const lowFreqWavelen = oldContext / low;
    const highFreqWavelen = oldContext / high;
    return invFreq.map((f) => {
      const wavelen = (2 * Math.PI) / f;
      if (wavelen < highFreqWavelen) return f;
      if (wavelen > lowFreqWavelen) return f / factor;
      const smooth = (oldContext / wavelen - low) / (high - low);
      return (1 - smooth) * (f / factor) + smooth * f;
    });
  }
  throw new Error(`rope_scaling type "${type}" is not supported (supported: default, linear, llama3)`);
}
