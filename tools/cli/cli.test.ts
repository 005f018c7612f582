import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseLlamaConfig } from '@/lib/formats/hfConfig';
import { loadSafetensors } from '@/lib/formats/safetensors';
import type { MergePlan } from '@/lib/merge/planner';
import type { Recipe } from '@/lib/recipe/schema';
import { evaluate } from './eval';
import { loadRecipeFile, mergeToFolder } from './merge';
import { modelCard } from '@/lib/export/modelCard';

const recipe: Recipe = {
  version: 1,
  name: 'upper-and-shift',
  stages: [
    {
      name: 'merged',
      merge_method: 'task_arithmetic',
      base_model: 'zoo-base',
      models: [
        { model: 'zoo-upper', parameters: { weight: 1 } },
        { model: 'zoo-shift', parameters: { weight: [1, 0.5, 1, 1] } },
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
    expect(card).toContain('## Configuration');
    expect(card).toContain('```yaml\n# Merge Studio recipe "upper-and-shift"\n\nmerge_method: task_arithmetic\nbase_model: zoo-base\n');
    expect(card).not.toContain('```json');
    expect(JSON.parse(await readFile(path.join(out, 'tokenizer.json'), 'utf8')).model.type).toBe('BPE');

    const recipeFile = path.join(out, 'recipe.json');
    await import('node:fs/promises').then((fs) => fs.writeFile(recipeFile, JSON.stringify(recipe)));
    const fromFolder = await evaluate(out, 'dev');
    const fromRecipe = await evaluate(recipeFile, 'dev');
    expect(fromFolder.scores).toEqual(fromRecipe.scores);
    expect(fromFolder.scores.map((s) => s.total)).toEqual(fromFolder.scores.map(() => 120));
  });

  it('merges a mergekit YAML file exactly like the same recipe in JSON', async () => {
    const yamlFile = path.join(process.cwd(), 'lib/recipe/yaml/corpus/zoo-task-arithmetic.yml');
    const warnings: string[] = [];
    const fromYaml = await loadRecipeFile(yamlFile, (w) => warnings.push(w));
    expect(warnings).toEqual([]);
    const { name: _name, ...unnamed } = recipe;
    expect(fromYaml).toEqual(unnamed);

    const [jsonOut, yamlOut] = await Promise.all([1, 2].map(() => mkdtemp(path.join(os.tmpdir(), 'merge-cli-'))));
    dirs.push(jsonOut!, yamlOut!);
    await mergeToFolder(recipe, process.cwd(), jsonOut!);
    await mergeToFolder(fromYaml, path.dirname(yamlFile), yamlOut!);
    const bytes = (dir: string) => readFile(path.join(dir, 'model.safetensors'));
    expect((await bytes(yamlOut!)).equals(await bytes(jsonOut!))).toBe(true);
    const card = await readFile(path.join(yamlOut!, 'README.md'), 'utf8');
    expect(card).toContain('```yaml\nmerge_method: task_arithmetic\n');
    expect(card).toContain('      weight: [1, 0.5, 1, 1]\n');
  });

  it('tells JSON from YAML by extension or content, and reports YAML problems with file and line', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'merge-cli-'));
    dirs.push(dir);
    const yamlText = await readFile(path.join(process.cwd(), 'lib/recipe/yaml/corpus/zoo-task-arithmetic.yml'), 'utf8');
    await writeFile(path.join(dir, 'config'), yamlText);
    await writeFile(path.join(dir, 'recipe'), JSON.stringify(recipe));
    expect((await loadRecipeFile(path.join(dir, 'config'))).stages[0]!.merge_method).toBe('task_arithmetic');
    expect((await loadRecipeFile(path.join(dir, 'recipe'))).name).toBe('upper-and-shift');

    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, 'merge_method: task_arithmetic\nbase_model: zoo-base\nmodels:\n  - model: zoo-upper+zoo-lora+x\n');
    await expect(loadRecipeFile(bad)).rejects.toThrow(`${bad}:4: models[0].model: mergekit cannot parse "zoo-upper+zoo-lora+x": at most one "+"`);
    await writeFile(bad, 'merge_method: no_such_method\nbase_model: zoo-base\nmodels: [{model: zoo-upper}]\n');
    await expect(loadRecipeFile(bad)).rejects.toThrow(/unknown merge method "no_such_method"/);
    const warnings: string[] = [];
    await writeFile(bad, `${yamlText}chat_template: chatml\n`);
    await loadRecipeFile(bad, (w) => warnings.push(w));
    expect(warnings).toEqual([expect.stringMatching(/bad\.yaml:\d+: chat_template: dropped/)]);
  });

  it('embeds the JSON recipe in the card only when the mergekit YAML is lossy, with what it loses', () => {
    const plan = {
      output: 'merged',
      run: ['merged'],
      warnings: [],
      stages: [{ name: 'merged', method: 'dare_ties', baseModel: 'zoo-base', inputs: ['zoo-base', 'zoo-upper'], layerCount: 4 }],
    } as unknown as MergePlan;
    const seeded: Recipe = {
      version: 1,
      stages: [{ ...recipe.stages[0]!, merge_method: 'dare_ties', random_seed: 7 }],
    };
    const card = modelCard(seeded, plan);
    expect(card).toContain('## Configuration');
    expect(card).toContain('### Not expressible in mergekit');
    expect(card).toMatch(/- stage `merged`, `random_seed`: .*--random-seed 7/);
    expect(card).toContain('```json\n{\n  "version": 1,');
    expect(card).toContain('"random_seed": 7');
    const { random_seed: _seed, ...unseeded } = seeded.stages[0]!;
    expect(modelCard({ ...seeded, stages: [unseeded] }, plan)).not.toContain('```json');
  });
});
