import { describe, expect, it } from 'vitest';
import { evalFileName, parseEvalIndex, parseEvalJsonl } from './evalSet';

describe('parseEvalJsonl', () => {
  it('reads one item per line and skips blank lines', () => {
    const text = '{"prompt": "add: 1+2=", "answer": "3"}\n\n{"prompt": "upper: ab=", "answer": "AB"}\n';
    expect(parseEvalJsonl(text)).toEqual([
      { prompt: 'add: 1+2=', answer: '3' },
      { prompt: 'upper: ab=', answer: 'AB' },
    ]);
  });

  it('names the line of invalid JSON', () => {
    const text = '{"prompt": "a=", "answer": "1"}\n{"prompt": "b=", "answer": \n';
    expect(() => parseEvalJsonl(text, 'add.test.jsonl')).toThrow(/^add\.test\.jsonl, line 2: not valid JSON/);
  });

  it('names the line and the field of a wrong shape', () => {
    const text = '{"prompt": "a=", "answer": "1"}\n{"prompt": "b=", "answer": "2"}\n{"prompt": "c=", "answer": 3}\n';
    expect(() => parseEvalJsonl(text)).toThrow(/^eval set, line 3: expected \{"prompt": string, "answer": string\}: "answer"/);
    expect(() => parseEvalJsonl('{"answer": "1"}')).toThrow(/line 1: .*"prompt"/);
    expect(() => parseEvalJsonl('{"prompt": "", "answer": "1"}')).toThrow(/line 1: .*"prompt" must not be empty/);
    expect(() => parseEvalJsonl('[1, 2]')).toThrow(/line 1/);
  });
});

describe('parseEvalIndex', () => {
  it('reads the skills list and rejects a broken one', () => {
    const index = parseEvalIndex({ skills: [{ id: 'add', description: 'Adds.', splits: { test: 250, dev: 120 }, examples: ['add: 1+2='] }] });
    expect(index.skills.map((s) => s.id)).toEqual(['add']);
    expect(() => parseEvalIndex({ skills: [{ description: 'no id' }] })).toThrow(/skills\.0\.id/);
    expect(evalFileName('add', 'dev')).toBe('add.dev.jsonl');
  });
});
