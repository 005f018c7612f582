import { mkdtemp, readFile, rm, writeFile, truncate } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HubClient } from '@/lib/hub/hubClient';
import { loadSafetensors } from '@/lib/formats/safetensors';
import { llamaCheckpointFamily, tinyLlamaConfig, writeCheckpoint, type WrittenCheckpoint } from '@/testing/checkpoints';
import { startHubServer, type HubServer } from '@/testing/hubServer';
import { sourceFailure } from '@/testing/sourceFailure';
import type { StorageDType, Tensor } from '@/lib/tensors/tensor';
import { ReadLedger } from './byteReader';
import { openCheckpoint, type CheckpointSource } from './checkpointSource';
import { folderModelFiles } from './nodeModelFiles';

let root: string;
let hub: HubServer;
const written = new Map<string, WrittenCheckpoint>();
const client = () => new HubClient({ endpoint: hub.endpoint, retryDelayMs: 0 });

const VARIANTS: { id: string; dtype: StorageDType; shards: number }[] = [
  { id: 'f32-single', dtype: 'F32', shards: 1 },
  { id: 'bf16-sharded', dtype: 'BF16', shards: 3 },
  { id: 'f16-sharded', dtype: 'F16', shards: 2 },
];

/** Every tensor of a written checkpoint, loaded whole and directly (the reference). */
async function loadDirect(dir: string, files: readonly string[]): Promise<Map<string, Tensor>> {
  const all = new Map<string, Tensor>();
  for (const file of files.filter((f) => f.endsWith('.safetensors'))) {
    for (const [name, t] of loadSafetensors(new Uint8Array(await readFile(path.join(dir, file)))).tensors) all.set(name, t);
  }
  return all;
}

async function hubSource(repo: string, ledger?: ReadLedger): Promise<CheckpointSource> {
  const c = client();
  const snapshot = await c.snapshot({ repo, revision: null });
  return openCheckpoint(c.modelFiles(snapshot), ledger ? { ledger } : {});
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'checkpoint-source-'));
  for (const v of VARIANTS) {
    written.set(v.id, await writeCheckpoint(path.join(root, v.id), { family: llamaCheckpointFamily, config: tinyLlamaConfig(), dtype: v.dtype, shards: v.shards, seed: 7 }));
  }
  hub = await startHubServer({ repos: VARIANTS.map((v) => ({ id: `test/${v.id}`, dir: path.join(root, v.id) })) });
});

afterAll(async () => {
  await hub.close();
  await rm(root, { recursive: true, force: true });
});

beforeEach(() => hub.reset());

