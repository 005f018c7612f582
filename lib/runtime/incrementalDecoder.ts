import type { TextTokenizer } from '@/lib/formats/tokenizer';

/** The replacement character a byte-level tokenizer decodes an incomplete UTF-8 sequence to. */
const INCOMPLETE = '\uFFFD';

export interface IncrementalDecoder {
  /** Adds a generated token; returns the text it adds to the answer (possibly ''). */
  push(id: number): string;
  /** The decoded text of every token pushed so far. */
  readonly text: string;
  /** Text of `text` not yet returned by `push` (a character still incomplete at the end). */
  readonly pending: string;
}

/**
 * Turns generated tokens into the text each one adds, so an answer can be shown as it streams.
 * The pieces concatenate to the decoding of all the tokens, for tokenizers whose decoding of a
 * prefix is a prefix of the decoding (byte-level and character-level BPE). A token that ends in
 * the middle of a character adds nothing until a later token completes it.
 */
export function incrementalDecoder(tokenizer: Pick<TextTokenizer, 'decode'>): IncrementalDecoder {
  const ids: number[] = [];
  let text = '';
  let emitted = '';
  return {
    push(id) {
      ids.push(id);
      text = tokenizer.decode(ids);
      if (text.endsWith(INCOMPLETE) || !text.startsWith(emitted)) return '';
      const piece = text.slice(emitted.length);
      emitted = text;
      return piece;
    },
    get text() {
      return text;
    },
    get pending() {
      return text.startsWith(emitted) ? text.slice(emitted.length) : '';
    },
  };
}
