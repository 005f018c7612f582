/** A Hugging Face `tokenizer.json` (+ optional `tokenizer_config.json`), behind the small interface the studio uses. */
import { Tokenizer } from '@huggingface/tokenizers';
import { isPlainObject } from '@/lib/json/isPlainObject';

export interface TextTokenizer {
  /** Token ids, with the special tokens the tokenizer's post-processor adds (BOS for Llama). */
  encode(text: string): number[];
  /** The text of `ids`, special tokens skipped. */
  decode(ids: readonly number[]): string;
  /** What one token stands for, specials included (`"<s>"`), for display. */
  tokenText(id: number): string;
  /** One more than the largest id, added tokens included: the embedding rows the model needs at least. */
  readonly vocabSize: number;
  readonly bosId: number | null;
}

export function loadTextTokenizer(tokenizerJson: unknown, configJson?: unknown): TextTokenizer {
  if (!isPlainObject(tokenizerJson) || !isPlainObject(tokenizerJson.model)) {
    throw new Error('tokenizer.json must be a JSON object with a "model" section');
  }
  if (configJson !== undefined && !isPlainObject(configJson)) throw new Error('tokenizer_config.json must be a JSON object');
  const config = configJson ?? {};
  // The library cleans up spaces before punctuation unless told otherwise ("a ." → "a."), which breaks
  // exact decoding for character-level vocabularies; only do it when the config asks for it.
  const cleanUpSpaces = config.clean_up_tokenization_spaces === true;
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(tokenizerJson, config);
  } catch (error) {
    throw new Error(`could not load tokenizer.json: ${error instanceof Error ? error.message : String(error)}`);
  }

  const vocab = tokenizer.get_vocab(true);
  const vocabSize = Math.max(-1, ...vocab.values()) + 1;
  const specialIds = new Set([...tokenizer.get_added_tokens_decoder().values()].filter((t) => t.special).map((t) => t.id));

  function checkId(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new RangeError(`token id ${id} is outside the vocabulary (0..${vocabSize - 1})`);
    }
  }

  const decodeOptions = { skip_special_tokens: true, clean_up_tokenization_spaces: cleanUpSpaces };

  return {
    vocabSize,
    bosId: findBosId(tokenizer, config, specialIds),
    encode: (text) => tokenizer.encode(text).ids,
    decode(ids) {
      ids.forEach(checkId);
      // The library refuses an empty list.
      return ids.length === 0 ? '' : tokenizer.decode([...ids], decodeOptions);
    },
    tokenText(id) {
      checkId(id);
      if (specialIds.has(id)) return tokenizer.id_to_token(id) ?? '';
      return tokenizer.decode([id], { skip_special_tokens: false, clean_up_tokenization_spaces: false });
    },
  };
}

function findBosId(tokenizer: Tokenizer, config: Record<string, unknown>, specialIds: ReadonlySet<number>): number | null {
  const configured = tokenContent(config.bos_token);
  if (configured !== null) {
    const id = tokenizer.token_to_id(configured);
    if (id !== undefined) return id;
  }
  // Otherwise: the special token the post-processor puts in front of every text, if any.
  const first = tokenizer.encode('').ids[0];
  return first !== undefined && specialIds.has(first) ? first : null;
}

/** `bos_token` is a string, or an AddedToken-like object `{content: "<s>", ...}` in older configs. */
function tokenContent(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (isPlainObject(value) && typeof value.content === 'string') return value.content;
  return null;
}