describe('openCheckpoint', () => {
  for (const v of VARIANTS) {
    it(`reads every tensor of a ${v.dtype} checkpoint in ${v.shards} file(s) as fp32, from a folder and from the hub`, async () => {
      const { dir, files, shapes } = written.get(v.id)!;
      const reference = await loadDirect(dir, files);
      const local = await openCheckpoint(await folderModelFiles(dir));
      const remote = await hubSource(`test/${v.id}`);
      try {
        for (const source of [local, remote]) {
          expect(source.tensorNames()).toHaveLength(shapes.size);
          expect(new Set(source.tensorNames())).toEqual(new Set(shapes.keys()));
          expect(source.layerCount).toBe(2);
          expect(source.description.architecture).toBe('LlamaForCausalLM');
          expect(source.description.dtypes).toEqual({ [v.dtype]: source.description.parameterCount });
          for (const [name, t] of reference) {
            expect(source.tensorShape?.(name)).toEqual(t.shape);
            expect(source.tensorInfo(name).layer).toBe(/layers\.(\d+)/.exec(name) ? Number(/layers\.(\d+)/.exec(name)![1]) : null);
            const read = await source.readTensor(name);
            expect(read.shape).toEqual(t.shape);
            expect(read.data).toEqual(t.data);
          }
        }
      } finally {
        await local.close();
      }
    });
  }

  it('opens from config, index and headers alone: two reads per weight file, no tensor bytes', async () => {
    const { dir, files } = written.get('bf16-sharded')!;
    const ledger = new ReadLedger();
    const source = await hubSource('test/bf16-sharded', ledger);
    expect(hub.weightRequests()).toEqual([]);
    const shards = files.filter((f) => f.endsWith('.safetensors'));
    expect(shards).toHaveLength(3);
    let expected = (await readFile(path.join(dir, 'config.json'))).length + (await readFile(path.join(dir, 'model.safetensors.index.json'))).length;
    for (const shard of shards) {
      const bytes = await readFile(path.join(dir, shard));
      expected += 8 + Number(bytes.readBigUInt64LE(0));
      expect(ledger.byFile().get(`test/bf16-sharded@${hub.shaOf('test/bf16-sharded').slice(0, 7)}: ${shard}`)?.reads).toBe(2);
    }
    expect(ledger.bytes).toBe(expected);
    // One API call, one request per JSON file, two ranges per shard (each a redirect and a CDN answer).
    expect(hub.requests.filter((r) => r.kind === 'api')).toHaveLength(1);
    expect(hub.requests.filter((r) => r.kind === 'cdn')).toHaveLength(6);
    expect(hub.requests.filter((r) => r.kind === 'resolve' && r.status === 206)).toHaveLength(2);
    await source.readTensor('model.layers.1.mlp.up_proj.weight');
    expect(hub.weightRequests()).toHaveLength(1);
  });

  it('describes the model from its headers: parameters, bytes, tokenizer files', async () => {
    const source = await openCheckpoint(await folderModelFiles(written.get('bf16-sharded')!.dir));
    const { description } = source;
    const shapes = written.get('bf16-sharded')!.shapes;
    const parameters = [...shapes.values()].reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
    expect(description.parameterCount).toBe(parameters);
    expect(description.weightBytes).toBe(2 * parameters);
    expect(description.tokenizerFiles.map((f) => f.name)).toEqual(['tokenizer.json']);
    expect(JSON.parse(new TextDecoder().decode((await source.readFile('tokenizer.json'))!)).model.type).toBe('WordLevel');
    expect(await source.readFile('tokenizer_config.json')).toBeNull();
    await source.close();
  });

  it('fingerprints the weights: the same folder twice alike, another fine-tune of the same shapes not', async () => {
    const a = await writeCheckpoint(path.join(root, 'fp-a'), { family: llamaCheckpointFamily, config: tinyLlamaConfig(), seed: 7, expert: { seed: 1 } });
    const b = await writeCheckpoint(path.join(root, 'fp-b'), { family: llamaCheckpointFamily, config: tinyLlamaConfig(), seed: 7, expert: { seed: 2 } });
    const open = async (dir: string) => {
      const s = await openCheckpoint(await folderModelFiles(dir));
      const fingerprint = await s.fingerprint();
      await s.close();
      return fingerprint;
    };
    const [a1, a2, b1] = [await open(a.dir), await open(a.dir), await open(b.dir)];
    expect(a1).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(a2).toBe(a1);
    expect(b1).not.toBe(a1);
    await hub.addRepo({ id: 'test/fp-a', dir: a.dir });
    const remote = await hubSource('test/fp-a');
    expect(await remote.fingerprint()).toBe(a1);
  });

  it('says what is wrong with folders that are not checkpoints', async () => {
    const dir = path.join(root, 'broken');
    await writeCheckpoint(dir, { family: llamaCheckpointFamily, config: tinyLlamaConfig(), shards: 2, seed: 1 });
    const problem = async () => (await sourceFailure(openCheckpoint(await folderModelFiles(dir, 'broken')))).message;
    await rm(path.join(dir, 'model-00002-of-00002.safetensors'));
    expect(await problem()).toBe('broken: model.safetensors.index.json lists model-00002-of-00002.safetensors, which is not in the model');
    await rm(path.join(dir, 'model.safetensors.index.json'));
    await writeFile(path.join(dir, 'pytorch_model.bin'), 'x');
    expect(await problem()).toContain('broken has only PyTorch weight files (.bin)');
    await rm(path.join(dir, 'config.json'));
    expect(await problem()).toBe('broken has no config.json: it is not a Hugging Face model folder');

    const cut = path.join(root, 'cut');
    const { files } = await writeCheckpoint(cut, { family: llamaCheckpointFamily, config: tinyLlamaConfig(), seed: 1 });
    expect(files).toContain('model.safetensors');
    await truncate(path.join(cut, 'model.safetensors'), 3000);
    const error = await sourceFailure(openCheckpoint(await folderModelFiles(cut, 'cut')));
    expect(error.message).toMatch(/^cut: model\.safetensors: tensor ".*" ends at byte \d+, past the end of the file \(3000 bytes\); the file is truncated$/);
  });

  it('opens a model whose architecture the studio cannot merge, and says why', async () => {
    const dir = path.join(root, 'gpt-neox');
    await writeCheckpoint(dir, { family: llamaCheckpointFamily, config: tinyLlamaConfig(), seed: 1 });
    const config = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8'));
    await writeFile(path.join(dir, 'config.json'), JSON.stringify({ ...config, architectures: ['GPTNeoXForCausalLM'], model_type: 'gpt_neox' }));
    const source = await openCheckpoint(await folderModelFiles(dir));
    expect(source.description.architecture).toBe('GPTNeoXForCausalLM');
    expect(source.description.architectureProblem).toContain('unsupported architecture "GPTNeoXForCausalLM"');
    expect(() => source.tensorInfo('model.norm.weight')).toThrow(/cannot place tensor model\.norm\.weight/);
    await source.close();
  });
});
