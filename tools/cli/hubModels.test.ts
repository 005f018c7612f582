import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HubClient } from '@/lib/hub/hubClient';
import type { Recipe } from '@/lib/recipe/schema';
import type { TransferProgress } from '@/lib/sources/transferProgress';
import { llamaCheckpointFamily, tinyLlamaConfig, writeCheckpoint, writeLoraAdapter } from '@/testing/checkpoints';
import { startHubServer, type HubServer } from '@/testing/hubServer';
import { evaluate } from './eval';
import { HubCache } from './hubCache';
import { mergeToFolder } from './merge';
import { REPO_PUBLIC } from '@/lib/zoo/nodeZooFiles';
import type { ModelEnvironment } from './recipeModels';

const TOKEN = 'hf_cli_test_token';
let root: string;
let hub: HubServer;
const config = tinyLlamaConfig();

function recipe(models: string[], base = 'test/base'): Recipe {
  return {
    version: 1,
    stages: [{ name: 'merged', merge_method: 'task_arithmetic', base_model: base, models: models.map((model) => ({ model, parameters: { weight: 0.7 } })), parameters: { lambda: 1 } }],
  };
}

interface Run {
  readonly environment: ModelEnvironment;
  readonly lines: string[];
  readonly progress: TransferProgress[];
}

function environment(cacheDir: string, options: { token?: string; offline?: boolean } = {}): Run {
  const lines: string[] = [];
  const progress: TransferProgress[] = [];
  return {
    lines,
    progress,
    environment: {
      hub: new HubClient({ endpoint: hub.endpoint, retryDelayMs: 0, ...(options.token ? { token: options.token } : {}) }),
      cache: new HubCache(cacheDir),
      offline: options.offline ?? false,
      log: (line) => lines.push(line),
      onDownload: (p) => progress.push(p),
    },
  };
}

async function outDir(): Promise<string> {
  return mkdtemp(path.join(root, 'out-'));
}

const weights = (dir: string) => readFile(path.join(dir, 'model.safetensors'));

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'cli-hub-'));
  const write = (name: string, spec: Omit<Parameters<typeof writeCheckpoint>[1], 'family'>) => writeCheckpoint(path.join(root, 'models', name), { family: llamaCheckpointFamily, ...spec });
  await write('base', { config, seed: 1, dtype: 'BF16' });
  await write('expert-a', { config, seed: 1, expert: { seed: 2 }, dtype: 'BF16', shards: 3 });
  await write('expert-b', { config, seed: 1, expert: { seed: 3 }, dtype: 'BF16' });
  await write('wide', { config: tinyLlamaConfig({ hidden_size: 64, head_dim: 16 }), seed: 4 });
  await writeLoraAdapter(path.join(root, 'models', 'adapter'), { family: llamaCheckpointFamily, baseConfig: config, baseModel: 'test/base', r: 4, alpha: 8, targetModules: ['q_proj', 'v_proj'], seed: 9 });
  hub = await startHubServer({
    token: TOKEN,
    repos: [
      ...['base', 'expert-a', 'expert-b', 'wide', 'adapter'].map((name) => ({ id: `test/${name}`, dir: path.join(root, 'models', name) })),
      { id: 'test/gated', dir: path.join(root, 'models', 'expert-b'), gated: true },
      { id: 'zoo/upper', dir: path.join(REPO_PUBLIC, 'models', 'zoo-upper') },
    ],
  });
});

afterAll(async () => {
  await hub.close();
  await rm(root, { recursive: true, force: true });
});

beforeEach(() => hub.reset());

