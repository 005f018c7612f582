/**
 * Times the runtime on the zoo (not a test, not a benchmark of record):
 *   npx tsx bench/timeLlamaRuntime.ts [model-id] [skill] [threads]
 * Prints one forward's latency, one skill's test split scored, and all skills scored.
 */
import * as ort from 'onnxruntime-web';
import { readFileSync } from 'node:fs';
import { parseLlamaConfig } from '@/lib/formats/hfConfig';
import { loadSafetensors } from '@/lib/formats/safetensors';
import { loadTextTokenizer } from '@/lib/formats/tokenizer';
import { createLlamaRuntime } from '@/lib/runtime/llamaRuntime';
import { parseEvalIndex, parseEvalJsonl } from '@/lib/eval/evalSet';
import { scoreAll, scoreSkill } from '@/lib/eval/exactMatch';

const [modelId = 'zoo-add', skill = 'add', threads = '1', batchSize = '256'] = process.argv.slice(2);
ort.env.wasm.numThreads = Number(threads);
const dir = `public/models/${modelId}`;
const read = (path: string) => readFileSync(path, 'utf8');
const config = parseLlamaConfig(JSON.parse(read(`${dir}/config.json`)));
const tokenizer = loadTextTokenizer(JSON.parse(read(`${dir}/tokenizer.json`)), JSON.parse(read(`${dir}/tokenizer_config.json`)));
const { tensors } = loadSafetensors(new Uint8Array(readFileSync(`${dir}/model.safetensors`)));

const time = async <T>(label: string, repeat: number, f: () => Promise<T>): Promise<T> => {
  let result!: T;
  const times: number[] = [];
  const cpuTimes: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    result = await f();
    const c = process.cpuUsage(c0);
    cpuTimes.push((c.user + c.system) / 1000);
    times.push(performance.now() - t0);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(1);
  // On a shared machine wall time includes waiting for a core; CPU time is what the work costs.
  console.log(`${label}: wall median ${median(times)} ms, min ${Math.min(...times).toFixed(1)} ms; CPU median ${median(cpuTimes)} ms (${repeat} runs)`);
  return result;
};

let t0 = performance.now();
const runtime = await createLlamaRuntime(ort, config);
console.log(`session: ${(performance.now() - t0).toFixed(0)} ms`);
t0 = performance.now();
runtime.setWeights(tensors);
console.log(`setWeights: ${(performance.now() - t0).toFixed(1)} ms`);

const prompt = tokenizer.encode('add: 12+34=');
await time('forward, 1 × 12 tokens', 20, () => runtime.logits([prompt]));
await time('forward, 64 × 12 tokens', 10, () => runtime.logits(Array.from({ length: 64 }, () => prompt)));
const items = parseEvalJsonl(read(`public/evals/${skill}.test.jsonl`));
const score = await time(`score ${skill} test (${items.length} prompts)`, 5, () =>
  scoreSkill(runtime, tokenizer, items, { batchSize: Number(batchSize) }),
);
console.log(`  ${skill}: ${score.correct}/${score.total}`, score.failures.slice(0, 2));
const index = parseEvalIndex(JSON.parse(read('public/evals/index.json')));
const all = Object.fromEntries(index.skills.map((s) => [s.id, parseEvalJsonl(read(`public/evals/${s.id}.test.jsonl`))]));
const scores = await time('score all skills (test)', 3, () => scoreAll(runtime, tokenizer, all, undefined, { batchSize: Number(batchSize) }));
console.log(Object.fromEntries(Object.entries(scores).map(([k, v]) => [k, v.accuracy])));
await runtime.close();
