/**
 * The corpus (./corpus): mergekit-style recipes written for these tests, one per common
 * method and syntax. Every file must read without warnings and survive
 * YAML → recipe → YAML → recipe unchanged.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { Recipe } from '../schema';
import { mergekitYamlFromRecipe } from './mergekitYamlExport';
import { formatMergekitYamlIssues, recipeFromMergekitYaml } from './mergekitYamlImport';
import { pyYamlTags } from './pyYamlTags';

const CORPUS = fileURLToPath(new URL('./corpus/', import.meta.url));
const files = readdirSync(CORPUS)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();

function text(file: string): string {
  return readFileSync(`${CORPUS}${file}`, 'utf8');
}

function read(yaml: string): Recipe {
  const r = recipeFromMergekitYaml(yaml);
  if (!r.ok) throw new Error(formatMergekitYamlIssues(r.issues));
  expect(r.warnings).toEqual([]);
  return r.recipe;
}

/** The documents as PyYAML would load them, keyed by merge name. */
function documents(yaml: string): Map<string, unknown> {
  const docs = parseAllDocuments(yaml, { version: '1.1', customTags: pyYamlTags });
  if (!Array.isArray(docs)) return new Map();
  return new Map(
    docs
      .map((d) => d.toJS() as Record<string, unknown> | null)
      .filter((d): d is Record<string, unknown> => d !== null)
      .map((d) => [String(d.name ?? ''), d]),
  );
}

const KEY_ORDER = ['name', 'merge_method', 'base_model', 'models', 'slices', 'parameters', 'dtype', 'tokenizer_source'];

