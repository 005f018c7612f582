/**
 * The bundled zoo (public/models, public/evals) as tests read it from disk. The zoo's trainer
 * rewrites files in place, so a read that fails or does not parse is retried for a while
 * before the test fails.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseEvalIndex, parseEvalJsonl, type EvalItem, type EvalSplit } from '@/lib/eval/evalSet';
import { parseLlamaConfig, type LlamaConfig } from '@/lib/formats/hfConfig';
import { loadSafetensors } from '@/lib/formats/safetensors';
import { loadTextTokenizer, type TextTokenizer } from '@/lib/formats/tokenizer';
import type { NamedTensors } from '@/lib/tensors/tensor';
import { REPO_PUBLIC } from '@/lib/zoo/nodeZooFiles';
import { zooIndexSchema, type ZooIndexEntry } from '@/lib/zoo/zooIndex';

const MODELS_DIR = join(REPO_PUBLIC, 'models');
const EVALS_DIR = join(REPO_PUBLIC, 'evals');

const READ_ATTEMPTS = 40;
const RETRY_DELAY_MS = 250;

async function withRetries<T>(what: string, read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (attempt >= READ_ATTEMPTS) throw new Error(`${what}: ${error instanceof Error ? error.message : String(error)} (the trainer may be rewriting it; rerun)`);
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
    }
  }
}

function zooModelPath(model: string, file: string): string {
  return join(MODELS_DIR, model, file);
}

export function readZooFile<T>(model: string, file: string, parse: (bytes: Uint8Array) => T | Promise<T>): Promise<T> {
  return withRetries(`${model}/${file}`, async () => parse(new Uint8Array(await readFile(zooModelPath(model, file)))));
}

export function readZooJson(model: string, file: string): Promise<unknown> {
  return readZooFile(model, file, (bytes) => JSON.parse(new TextDecoder().decode(bytes)) as unknown);
}

export interface ReferenceCase {
  prompt: string;
  input_ids: number[];
  logits: number[][];
}

/** A zoo checkpoint read whole: config, weights, tokenizer, and the logits its trainer wrote for a few prompts. */
export interface ZooCheckpoint {
  id: string;
  config: LlamaConfig;
  weights: NamedTensors;
  tokenizer: TextTokenizer;
  referenceCases: ReferenceCase[];
}

/** Model folders with everything a checkpoint test needs. */
export function zooModelIds(): string[] {
  if (!existsSync(MODELS_DIR)) return [];
  return readdirSync(MODELS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .filter((id) => ['config.json', 'model.safetensors', 'tokenizer.json', 'reference_logits.json'].every((f) => existsSync(zooModelPath(id, f))))
    .sort();
}

export function loadZooCheckpoint(id: string): Promise<ZooCheckpoint> {
  return withRetries(`zoo model ${id}`, async () => {
    const json = async (name: string) => JSON.parse(await readFile(zooModelPath(id, name), 'utf8')) as unknown;
    const tokenizerConfig = existsSync(zooModelPath(id, 'tokenizer_config.json')) ? await json('tokenizer_config.json') : undefined;
    return {
      id,
      config: parseLlamaConfig(await json('config.json')),
      weights: loadSafetensors(new Uint8Array(await readFile(zooModelPath(id, 'model.safetensors')))).tensors,
      tokenizer: loadTextTokenizer(await json('tokenizer.json'), tokenizerConfig),
      referenceCases: ((await json('reference_logits.json')) as { cases: ReferenceCase[] }).cases,
    };
  });
}

export function readZooIndex(): ZooIndexEntry[] {
  const path = join(MODELS_DIR, 'index.json');
  if (!existsSync(path)) return [];
  return zooIndexSchema.parse(JSON.parse(readFileSync(path, 'utf8'))).models;
}

/**
 * The trainer's exact-match scores for a model: from its card (README.md, written together with
 * the weights, so never stale) or else from public/models/index.json (written once the whole zoo
 * is built).
 */
export function recordedScores(id: string): Record<string, number> {
  const cardPath = zooModelPath(id, 'README.md');
  if (existsSync(cardPath)) {
    const rows = [...readFileSync(cardPath, 'utf8').matchAll(/^\| ([\w-]+) \| ([\d.]+) \|$/gm)];
    if (rows.length > 0) return Object.fromEntries(rows.map((row) => [row[1]!, Number(row[2]) / 100]));
  }
  return readZooIndex().find((m) => m.id === id)?.scores ?? {};
}

export function readEvalSplit(skill: string, split: EvalSplit): EvalItem[] {
  const name = `${skill}.${split}.jsonl`;
  return parseEvalJsonl(readFileSync(join(EVALS_DIR, name), 'utf8'), name);
}

export function readEvalSkills(): string[] {
  return parseEvalIndex(JSON.parse(readFileSync(join(EVALS_DIR, 'index.json'), 'utf8'))).skills.map((s) => s.id);
}