describe('npm run merge with hub models', () => {
  it('merges two hub checkpoints exactly like the same checkpoints as folders, then again from the cache with no weight request', async () => {
    const cache = path.join(root, 'cache-merge');
    const first = environment(cache);
    const fromHub = await outDir();
    await mergeToFolder(recipe(['test/expert-a', 'test/expert-b@main']), root, fromHub, { environment: first.environment });
    expect(first.lines).toContain(`test/base → test/base@${hub.shaOf('test/base')}`);
    expect(first.lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^downloaded test/expert-a@${hub.shaOf('test/expert-a').slice(0, 7)}: config\\.json, model-00001-of-00003\\.safetensors, model-00002-of-00003\\.safetensors, model-00003-of-00003\\.safetensors, model\\.safetensors\\.index\\.json, tokenizer\\.json \\(\\d+\\.\\d+ kB\\)$`),
      ),
    );
    expect(hub.weightRequests().length).toBeGreaterThan(0);
    const shard = first.progress.filter((p) => p.label.endsWith('model-00002-of-00003.safetensors'));
    expect(shard[shard.length - 1]).toMatchObject({ loadedBytes: shard[0]!.totalBytes });

    const fromFolders = await outDir();
    const local = recipe(['models/expert-a', 'models/expert-b'], 'models/base');
    await mergeToFolder(local, root, fromFolders, { environment: environment(path.join(root, 'unused-cache')).environment });
    expect((await weights(fromHub)).equals(await weights(fromFolders))).toBe(true);
    expect(await readFile(path.join(fromHub, 'tokenizer.json'), 'utf8')).toBe(await readFile(path.join(root, 'models', 'base', 'tokenizer.json'), 'utf8'));

    hub.requests.length = 0;
    const second = environment(cache);
    const again = await outDir();
    await mergeToFolder(recipe(['test/expert-a', 'test/expert-b@main']), root, again, { environment: second.environment });
    expect((await weights(again)).equals(await weights(fromHub))).toBe(true);
    expect(hub.weightRequests()).toEqual([]);
    expect(hub.requests.map((r) => r.kind)).toEqual(['api', 'api', 'api']);
    expect(second.lines.some((l) => l.startsWith('downloaded'))).toBe(false);

    hub.requests.length = 0;
    const offline = await outDir();
    await mergeToFolder(recipe(['test/expert-a', 'test/expert-b@main']), root, offline, { environment: environment(cache, { offline: true }).environment });
    expect((await weights(offline)).equals(await weights(fromHub))).toBe(true);
    expect(hub.requests).toEqual([]);
  });

  it('refuses a mismatched pair with the reason before downloading anything', async () => {
    const cache = path.join(root, 'cache-refused');
    const run = environment(cache);
    const error = await mergeToFolder(recipe(['test/expert-a', 'test/wide']), root, await outDir(), { environment: run.environment }).then(() => null, (e: unknown) => e);
    expect((error as Error).message).toBe(
      'the recipe cannot be merged:\n[merged] stages[0].models[1].model: "test/base" and "test/wide" are models of different sizes (hidden_size 32 vs 64, head_dim 8 vs 16): they are not fine-tunes of one base model, so their weights cannot be combined tensor by tensor. Merge models fine-tuned from the same base.',
    );
    expect(hub.weightRequests()).toEqual([]);
    const cached = existsSync(path.join(cache, 'hub')) ? await readdir(path.join(cache, 'hub', 'test'), { recursive: true }) : [];
    expect(cached.filter((f) => String(f).endsWith('.safetensors'))).toEqual([]);
    expect(run.progress).toEqual([]);
  });

  it('says a gated model needs HF_TOKEN, and merges it with the token', async () => {
    const cache = path.join(root, 'cache-gated');
    const error = await mergeToFolder(recipe(['test/expert-a', 'test/gated']), root, await outDir(), { environment: environment(cache).environment }).then(() => null, (e: unknown) => e);
    expect((error as Error).message).toMatch(/^test\/gated@[0-9a-f]{7}: config\.json: gated, needs a token \(HTTP 401\).*\(set HF_TOKEN to a token with access\)$/);
    const run = environment(cache, { token: TOKEN });
    await mergeToFolder(recipe(['test/expert-a', 'test/gated']), root, await outDir(), { environment: run.environment });
    expect(JSON.stringify(run.lines)).not.toContain(TOKEN);
    for (const file of await readdir(cache, { recursive: true })) {
      if (String(file).endsWith('.json')) expect(await readFile(path.join(cache, String(file)), 'utf8')).not.toContain(TOKEN);
    }
  });

  it('retries a download that fails half way and still merges the same bytes', async () => {
    hub.fault({ kind: 'cdn', file: 'model-00003-of-00003.safetensors', skip: 2, times: 2, effect: { status: 500 } });
    const out = await outDir();
    await mergeToFolder(recipe(['test/expert-a', 'test/expert-b']), root, out, { environment: environment(path.join(root, 'cache-faults')).environment });
    expect(hub.requests.filter((r) => r.status === 500)).toHaveLength(2);
    const reference = await outDir();
    await mergeToFolder(recipe(['test/expert-a', 'test/expert-b']), root, reference, { environment: environment(path.join(root, 'cache-merge')).environment });
    expect((await weights(out)).equals(await weights(reference))).toBe(true);
  });

  it('merges a LoRA adapter from the hub as model+adapter, or by itself over the base its config names', async () => {
    const cache = path.join(root, 'cache-lora');
    const explicit = await outDir();
    await mergeToFolder(recipe(['test/base+test/adapter', 'test/expert-b']), root, explicit, { environment: environment(cache).environment });
    const named = await outDir();
    await mergeToFolder(recipe(['test/adapter', 'test/expert-b']), root, named, { environment: environment(cache).environment });
    const local = await outDir();
    await mergeToFolder(recipe(['models/base+models/adapter', 'models/expert-b'], 'models/base'), root, local, { environment: environment(cache).environment });
    expect((await weights(explicit)).equals(await weights(local))).toBe(true);
    expect((await weights(named)).equals(await weights(local))).toBe(true);
    const plain = await outDir();
    await mergeToFolder(recipe(['test/base', 'test/expert-b']), root, plain, { environment: environment(cache).environment });
    expect((await weights(plain)).equals(await weights(local))).toBe(false);
  });
});

describe('npm run eval with a hub model', () => {
  it('scores a zoo model served by the hub exactly like the zoo id', async () => {
    const cache = path.join(root, 'cache-eval');
    const fromHub = await evaluate('zoo/upper', 'dev', undefined, environment(cache).environment);
    const fromZoo = await evaluate('zoo-upper', 'dev', undefined, environment(cache).environment);
    expect(fromHub.scores).toEqual(fromZoo.scores);
    expect(fromHub.scores.find((s) => s.skill === 'upper')!.accuracy).toBeGreaterThan(0.9);
  });
});
