import { unzipSync } from 'fflate';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { parseLlamaConfig } from '@/lib/formats/hfConfig';
import { loadSafetensors, parseSafetensorsHeader } from '@/lib/formats/safetensors';
import { mergeMethodNames } from '@/lib/merge/registry';
import type { Recipe } from '@/lib/recipe/schema';
import { recipeFromMergekitYaml } from '@/lib/recipe/yaml';
import { Engine } from '@/lib/workers/engine';
import { nodeZooFiles, REPO_PUBLIC } from '@/lib/zoo/nodeZooFiles';
import { exportName, mergedModelZip, type ExportProgress } from './mergedModelZip';

const files = nodeZooFiles(REPO_PUBLIC);

function twoStageRecipe(dtype?: 'float16'): Recipe {
  return {
    version: 1,
    name: 'add upper & shift',
    stages: [
      {
        name: 'pair',
        merge_method: 'task_arithmetic',
        base_model: 'zoo-base',
        models: [
          { model: 'zoo-add', parameters: { weight: 1 } },
          { model: 'zoo-upper', parameters: { weight: [1, 0.5, 0.8, 1] } },
        ],
      },
      {
        name: 'final',
        merge_method: 'linear',
        models: [
          { model: 'pair', parameters: { weight: 0.7 } },
          { model: 'zoo-shift', parameters: { weight: 0.3 } },
        ],
        ...(dtype ? { dtype } : {}),
      },
    ],
  };
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

describe('merged model zip', () => {
  it('holds a Hugging Face folder whose tensors are the in-memory merge, bit for bit', async () => {
    const recipe = twoStageRecipe();
    const progress: ExportProgress[] = [];
    const zip = await mergedModelZip(recipe, files, (p) => progress.push(p));
    const entries = unzipSync(concat(zip.chunks));
    const folder = 'add-upper-shift';
    expect(zip.name).toBe(folder);
    const expectedFiles = ['model.safetensors', 'config.json', 'tokenizer.json', 'tokenizer_config.json', 'README.md', 'mergekit_config.yml'];
    expect(zip.files).toEqual(expectedFiles);
    expect(Object.keys(entries)).toEqual(expectedFiles.map((f) => `${folder}/${f}`));
    const file = (name: string) => entries[`${folder}/${name}`] ?? new Uint8Array();
    const text = (name: string) => new TextDecoder().decode(file(name));

    const config = parseLlamaConfig(JSON.parse(text('config.json')));
    expect(config.num_hidden_layers).toBe(4);
    expect(config.torch_dtype).toBe('float32');

    const header = parseSafetensorsHeader(file('model.safetensors'));
    expect(header.metadata).toEqual({ format: 'pt' });
    const merged = await new Engine(ort, files).resolve({ kind: 'merge', recipe, stage: 'final' });
    expect(header.entries.map((e) => e.name)).toEqual([...merged.weights.keys()]);
    const { tensors, dtypes } = loadSafetensors(file('model.safetensors'));
    for (const [name, expected] of merged.weights) {
      expect(tensors.get(name)?.shape).toEqual(expected.shape);
      expect(tensors.get(name)?.data).toEqual(expected.data);
      expect(dtypes.get(name)).toBe('F32');
    }

    const zooFile = async (name: string) => new Uint8Array(await files.bytes(`/models/zoo-base/${name}`));
    expect(file('tokenizer.json')).toEqual(await zooFile('tokenizer.json'));
    expect(file('tokenizer_config.json')).toEqual(await zooFile('tokenizer_config.json'));

    const card = text('README.md');
    // The output stage is a linear merge, without a base: the card's front matter names none.
    expect(card).toMatch(/^---\nlibrary_name: transformers\n/);
    expect(card).toContain('# add upper & shift\n');
    expect(card).toContain('## Configuration');
    const fromYaml = recipeFromMergekitYaml(text('mergekit_config.yml'), { methods: mergeMethodNames() });
    expect(fromYaml.ok && fromYaml.recipe.stages).toEqual(recipe.stages);
    expect(card).toContain(text('mergekit_config.yml').trimEnd());

    expect(progress[0]).toEqual({ phase: 'loading', done: 0, total: 4 });
    const merging = progress.filter((p) => p.phase === 'merging');
    expect(merging.at(-1)).toEqual({ phase: 'merging', done: merging.at(-1)?.total, total: merging.at(-1)?.total });
    expect(merging.map((p) => p.done)).toEqual([...merging.map((p) => p.done)].sort((a, b) => a - b));
  });

  it('stores the weights in the recipe dtype and says so in config.json', async () => {
    const zip = await mergedModelZip(twoStageRecipe('float16'), files);
    const entries = unzipSync(concat(zip.chunks));
    const config = JSON.parse(new TextDecoder().decode(entries[`${zip.name}/config.json`]));
    expect(config.torch_dtype).toBe('float16');
    const header = parseSafetensorsHeader(entries[`${zip.name}/model.safetensors`] ?? new Uint8Array());
    expect(new Set(header.entries.map((e) => e.dtype))).toEqual(new Set(['F16']));
  });

  it('names the folder after the recipe, else its output stage', () => {
    expect(exportName({ version: 1, stages: [{ name: 'merge-1', merge_method: 'linear', models: [{ model: 'zoo-add' }] }] })).toBe('merge-1');
    expect(exportName({ ...twoStageRecipe(), name: '../../etc' })).toBe('etc');
    expect(exportName({ ...twoStageRecipe(), name: '***' })).toBe('merged-model');
  });
});
