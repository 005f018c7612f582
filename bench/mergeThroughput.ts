/**
 * Merge throughput on checkpoints with the shapes of a 135M-parameter Llama (SmolLM-135M:
 * hidden 576, 30 layers, 9 heads / 3 KV heads, MLP 1536, vocab 49152, tied embeddings,
 * bf16), generated here (no download): a base and three experts (base + small noise).
 *
 * Each measurement runs in its own child process, so its peak RSS is its own:
 *  - baseline: one plain streaming pass that reads every input tensor of the four models and
 *    writes one output tensor per name (the I/O and dtype conversion every merge must do);
 *  - each method through the CLI path (plan, stream tensors, merge, stream-write safetensors).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { llamaExpectedShapes } from '@/lib/arch/llama';
import { fileByteSource } from '@/lib/formats/fileByteSource';
import { parseLlamaConfig } from '@/lib/formats/hfConfig';
import { openSafetensors, SafetensorsWriter, type SafetensorsTensorSpec } from '@/lib/formats/safetensors';
import type { Recipe } from '@/lib/recipe/schema';
import { elementCount } from '@/lib/tensors/tensor';
import { smolLm135mConfig } from '@/testing/checkpoints';
import { mergeToFolder } from '@/tools/cli/merge';

const BENCH_DIR = process.env.MERGE_BENCH_DIR ?? '/tmp/merge-studio-bench-135m';
const MODELS = ['base', 'expert-1', 'expert-2', 'expert-3'];

/** SmolLM2-135M's shapes (the same tensors as SmolLM-135M's). */
const SMOLLM_SHAPED_CONFIG = smolLm135mConfig();

/** xorshift32 → roughly normal values (sum of uniforms), deterministic per model. */
function noise(seed: number): () => number {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
  return () => (next() + next() + next() - 1.5) * 0.04;
}

async function writeModel(dir: string, seed: number, base: Map<string, Float32Array> | null): Promise<Map<string, Float32Array>> {
  mkdirSync(dir, { recursive: true });
  const config = parseLlamaConfig(SMOLLM_SHAPED_CONFIG);
  const shapes = llamaExpectedShapes(config);
  const specs: SafetensorsTensorSpec[] = [...shapes].map(([name, shape]) => ({ name, shape, dtype: 'BF16' }));
  const handle = await open(path.join(dir, 'model.safetensors'), 'w');
  const random = noise(seed);
  const kept = new Map<string, Float32Array>();
  const writer = new SafetensorsWriter(specs, async (chunk) => void (await handle.write(chunk)), { format: 'pt' });
  for (const [name, shape] of shapes) {
    const data = new Float32Array(elementCount(shape));
    const from = base?.get(name);
    // Experts are the base plus a small task vector, as fine-tunes are.
    for (let i = 0; i < data.length; i++) data[i] = from ? (from[i] ?? 0) + 0.1 * random() : random();
    if (!base) kept.set(name, data);
    await writer.write(name, { shape, data });
  }
  await writer.finish();
  await handle.close();
  await writeFile(path.join(dir, 'config.json'), JSON.stringify(SMOLLM_SHAPED_CONFIG, null, 2));
  return kept;
}

async function ensureCheckpoints(): Promise<string[]> {
  const dirs = MODELS.map((m) => path.join(BENCH_DIR, m));
  if (dirs.every((d) => existsSync(path.join(d, 'model.safetensors')))) return dirs;
  rmSync(BENCH_DIR, { recursive: true, force: true });
  const base = await writeModel(dirs[0] ?? '', 1, null);
  for (let i = 1; i < dirs.length; i++) await writeModel(dirs[i] ?? '', 1 + i, base);
  return dirs;
}

/** The baseline: read every input tensor of every model, write one output per name. */
async function plainStreamingPass(dirs: string[], out: string): Promise<void> {
  mkdirSync(out, { recursive: true });
  const files = await Promise.all(dirs.map((d) => fileByteSource(path.join(d, 'model.safetensors'))));
  const readers = await Promise.all(files.map((f) => openSafetensors(f)));
  const first = readers[0];
  if (!first) throw new Error('no inputs');
  const specs: SafetensorsTensorSpec[] = first.entries.map((e) => ({ name: e.name, shape: e.shape, dtype: e.dtype }));
  const handle = await open(path.join(out, 'model.safetensors'), 'w');
  const writer = new SafetensorsWriter(specs, async (chunk) => void (await handle.write(chunk)), { format: 'pt' });
  for (const spec of specs) {
    const inputs = await Promise.all(readers.map((r) => r.readTensor(spec.name)));
    const kept = inputs[inputs.length - 1];
    if (!kept) throw new Error(`no tensor ${spec.name}`);
    await writer.write(spec.name, kept);
  }
  await writer.finish();
  await handle.close();
  await Promise.all(files.map((f) => f.close()));
}

function benchRecipe(method: string, dirs: string[]): Recipe {
  const [base, ...experts] = dirs;
  const perModel: Record<string, Record<string, number>> = {
    linear: { weight: 1 },
    task_arithmetic: { weight: 1 },
    ties: { weight: 1, density: 0.5 },
    dare_ties: { weight: 1, density: 0.5 },
  };
  return {
    version: 1,
    stages: [
      {
        name: 'bench',
        merge_method: method,
        ...(method === 'linear' ? {} : { base_model: base }),
        models: experts.map((model) => ({ model, parameters: perModel[method] ?? { weight: 1 } })),
        ...(method === 'linear' ? {} : { parameters: { lambda: 1 } }),
        dtype: 'bfloat16',
      },
    ],
  };
}

/** Child-process entry: `tsx bench/mergeThroughput.ts <baseline|method>` prints {ms, maxRssBytes}. */
async function runOne(what: string) {
  const dirs = await ensureCheckpoints();
  const out = path.join(BENCH_DIR, `out-${what}`);
  const started = performance.now();
  if (what === 'baseline') await plainStreamingPass(dirs, out);
  else await mergeToFolder(benchRecipe(what, dirs), BENCH_DIR, out);
  const ms = performance.now() - started;
  rmSync(out, { recursive: true, force: true });
  process.stdout.write(`${JSON.stringify({ ms, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
}

export interface ThroughputRow {
  name: string;
  ms: number;
  ratio: number;
  maxRssBytes: number;
}

export async function measureMergeThroughput(methods: string[]): Promise<{ modelBytes: number; models: number; rows: ThroughputRow[] }> {
  const dirs = await ensureCheckpoints();
  const modelBytes = statSync(path.join(dirs[0] ?? '', 'model.safetensors')).size;
  const measure = (what: string) => {
    const output = execFileSync('npx', ['tsx', 'bench/mergeThroughput.ts', what], { encoding: 'utf8', maxBuffer: 1 << 20 });
    return JSON.parse(output.trim().split('\n').pop() ?? '{}') as { ms: number; maxRssBytes: number };
  };
  measure('baseline'); // warm the page cache so every run reads from memory alike
  const baseline = measure('baseline');
  const rows: ThroughputRow[] = [{ name: 'plain streaming pass', ms: baseline.ms, ratio: 1, maxRssBytes: baseline.maxRssBytes }];
  for (const method of methods) {
    const r = measure(method);
    rows.push({ name: method, ms: r.ms, ratio: r.ms / baseline.ms, maxRssBytes: r.maxRssBytes });
  }
  return { modelBytes, models: dirs.length, rows };
}

if (process.argv[1]?.endsWith('mergeThroughput.ts') && process.argv[2]) {
  runOne(process.argv[2]).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
