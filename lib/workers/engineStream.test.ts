import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseEvalJsonl } from '@/lib/eval/evalSet';
import type { Recipe } from '@/lib/recipe/schema';
import { createLlamaRuntime } from '@/lib/runtime/llamaRuntime';
import { nodeZooFiles, REPO_PUBLIC } from '@/lib/zoo/nodeZooFiles';
import { Engine } from './engine';
import { isSuperseded, type Decoding, type ModelTarget, type StreamedToken } from './engineApi';

const MAX_NEW_TOKENS = 24;
const merge: ModelTarget = {
  kind: 'merge',
  recipe: {
    version: 1,
    stages: [
      {
        name: 'm',
        merge_method: 'task_arithmetic',
        base_model: 'zoo-base',
        models: [
          { model: 'zoo-add', parameters: { weight: 1 } },
          { model: 'zoo-upper', parameters: { weight: 1 } },
        ],
      },
    ],
  } satisfies Recipe,
  stage: 'm',
};
const upper: ModelTarget = { kind: 'zoo', id: 'zoo-upper' };

function devItems(skill: string, count: number) {
  return parseEvalJsonl(readFileSync(`${REPO_PUBLIC}/evals/${skill}.dev.jsonl`, 'utf8')).slice(0, count);
}

async function stream(engine: Engine, target: ModelTarget, prompt: string, decoding?: Decoding, channel = 'stream') {
  const received: StreamedToken[] = [];
  const answer = await engine.generateStream(channel, { target, prompt, maxNewTokens: MAX_NEW_TOKENS, ...(decoding ? { decoding } : {}) }, (token) => {
    received.push(token);
  });
  return { answer, received };
}

let engine: Engine;
beforeAll(() => {
  ort.env.wasm.numThreads = 1;
  engine = new Engine(ort, nodeZooFiles(REPO_PUBLIC));
});

describe('streamed generation', () => {
  it('delivers the tokens in order, and they spell the answer generate() gives', async () => {
    for (const target of [merge, upper]) {
      for (const item of [...devItems('add', 3), ...devItems('upper', 3)]) {
        const { answer, received } = await stream(engine, target, item.prompt);
        const plain = await engine.generate('plain', { targets: [target], prompt: item.prompt, maxNewTokens: MAX_NEW_TOKENS });
        expect(received.map((t) => t.index)).toEqual(received.map((_, i) => i));
        expect(received).toEqual(answer.tokens);
        expect(received.map((t) => t.text).join('')).toBe(plain.outputs[0]?.text);
        expect({ text: answer.text, finished: answer.finished }).toEqual(plain.outputs[0]);
        expect(received.length).toBeGreaterThan(0);
      }
    }
  });

  it('greedy is what the runtime generates greedily, token for token and probability for probability', async () => {
    const { weights, model } = await engine.resolve(merge);
    const runtime = await createLlamaRuntime(ort, model.config);
    runtime.setWeights(weights);
    const newline = model.tokenizer.encode('\n').at(-1) ?? -1;
    for (const item of devItems('add', 4)) {
      const [sequence] = await runtime.generateGreedy([model.tokenizer.encode(item.prompt)], { maxNewTokens: MAX_NEW_TOKENS, stopTokenId: newline });
      const tokens = sequence?.stopped ? sequence.tokens.slice(0, -1) : (sequence?.tokens ?? []);
      const { answer } = await stream(engine, merge, item.prompt, { mode: 'greedy' });
      expect(answer.tokens.map((t) => t.id)).toEqual(tokens);
      expect(answer.tokens.map((t) => t.probability)).toEqual(sequence?.probs.slice(0, tokens.length));
      expect(answer.text).toBe(model.tokenizer.decode(tokens));
      expect(answer.finished).toBe(sequence?.stopped);
    }
    await runtime.close();
    // The merge keeps the upper expert's skill (100% of it on test): the greedy answer is the right one.
    const [first] = devItems('upper', 1);
    expect((await stream(engine, merge, first?.prompt ?? '')).answer.text).toBe(first?.answer);
  });

  it('samples deterministically from the seed', async () => {
    const prompt = 'reverse: studio=';
    const sampling = (seed: number): Decoding => ({ mode: 'sample', temperature: 1.5, topK: 0, seed });
    const first = await stream(engine, merge, prompt, sampling(42));
    const again = await stream(engine, merge, prompt, sampling(42));
    expect(again.answer).toEqual({ ...first.answer, mergeMs: again.answer.mergeMs, generateMs: again.answer.generateMs });
    expect(again.received).toEqual(first.received);
    const plain = await engine.generate('plain', { targets: [merge], prompt, maxNewTokens: MAX_NEW_TOKENS, decoding: sampling(42) });
    expect(plain.outputs[0]?.text).toBe(first.answer.text);

    // Sampling does sample: other seeds give other answers than greedy decoding.
    const greedy = (await stream(engine, merge, prompt)).answer.text;
    const others = new Set<string>();
    for (const seed of [1, 2, 3, 4, 5]) others.add((await stream(engine, merge, prompt, sampling(seed))).answer.text);
    expect([...others].some((text) => text !== greedy)).toBe(true);
    // Top-k 1 keeps only the most likely token: greedy again, whatever the temperature and seed.
    expect((await stream(engine, merge, prompt, { mode: 'sample', temperature: 2, topK: 1, seed: 9 })).answer.text).toBe(greedy);
  });

  it('a newer request on the channel stops the older stream after the token it was delivering', async () => {
    const prompt = 'upper: studio=';
    const full = await stream(engine, upper, prompt);
    expect(full.answer.tokens.length).toBeGreaterThan(3);

    const older: StreamedToken[] = [];
    let newer: ReturnType<typeof stream> | undefined;
    const first = engine.generateStream('preview', { target: upper, prompt, maxNewTokens: MAX_NEW_TOKENS }, (token) => {
      older.push(token);
      if (token.index === 1) newer = stream(engine, upper, prompt, undefined, 'preview');
    });
    const [a] = await Promise.allSettled([first]);
    expect(a.status === 'rejected' && isSuperseded(a.reason)).toBe(true);
    expect(older.map((t) => t.index)).toEqual([0, 1]);
    const second = await newer;
    expect(second?.answer.text).toBe(full.answer.text);
    expect(second?.received).toEqual(full.received);
  });
});

describe('streams and scores together', () => {
  it('a stream requested while a score runs (as a message would arrive) answers between score batches', async () => {
    const request = { target: upper, split: 'dev' as const, skills: ['add', 'upper', 'sort'] };
    await engine.score('warm-up', { ...request, skills: ['add'] });
    await stream(engine, upper, 'upper: warm=');
    const finished: string[] = [];
    let answered: Promise<unknown> | undefined;
    const scored = engine.score('scores', request, ({ done }) => {
      if (done > 0 || answered) return;
      setTimeout(() => {
        answered = stream(engine, upper, 'upper: studio=', undefined, 'preview').then(() => finished.push('stream'));
      }, 0);
    });
    await scored.then(() => finished.push('score'));
    await answered;
    expect(finished).toEqual(['stream', 'score']);
  });
});
