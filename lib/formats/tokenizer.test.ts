import { describe, expect, it } from 'vitest';
import { loadTextTokenizer } from './tokenizer';
import { readZooJson } from '@/testing/zoo';

async function zooTokenizer(withConfig = true) {
  const tokenizerJson = await readZooJson('zoo-base', 'tokenizer.json');
  const configJson = withConfig ? await readZooJson('zoo-base', 'tokenizer_config.json') : undefined;
  return loadTextTokenizer(tokenizerJson, configJson);
}

describe('the zoo tokenizer', () => {
  it('encodes BOS then one id per character, and decodes back exactly', async () => {
    const tokenizer = await zooTokenizer();
    const text = 'add: 12+34=';
    const ids = tokenizer.encode(text);
    expect(tokenizer.bosId).not.toBeNull();
    expect(ids[0]).toBe(tokenizer.bosId);
    expect(ids).toHaveLength(text.length + 1);
    expect(ids.slice(1).map((id) => tokenizer.tokenText(id)).join('')).toBe(text);
    expect(tokenizer.decode(ids)).toBe(text);
  });

  it('decodes without inserting or removing spaces, with or without tokenizer_config.json', async () => {
    for (const tokenizer of [await zooTokenizer(true), await zooTokenizer(false)]) {
      for (const text of ['a , b . c ?', '  two  spaces ', "it 's", 'x\ny']) {
        expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
      }
      expect(tokenizer.decode([])).toBe('');
    }
  });

  it('knows its vocabulary', async () => {
    const tokenizer = await zooTokenizer();
    const config = (await readZooJson('zoo-base', 'config.json')) as { vocab_size: number; bos_token_id: number };
    expect(tokenizer.vocabSize).toBe(config.vocab_size);
    expect(tokenizer.bosId).toBe(config.bos_token_id);
    expect(tokenizer.tokenText(config.bos_token_id)).toBe('<s>');
    expect(() => tokenizer.tokenText(tokenizer.vocabSize)).toThrow(/outside the vocabulary/);
    expect(() => tokenizer.decode([-1])).toThrow(/outside the vocabulary/);
  });
});

describe('loadTextTokenizer', () => {
  const charLevel = {
    version: '1.0',
    added_tokens: [{ id: 0, content: '<bos>', special: true, single_word: false, lstrip: false, rstrip: false, normalized: false }],
    normalizer: null,
    pre_tokenizer: null,
    post_processor: null,
    decoder: { type: 'Fuse' },
    model: { type: 'BPE', vocab: { '<bos>': 0, a: 1, b: 2, ' ': 3 }, merges: [], unk_token: null },
  };

  it('finds no BOS when nothing adds one', () => {
    const tokenizer = loadTextTokenizer(charLevel);
    expect(tokenizer.bosId).toBeNull();
    expect(tokenizer.encode('ab a')).toEqual([1, 2, 3, 1]);
    expect(tokenizer.vocabSize).toBe(4);
  });

  it('takes the BOS named by tokenizer_config.json, as a string or an object', () => {
    expect(loadTextTokenizer(charLevel, { bos_token: '<bos>' }).bosId).toBe(0);
    expect(loadTextTokenizer(charLevel, { bos_token: { content: '<bos>' } }).bosId).toBe(0);
  });

  it('rejects what is not a tokenizer', () => {
    expect(() => loadTextTokenizer(null)).toThrow(/tokenizer.json must be a JSON object/);
    expect(() => loadTextTokenizer({ model: { type: 'Nope' } })).toThrow(/could not load tokenizer.json/);
    expect(() => loadTextTokenizer(charLevel, 'x')).toThrow(/tokenizer_config.json must be a JSON object/);
  });
});
