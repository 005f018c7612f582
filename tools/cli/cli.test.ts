import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseLlamaConfig } from '@/lib/formats/hfConfig';
import { loadSafetensors } from '@/lib/formats/safetensors';
import type { Recipe } from '@/lib/recipe/schema';
import { evaluate } from './eval';
import { mergeToFolder } from './merge';

const recipe: Recipe = {
  version: 1,
  name: 'upper-and-recall',
  stages: [
    {
      name: 'merged',
      merge_method: 'task_arithmetic',
      base_model: 'zoo-base',
      models: [
        { model: 'zoo-upper', parameters: { weight: 1 } },
        { model: 'zoo-recall', parameters: { weight: [1, 0.5, 1, 1] } },
      ],
      parameters: { lambda: 0.9 },
    },
  ],
};

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('npm run merge / npm run eval', () => {
  it('writes a Hugging Face folder whose model scores exactly like the in-memory merge', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'merge-cli-'));
    dirs.push(out);
    const { tensors } = await mergeToFolder(recipe, process.cwd(), out);
    const config = parseLlamaConfig(JSON.parse(await readFile(path.join(out, 'config.json'), 'utf8')));
    const weights = loadSafetensors(new Uint8Array(await readFile(path.join(out, 'model.safetensors'))));
    expect(weights.tensors.size).toBe(tensors);
    expect(weights.tensors.get('model.embed_tokens.weight')?.shape).toEqual([config.vocab_size, config.hidden_size]);
    const card = await readFile(path.join(out, 'README.md'), 'utf8');
    expect(card).toContain('base_model: zoo-base');
    expect(card).toContain('"merge_method": "task_arithmetic"');
    expect(JSON.parse(await readFile(path.join(out, 'tokenizer.json'), 'utf8')).model.type).toBe('BPE');

    const recipeFile = path.join(out, 'recipe.json');
    await import('node:fs/promises').then((fs) => fs.writeFile(recipeFile, JSON.stringify(recipe)));
    const fromFolder = await evaluate(out, 'dev');
    const fromRecipe = await evaluate(recipeFile, 'dev');
    expect(fromFolder.scores).toEqual(fromRecipe.scores);
    expect(fromFolder.scores.map((s) => s.total)).toEqual(fromFolder.scores.map(() => 120));
  });
});
