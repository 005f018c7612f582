import { describe, expect, it } from 'vitest';
import { formatHubReference, parseHubReference, repoIdProblem } from './hubReference';

describe('parseHubReference', () => {
  it('reads ids, ids with a revision, and model page URLs', () => {
    expect(parseHubReference('HuggingFaceTB/SmolLM2-135M')).toEqual({ repo: 'HuggingFaceTB/SmolLM2-135M', revision: null });
    expect(parseHubReference(' Qwen/Qwen2.5-0.5B@v1.0 ')).toEqual({ repo: 'Qwen/Qwen2.5-0.5B', revision: 'v1.0' });
    const sha = '0123456789abcdef0123456789abcdef01234567';
    expect(parseHubReference(`org/name@${sha}`).revision).toBe(sha);
    expect(parseHubReference('https://huggingface.co/org/name')).toEqual({ repo: 'org/name', revision: null });
    expect(parseHubReference('https://huggingface.co/org/name/tree/dev')).toEqual({ repo: 'org/name', revision: 'dev' });
    expect(parseHubReference('https://huggingface.co/org/name/tree/refs%2Fpr%2F3')).toEqual({ repo: 'org/name', revision: 'refs/pr/3' });
    expect(parseHubReference(`https://hf.co/org/name/blob/${sha}/config.json`)).toEqual({ repo: 'org/name', revision: sha });
    expect(parseHubReference('huggingface.co/org/name/resolve/main/model.safetensors')).toEqual({ repo: 'org/name', revision: 'main' });
    expect(parseHubReference('https://huggingface.co/org/name/discussions')).toEqual({ repo: 'org/name', revision: null });
  });

  it('accepts URLs of the configured hub only, so a token never goes elsewhere', () => {
    expect(parseHubReference('http://127.0.0.1:9999/org/name/tree/main', 'http://127.0.0.1:9999')).toEqual({ repo: 'org/name', revision: 'main' });
    expect(() => parseHubReference('https://huggingface.co/org/name', 'http://127.0.0.1:9999')).toThrow(
      'the link points at https://huggingface.co, but the hub is http://127.0.0.1:9999; set the hub address to https://huggingface.co to open it',
    );
    expect(() => parseHubReference('https://evil.example/org/name')).toThrow(/points at https:\/\/evil\.example/);
  });

  it('explains what is wrong', () => {
    expect(() => parseHubReference('')).toThrow('enter a hub model id (org/name) or a model page URL');
    expect(() => parseHubReference('gpt2')).toThrow('"gpt2" is not a hub model id: write it as org/name');
    expect(() => parseHubReference('a/b/c')).toThrow('write it as org/name');
    expect(() => parseHubReference('org/na me')).toThrow(/"na me" may hold letters/);
    expect(() => parseHubReference('org/a--b')).toThrow(/not "--"/);
    expect(() => parseHubReference('org/name@')).toThrow(/no usable revision/);
    expect(() => parseHubReference('https://huggingface.co/datasets/org/name')).toThrow('the link is to a dataset, not a model');
    expect(() => parseHubReference('https://huggingface.co/org')).toThrow(/does not name a model/);
    expect(repoIdProblem('org/name')).toBeNull();
  });

  it('writes a reference back as org/name[@revision]', () => {
    expect(formatHubReference({ repo: 'org/name', revision: null })).toBe('org/name');
    expect(formatHubReference(parseHubReference('org/name@dev'))).toBe('org/name@dev');
  });
});
