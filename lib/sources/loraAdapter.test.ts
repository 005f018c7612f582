import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSafetensors } from '@/lib/formats/safetensors';
import { llamaCheckpointFamily, tinyLlamaConfig, writeCheckpoint, writeLoraAdapter, type LoraAdapterSpec } from '@/testing/checkpoints';
import { sourceFailure } from '@/testing/sourceFailure';
import type { NamedTensors } from '@/lib/tensors/tensor';
import { ReadLedger } from './byteReader';
import { openCheckpoint, type CheckpointSource } from './checkpointSource';
import { addLowRankProduct, openLoraAdapter, loraSource, type LoraView } from './loraAdapter';
import { folderModelFiles } from './nodeModelFiles';

let root: string;
let baseDir: string;
let base: NamedTensors;
const config = tinyLlamaConfig();

async function load(file: string): Promise<NamedTensors> {
  return loadSafetensors(new Uint8Array(await readFile(file))).tensors;
}

/**
 * The dense reference, in float64, straight from PEFT's definition: for every module with
 * lora_A/lora_B, delta = scale · B @ A (transposed for embeddings and fan_in_fan_out), scale =
 * alpha / r or alpha / sqrt(r); whole tensors replace the base's.
 */
function denseReference(adapter: NamedTensors, settings: { alpha: number; r: number; rslora: boolean; fanInFanOut: boolean; rankPattern?: Record<string, number>; alphaPattern?: Record<string, number> }, view: LoraView): Map<string, Float64Array> {
  const out = new Map<string, Float64Array>();
  for (const [name, t] of base) {
    const data = Float64Array.from(view === 'full' ? t.data : new Float32Array(t.data.length));
    const module = name.slice(0, -'.weight'.length);
    const a = adapter.get(`base_model.model.${module}.lora_A.weight`) ?? adapter.get(`base_model.model.${module}.lora_embedding_A`);
    const b = adapter.get(`base_model.model.${module}.lora_B.weight`) ?? adapter.get(`base_model.model.${module}.lora_embedding_B`);
    const replaced = adapter.get(`base_model.model.${name}`);
    if (replaced) {
      for (let i = 0; i < data.length; i++) data[i] = replaced.data[i]! - (view === 'full' ? 0 : t.data[i]!);
    } else if (a && b) {
      const leaf = module.split('.').pop()!;
      const r = settings.rankPattern?.[leaf] ?? settings.r;
      const alpha = settings.alphaPattern?.[leaf] ?? settings.alpha;
      const scale = settings.rslora ? alpha / Math.sqrt(r) : alpha / r;
      const [rows, rank] = b.shape as [number, number];
      const cols = a.shape[1]!;
      const transposed = leaf === 'embed_tokens' || settings.fanInFanOut;
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          let sum = 0;
          for (let k = 0; k < rank; k++) sum += b.data[i * rank + k]! * a.data[k * cols + j]!;
          data[transposed ? j * rows + i : i * cols + j]! += scale * sum;
        }
      }
    }
    out.set(name, data);
  }
  return out;
}

