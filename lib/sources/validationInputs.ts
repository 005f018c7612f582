/**
 * What validation needs from open sources: their descriptions, and their tokenizers' identities;
 * tokenizer.json is read only when the listings cannot show that every model shares one
 * (identities unknown or different, or vocab_size differs). Weights are never read here.
 */
import type { ReadOptions } from './byteReader';
import type { CheckpointSource } from './checkpointSource';
import type { ValidationModel } from './recipeValidation';
import { listedTokenizerIdentity, vocabularyFacts } from './vocabulary';

export async function validationModels(sources: ReadonlyMap<string, CheckpointSource>, options?: ReadOptions): Promise<Map<string, ValidationModel>> {
  const entries = [...sources];
  const identities = entries.map(([, source]) => listedTokenizerIdentity(source));
  const sizes = entries.map(([, source]) => source.description.config.vocab_size);
  const shared = identities.every((id) => id !== null && id === identities[0]) && sizes.every((size) => size === sizes[0]);
  const models = new Map<string, ValidationModel>();
  for (const [ref, source] of entries) {
    models.set(ref, { description: source.description, vocabulary: await vocabularyFacts(source, !shared && entries.length > 1, options) });
  }
  return models;
}
