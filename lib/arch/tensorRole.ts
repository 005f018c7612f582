/** What a tensor does in its model, as merge filters and per-group sliders see it. */
export type TensorRole = 'embed' | 'attn' | 'mlp' | 'norm' | 'head';

/** The coarse groups a person tunes separately in the studio: attention, MLP,
 * embeddings (token embeddings and the output head) and the rest (norms). */
export type TensorGroup = 'attention' | 'mlp' | 'embeddings' | 'other';

export const TENSOR_GROUPS: readonly TensorGroup[] = ['attention', 'mlp', 'embeddings', 'other'];

export interface TensorInfo {
  /** Decoder layer index, or null for tensors outside the layers (embeddings, final norm, head). */
  readonly layer: number | null;
  readonly role: TensorRole;
  readonly group: TensorGroup;
}

export function groupOfRole(role: TensorRole): TensorGroup {
  if (role === 'attn') return 'attention';
  if (role === 'mlp') return 'mlp';
  if (role === 'embed' || role === 'head') return 'embeddings';
  return 'other';
}
