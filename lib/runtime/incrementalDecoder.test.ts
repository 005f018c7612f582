import { describe, expect, it } from 'vitest';
import { incrementalDecoder } from './incrementalDecoder';

/** A byte-level tokenizer: token id = one UTF-8 byte; incomplete characters decode to U+FFFD. */
const bytes = { decode: (ids: readonly number[]) => new TextDecoder().decode(Uint8Array.from(ids)) };

describe('incrementalDecoder', () => {
  it('gives each token the text it adds, holding back a character until its last byte', () => {
    const decoder = incrementalDecoder(bytes);
    const ids = [...new TextEncoder().encode('a€b')]; // € is three bytes
    expect(ids.map((id) => decoder.push(id))).toEqual(['a', '', '', '€', 'b']);
    expect(decoder.text).toBe('a€b');
    expect(decoder.pending).toBe('');
  });

  it('reports a character still incomplete at the end as pending', () => {
    const decoder = incrementalDecoder(bytes);
    const pieces = [0x61, 0xe2, 0x82].map((id) => decoder.push(id));
    expect(pieces).toEqual(['a', '', '']);
    expect(decoder.text).toBe('a\uFFFD');
    expect(pieces.join('') + decoder.pending).toBe(decoder.text);
  });
});
