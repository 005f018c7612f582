/**
 * The bundled zoo as shipped: eval data that is right and disjoint, experts that know their
 * skill and a base that knows none, scores in index.json that the studio's own engine
 * reproduces, and a size that fits the repository.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseEvalIndex, parseEvalJsonl } from '@/lib/eval/evalSet';
import { Engine } from '@/lib/workers/engine';
import { nodeZooFiles, REPO_PUBLIC } from '@/lib/zoo/nodeZooFiles';
import { zooIndexSchema } from './zooIndex';

const read = (p: string) => readFileSync(path.join(REPO_PUBLIC, p), 'utf8');
const zoo = zooIndexSchema.parse(JSON.parse(read('models/index.json')));
const skills = parseEvalIndex(JSON.parse(read('evals/index.json'))).skills.map((s) => s.id);
const split = (skill: string, name: 'dev' | 'test') => parseEvalJsonl(read(`evals/${skill}.${name}.jsonl`));

/** What each skill's answer must be, recomputed from the prompt. */
const RULES: Record<string, (input: string) => string> = {
  add: (s) => {
    const [a, b] = s.split('+').map(Number);
    return String((a ?? NaN) + (b ?? NaN));
  },
  reverse: (s) => [...s].reverse().join(''),
  sort: (s) => [...s].sort().join(''),
  upper: (s) => s.toUpperCase(),
  count: (s) => {
    const [letter, text] = s.split(' in ');
    return String([...(text ?? '')].filter((c) => c === letter).length);
  },
  shift: (s) => [...s].map((c) => String.fromCharCode(((c.charCodeAt(0) - 97 + 1) % 26) + 97)).join(''),
};

function folderBytes(dir: string): number {
  return readdirSync(dir).reduce((total, entry) => {
    const full = path.join(dir, entry);
    const stat = statSync(full);
    return total + (stat.isDirectory() ? folderBytes(full) : stat.size);
  }, 0);
}

describe('zoo eval data', () => {
  it('has at least 200 test and 100 dev items per skill, with no prompt in both', () => {
    expect(skills.length).toBeGreaterThanOrEqual(6);
    for (const skill of skills) {
      const test = split(skill, 'test');
      const dev = split(skill, 'dev');
      expect(test.length).toBeGreaterThanOrEqual(200);
      expect(dev.length).toBeGreaterThanOrEqual(100);
      const devPrompts = new Set(dev.map((i) => i.prompt));
      expect(test.filter((i) => devPrompts.has(i.prompt))).toEqual([]);
    }
  });

  it('every answer is the skill applied to the prompt, in the one shared format', () => {
    for (const skill of skills) {
      const rule = RULES[skill];
      expect(rule, `a rule for ${skill}`).toBeDefined();
      for (const item of [...split(skill, 'dev'), ...split(skill, 'test')]) {
        const match = new RegExp(`^${skill}: (.*)=$`).exec(item.prompt);
        expect(match, item.prompt).not.toBeNull();
        expect(rule?.(match?.[1] ?? ''), item.prompt).toBe(item.answer);
      }
    }
  });

  it('fits in 40 MB with the models', () => {
    expect(folderBytes(path.join(REPO_PUBLIC, 'models')) + folderBytes(path.join(REPO_PUBLIC, 'evals'))).toBeLessThan(40 * 1024 * 1024);
  });
});

describe('zoo models, scored by the studio engine', () => {
  let engine: Engine;
  beforeAll(() => {
    ort.env.wasm.numThreads = 1;
    engine = new Engine(ort, nodeZooFiles(REPO_PUBLIC));
  });

  const experts = zoo.models.filter((m) => m.role === 'expert');
  it.each(experts.map((m) => [m.id, m.skill ?? ''] as const))('%s scores at least 90%% on its own skill (%s) and matches its card', async (id, skill) => {
    const { scores } = await engine.score('zoo', { target: { kind: 'zoo', id }, split: 'test', skills: [skill] });
    const own = scores[0]?.accuracy ?? 0;
    expect(own).toBeGreaterThanOrEqual(0.9);
    expect(Math.abs(own - (zoo.models.find((m) => m.id === id)?.scores[skill] ?? NaN))).toBeLessThanOrEqual(0.02);
  });

  it('the base scores at most 20% on every skill', async () => {
    const base = zoo.models.find((m) => m.role === 'base');
    if (!base) throw new Error('no base model in the zoo');
    const { scores } = await engine.score('zoo', { target: { kind: 'zoo', id: base.id }, split: 'test', skills });
    for (const s of scores) expect(s.accuracy, s.skill).toBeLessThanOrEqual(0.2);
  });
});