function maxDifference(a: Float32Array, b: Float64Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

async function adapterOver(spec: Partial<LoraAdapterSpec> & { name: string }, view: LoraView = 'full'): Promise<{ source: CheckpointSource; tensors: NamedTensors }> {
  const dir = path.join(root, spec.name);
  await writeLoraAdapter(dir, { family: llamaCheckpointFamily, baseConfig: config, baseModel: 'test/base', r: 4, alpha: 8, targetModules: ['q_proj', 'v_proj'], seed: 11, ...spec });
  const adapter = await openLoraAdapter(await folderModelFiles(dir, spec.name));
  const source = loraSource(await openCheckpoint(await folderModelFiles(baseDir, 'base')), adapter, view);
  return { source, tensors: await load(path.join(dir, 'adapter_model.safetensors')) };
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'lora-'));
  baseDir = path.join(root, 'base');
  await writeCheckpoint(baseDir, { family: llamaCheckpointFamily, config, seed: 3 });
  base = await load(path.join(baseDir, 'model.safetensors'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('LoRA adapters as sources', () => {
  const cases: { title: string; spec: Partial<LoraAdapterSpec> & { name: string }; settings: Parameters<typeof denseReference>[1] }[] = [
    { title: 'q/v projections, alpha / r', spec: { name: 'plain' }, settings: { alpha: 8, r: 4, rslora: false, fanInFanOut: false } },
    {
      title: 'rsLoRA, per-module rank and alpha, embeddings, modules_to_save, bf16',
      spec: {
        name: 'rich',
        useRslora: true,
        targetModules: ['q_proj', 'v_proj', 'down_proj', 'embed_tokens'],
        rankPattern: { down_proj: 2 },
        alphaPattern: { v_proj: 3 },
        modulesToSave: ['lm_head'],
        dtype: 'BF16',
      },
      settings: { alpha: 8, r: 4, rslora: true, fanInFanOut: false, rankPattern: { down_proj: 2 }, alphaPattern: { v_proj: 3 } },
    },
    { title: 'fan_in_fan_out (Conv1D layout)', spec: { name: 'conv1d', fanInFanOut: true, targetModules: ['q_proj'] }, settings: { alpha: 8, r: 4, rslora: false, fanInFanOut: true } },
  ];
  for (const { title, spec, settings } of cases) {
    for (const view of ['full', 'delta'] as const) {
      it(`computes ${view === 'full' ? 'W + scale·B·A' : 'scale·B·A'} like the dense reference: ${title}`, async () => {
        const { source, tensors } = await adapterOver({ ...spec, name: `${spec.name}-${view}` }, view);
        const reference = denseReference(tensors, settings, view);
        expect(source.tensorNames()).toEqual([...base.keys()]);
        let changed = 0;
        for (const name of source.tensorNames()) {
          const read = await source.readTensor(name);
          expect(read.shape).toEqual(base.get(name)!.shape);
          expect(maxDifference(read.data, reference.get(name)!)).toBeLessThan(1e-6);
          if (maxDifference(base.get(name)!.data, reference.get(name)!) > 0 && view === 'full') changed++;
        }
        if (view === 'full') expect(changed).toBe(spec.name === 'rich' ? 2 * 2 + 2 + 1 + 1 : spec.name === 'conv1d' ? 2 : 4);
        expect(source.description.kind).toBe('lora');
        expect(source.description.adapter).toMatchObject({ baseModel: 'test/base', view });
        await source.close();
      });
    }
  }

  it('materialises only the tensor being read: base bytes of that tensor and its A and B', async () => {
    const dir = path.join(root, 'ledger');
    await writeLoraAdapter(dir, { family: llamaCheckpointFamily, baseConfig: config, baseModel: 'test/base', r: 4, alpha: 8, targetModules: ['q_proj'], seed: 2 });
    const ledger = new ReadLedger();
    const baseSource = await openCheckpoint(await folderModelFiles(baseDir, 'base'), { ledger });
    const adapter = await openLoraAdapter(await folderModelFiles(dir, 'adapter'), { ledger });
    const delta = loraSource(baseSource, adapter, 'delta');
    const opened = ledger.bytes;
    await delta.readTensor('model.layers.0.mlp.up_proj.weight');
    expect(ledger.bytes).toBe(opened); // untouched by the adapter: zeros, nothing read
    await delta.readTensor('model.layers.1.self_attn.q_proj.weight');
    // A [4, 32] and B [32, 4] in F32; a delta does not read the base.
    expect(ledger.bytes - opened).toBe(2 * 4 * 32 * 4);
    const full = loraSource(baseSource, adapter, 'full');
    const before = ledger.bytes;
    await full.readTensor('model.layers.1.self_attn.q_proj.weight');
    expect(ledger.bytes - before).toBe(32 * 32 * 4 + 2 * 4 * 32 * 4);
    await full.close();
  });

  it('refuses an adapter over a model that is not its base, naming the tensor', async () => {
    const otherDir = path.join(root, 'wider');
    await writeCheckpoint(otherDir, { family: llamaCheckpointFamily, config: tinyLlamaConfig({ hidden_size: 64, head_dim: 16 }), seed: 1 });
    const dir = path.join(root, 'mismatch');
    await writeLoraAdapter(dir, { family: llamaCheckpointFamily, baseConfig: config, baseModel: 'test/base', r: 4, alpha: 8, targetModules: ['q_proj'], seed: 2 });
    const adapter = await openLoraAdapter(await folderModelFiles(dir, 'my-adapter'));
    const other = await openCheckpoint(await folderModelFiles(otherDir, 'wider'));
    expect(() => loraSource(other, adapter)).toThrow(
      'my-adapter was trained on a model whose model.layers.0.self_attn.q_proj.weight is [32, 32]; in wider it is [64, 64]: it is not this adapter\'s base',
    );
    await Promise.all([other.close(), adapter.close()]);
  });

  it('refuses what it cannot apply: DoRA, PyTorch weights, other PEFT types', async () => {
    const refusal = async (name: string, extraConfig: Record<string, unknown>, edit?: (dir: string) => Promise<void>) => {
      const dir = path.join(root, name);
      await writeLoraAdapter(dir, { family: llamaCheckpointFamily, baseConfig: config, baseModel: 'b', r: 2, alpha: 2, targetModules: ['q_proj'], seed: 1, extraConfig });
      await edit?.(dir);
      return (await sourceFailure(openLoraAdapter(await folderModelFiles(dir, name)))).message;
    };
    expect(await refusal('dora', { use_dora: true })).toContain('dora is a DoRA adapter (use_dora)');
    expect(await refusal('ia3', { peft_type: 'IA3' })).toBe('ia3 is a IA3 adapter; the studio applies LoRA adapters only');
    expect(
      await refusal('bin', {}, async (dir) => {
        await rm(path.join(dir, 'adapter_model.safetensors'));
        await writeFile(path.join(dir, 'adapter_model.bin'), 'x');
      }),
    ).toContain('adapter_model.bin (PyTorch)');
    expect(
      await refusal('rank', {}, async (dir) => {
        const cfg = JSON.parse(await readFile(path.join(dir, 'adapter_config.json'), 'utf8'));
        await writeFile(path.join(dir, 'adapter_config.json'), JSON.stringify({ ...cfg, r: 8 }));
      }),
    ).toContain('has rank 2 in its weights but 8 in adapter_config.json');
  });

  it('adds a low-rank product in either layout', () => {
    // B = [[1], [2]] (2×1), A = [[3, 4, 5]] (1×3): B·A = [[3, 4, 5], [6, 8, 10]].
    const plain = new Float32Array(6);
    addLowRankProduct(plain, Float32Array.of(1, 2), Float32Array.of(3, 4, 5), 2, 1, 3, 0.5, false);
    expect([...plain]).toEqual([1.5, 2, 2.5, 3, 4, 5]);
    const transposed = new Float32Array(6);
    addLowRankProduct(transposed, Float32Array.of(1, 2), Float32Array.of(3, 4, 5), 2, 1, 3, 1, true);
    expect([...transposed]).toEqual([3, 6, 4, 8, 5, 10]);
  });
});