describe('mergekit YAML corpus', () => {
  it('holds the recipes people share, one per common method', () => {
    expect(files.length).toBeGreaterThanOrEqual(12);
    const methods = new Set(files.flatMap((f) => read(text(f)).stages.map((s) => s.merge_method)));
    for (const m of ['linear', 'task_arithmetic', 'ties', 'dare_ties', 'slerp', 'passthrough', 'breadcrumbs', 'della', 'model_stock', 'nuslerp']) {
      expect(methods, m).toContain(m);
    }
    expect(files.some((f) => read(text(f)).stages.length > 1)).toBe(true);
  });

  describe.each(files)('%s', (file) => {
    const original = text(file);

    it('round-trips: YAML → recipe → YAML → recipe is the identity, and the export is stable', () => {
      const recipe = read(original);
      const exported = mergekitYamlFromRecipe(recipe);
      expect(exported.unsupported).toEqual([]);
      const again = read(exported.yaml);
      expect(again).toEqual(recipe);
      expect(mergekitYamlFromRecipe(again).yaml).toBe(exported.yaml);
    });

    it('exports what mergekit reads from the original, keys in hand-written order', () => {
      const exported = mergekitYamlFromRecipe(read(original)).yaml;
      const before = documents(original);
      const after = documents(exported);
      expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
      for (const [name, doc] of before) expect(after.get(name), name).toEqual(doc);
      for (const doc of after.values()) {
        const keys = Object.keys(doc as object);
        expect(keys).toEqual(KEY_ORDER.filter((k) => keys.includes(k)));
      }
    });
  });

  it('maps the SLERP recipe by hand: slices, a t filter list over self_attn/mlp with gradients', () => {
    expect(read(text('slerp.yml'))).toEqual({
      version: 1,
      stages: [
        {
          name: 'merged',
          merge_method: 'slerp',
          base_model: 'OpenPipe/mistral-ft-optimized-1218',
          slices: [
            {
              sources: [
                { model: 'OpenPipe/mistral-ft-optimized-1218', layer_range: [0, 32] },
                { model: 'mlabonne/NeuralHermes-2.5-Mistral-7B', layer_range: [0, 32] },
              ],
            },
          ],
          parameters: {
            t: [
              { filter: 'self_attn', value: [0, 0.5, 0.3, 0.7, 1] },
              { filter: 'mlp', value: [1, 0.5, 0.7, 0.3, 0] },
              { value: 0.5 },
            ],
          },
          dtype: 'bfloat16',
        },
      ],
    });
    expect(mergekitYamlFromRecipe(read(text('slerp.yml'))).yaml).toBe(`merge_method: slerp
base_model: OpenPipe/mistral-ft-optimized-1218
slices:
  - sources:
      - model: OpenPipe/mistral-ft-optimized-1218
        layer_range: [0, 32]
      - model: mlabonne/NeuralHermes-2.5-Mistral-7B
        layer_range: [0, 32]
parameters:
  t:
    - filter: self_attn
      value: [0, 0.5, 0.3, 0.7, 1]
    - filter: mlp
      value: [1, 0.5, 0.7, 0.3, 0]
    - value: 0.5
dtype: bfloat16
`);
  });

  it('maps the TIES recipe by hand: the base listed without parameters, density and weight gradients', () => {
    const stage = read(text('ties.yml')).stages[0]!;
    expect(stage.merge_method).toBe('ties');
    expect(stage.base_model).toBe('mistralai/Mistral-7B-v0.1');
    expect(stage.models).toEqual([
      { model: 'mistralai/Mistral-7B-v0.1' },
      { model: 'OpenPipe/mistral-ft-optimized-1218', parameters: { density: [1, 0.7, 0.1], weight: 1 } },
      { model: 'mlabonne/NeuralHermes-2.5-Mistral-7B', parameters: { density: 0.5, weight: [0, 0.3, 0.7, 1] } },
    ]);
    expect(stage.parameters).toEqual({ normalize: true, int8_mask: true });
  });

  it('maps the passthrough frankenmerge by hand: stacked ranges and a per-source filter list', () => {
    const stage = read(text('passthrough-frankenmerge.yml')).stages[0]!;
    expect(stage.slices!.map((s) => s.sources.map((src) => [src.model, src.layer_range]))).toEqual([
      [['NousResearch/Meta-Llama-3-8B-Instruct', [0, 24]]],
      [['mlabonne/OrpoLlama-3-8B', [8, 24]]],
      [['NousResearch/Meta-Llama-3-8B-Instruct', [24, 32]]],
    ]);
    expect(stage.slices![2]!.sources[0]!.parameters).toEqual({
      scale: [{ filter: 'o_proj', value: 0.5 }, { filter: 'down_proj', value: 0.5 }, { value: 1 }],
    });
  });

  it('maps the mergekit-multi files by hand: names, references, dependency order', () => {
    const multi = read(text('multi-stage.yml'));
    expect(multi.stages.map((s) => [s.name, s.merge_method])).toEqual([
      ['first-merge', 'linear'],
      ['merged', 'dare_ties'],
    ]);
    expect(multi.stages[1]!.models![0]).toEqual({ model: 'first-merge', parameters: { density: 0.6, weight: 0.5 } });
    expect(multi.stages[1]!.tokenizer_source).toBe('base');
    expect(multi.output).toBeUndefined();

    const named = read(text('multi-stage-named.yml'));
    expect(named.stages.map((s) => s.name)).toEqual(['math-and-code', 'chat', 'final']);
    expect(named.stages[2]).toEqual({
      name: 'final',
      merge_method: 'slerp',
      base_model: 'math-and-code',
      models: [{ model: 'math-and-code' }, { model: 'chat' }],
      parameters: { t: [0.2, 0.5, 0.2] },
    });
  });

  it('keeps exponent floats readable by PyYAML', () => {
    const exported = mergekitYamlFromRecipe(read(text('della_linear-slices.yml'))).yaml;
    expect(exported).toContain('value: 0.00001');
    const tiny = mergekitYamlFromRecipe({
      version: 1,
      stages: [{ name: 'merged', merge_method: 'della', base_model: 'b', models: [{ model: 'a', parameters: { weight: 1, epsilon: 1e-7 } }] }],
    }).yaml;
    expect(tiny).toContain('epsilon: 1.0e-7');
  });
});
