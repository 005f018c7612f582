/**
 * What a model's tokenizer maps, as far as merging cares: which text each token id stands for.
 * Two models can be merged row by row in their embeddings only when the same id means the same
 * token in both; this module reads that from `tokenizer.json` and compares two vocabularies.
 *
 * Reading is avoided where it can be: a hub lists a content hash of each file, and equal hashes
 * mean equal tokenizers without a byte read.
 */
import type { ReadOptions } from './byteReader';
import type { CheckpointSource } from './checkpointSource';
import { sha256Id } from './fingerprint';

export const TOKENIZER_JSON = 'tokenizer.json';

export interface Vocabulary {
  /** id → token text, added tokens included. */
  readonly tokens: ReadonlyMap<number, string>;
  /** One more than the largest id. */
  readonly size: number;
}

export interface VocabularyFacts {
  /** A content hash of tokenizer.json (git blob sha1 or sha256, as known), or null without one. */
  readonly identity: string | null;
  /** Read only when needed; null when not read or when the model has no tokenizer.json. */
  readonly vocabulary: Vocabulary | null;
  /** Bytes read to learn this (0 when a hub's listing sufficed). */
  readonly bytesRead: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The vocabulary of a `tokenizer.json`: BPE, WordPiece and WordLevel `vocab` objects, Unigram lists, and added tokens. */
export function parseVocabulary(tokenizerJson: unknown): Vocabulary {
  if (!isRecord(tokenizerJson) || !isRecord(tokenizerJson.model)) throw new Error('tokenizer.json has no "model" section');
  const tokens = new Map<number, string>();
  const { vocab } = tokenizerJson.model;
  if (Array.isArray(vocab)) {
    vocab.forEach((entry, id) => {
      if (Array.isArray(entry) && typeof entry[0] === 'string') tokens.set(id, entry[0]);
    });
  } else if (isRecord(vocab)) {
    for (const [text, id] of Object.entries(vocab)) if (typeof id === 'number') tokens.set(id, text);
  } else {
    throw new Error('tokenizer.json has no vocabulary in model.vocab');
  }
  if (Array.isArray(tokenizerJson.added_tokens)) {
    for (const added of tokenizerJson.added_tokens) {
      if (isRecord(added) && typeof added.id === 'number' && typeof added.content === 'string') tokens.set(added.id, added.content);
    }
  }
  let size = 0;
  for (const id of tokens.keys()) size = Math.max(size, id + 1);
  return { tokens, size };
}

/** The identity a listing gives without reading, or null. */
export function listedTokenizerIdentity(source: Pick<CheckpointSource, 'description'>): string | null {
  const file = source.description.tokenizerFiles.find((f) => f.name === TOKENIZER_JSON);
  if (!file) return null;
  if (file.sha256 !== undefined) return `sha256:${file.sha256}`;
  if (file.gitSha1 !== undefined) return `git:${file.gitSha1}`;
  return null;
}

/**
 * What validation needs of each model's tokenizer. `read`: also read tokenizer.json to learn its
 * tokens (needed when identities are unknown or differ); otherwise only the listing is used.
 */
export async function vocabularyFacts(source: CheckpointSource, read: boolean, options?: ReadOptions): Promise<VocabularyFacts> {
  const listed = listedTokenizerIdentity(source);
  if (!read) return { identity: listed, vocabulary: null, bytesRead: 0 };
  const bytes = await source.readFile(TOKENIZER_JSON, options);
  if (bytes === null) return { identity: null, vocabulary: null, bytesRead: 0 };
  const identity = listed ?? (await sha256Id(bytes));
  let vocabulary: Vocabulary | null = null;
  try {
    vocabulary = parseVocabulary(JSON.parse(new TextDecoder().decode(bytes)));
  } catch {
    vocabulary = null;
  }
  return { identity, vocabulary, bytesRead: bytes.length };
}

export interface VocabularyComparison {
  /** `equal`: same id → text everywhere; `extends`: one adds ids past the other's end and agrees on the rest. */
  readonly relation: 'equal' | 'first-extends' | 'second-extends' | 'different';
  /** Ids present in both that stand for different text. */
  readonly conflicting: number;
  /** Ids in both. */
  readonly shared: number;
  /** A few conflicting ids with both texts, for messages. */
  readonly examples: readonly { readonly id: number; readonly first: string; readonly second: string }[];
  /** Tokens only the longer vocabulary has (a few, for messages). */
  readonly added: readonly string[];
}

export function compareVocabularies(first: Vocabulary, second: Vocabulary): VocabularyComparison {
  let conflicting = 0;
  let shared = 0;
  const examples: { id: number; first: string; second: string }[] = [];
  for (const [id, text] of first.tokens) {
    const other = second.tokens.get(id);
    if (other === undefined) continue;
    shared++;
    if (other !== text) {
      conflicting++;
      if (examples.length < 3) examples.push({ id, first: text, second: other });
    }
  }
  const onlyFirst = [...first.tokens].filter(([id]) => !second.tokens.has(id));
  const onlySecond = [...second.tokens].filter(([id]) => !first.tokens.has(id));
  let relation: VocabularyComparison['relation'] = 'different';
  if (conflicting === 0 && onlyFirst.length === 0 && onlySecond.length === 0) relation = 'equal';
  else if (conflicting === 0 && onlySecond.length === 0 && onlyFirst.every(([id]) => id >= second.size)) relation = 'first-extends';
  else if (conflicting === 0 && onlyFirst.length === 0 && onlySecond.every(([id]) => id >= first.size)) relation = 'second-extends';
  const longer = relation === 'first-extends' ? onlyFirst : onlySecond;
  return { relation, conflicting, shared, examples, added: longer.slice(0, 3).map(([, text]) => text) };
}
