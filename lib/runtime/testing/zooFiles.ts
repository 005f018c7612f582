/**
 * Reading the bundled zoo (public/models, public/evals) from disk in Node tests and scripts.
 * The trainer may rewrite a model while a test reads it; reads are retried a few times.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseLlamaConfig, type LlamaConfig } from '@/lib/formats/hfConfig';
import { loadSafetensors } from '@/lib/formats/safetensors';
import { loadTextTokenizer, type TextTokenizer } from '@/lib/formats/tokenizer';
import type { NamedTensors } from '@/lib/tensors/tensor';
import { parseEvalIndex, parseEvalJsonl, type EvalItem, type EvalSplit } from '@/lib/eval/evalSet';

export const MODELS_DIR = join(process.cwd(), 'public', 'models');
export const EVALS_DIR = join(process.cwd(), 'public', 'evals');

export interface ReferenceCase {
  prompt: string;
  input_ids: number[];
  logits: number[][];
}

export interface ZooModel {
  id: string;
  config: LlamaConfig;
  weights: NamedTensors;
  tokenizer: TextTokenizer;
  referenceCases: ReferenceCase[];
}

export interface ZooIndexEntry {
  id: string;
  role: string;
  skill: string | null;
  scores: Record<string, number>;
}

/** Model folders with everything a test needs. */
export function zooModelIds(): string[] {
  if (!existsSync(MODELS_DIR)) return [];
  return readdirSync(MODELS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .filter((id) =>
      ['config.json', 'model.safetensors', 'tokenizer.json', 'reference_logits.json'].every((f) => existsSync(join(MODELS_DIR, id, f))),
    )
    .sort();
}

export async function loadZooModel(id: string): Promise<ZooModel> {
  return withRetries(`zoo model ${id}`, () => {
    const dir = join(MODELS_DIR, id);
    const json = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as unknown;
    const tokenizerConfigPath = join(dir, 'tokenizer_config.json');
    return {
      id,
      config: parseLlamaConfig(json('config.json')),
      weights: loadSafetensors(new Uint8Array(readFileSync(join(dir, 'model.safetensors')))).tensors,
      tokenizer: loadTextTokenizer(json('tokenizer.json'), existsSync(tokenizerConfigPath) ? json('tokenizer_config.json') : undefined),
      referenceCases: (json('reference_logits.json') as { cases: ReferenceCase[] }).cases,
    };
  });
}

export function readZooIndex(): ZooIndexEntry[] {
  const path = join(MODELS_DIR, 'index.json');
  if (!existsSync(path)) return [];
  return (JSON.parse(readFileSync(path, 'utf8')) as { models: ZooIndexEntry[] }).models;
}

/**
 * The trainer's exact-match scores for a model: from its card (README.md, written together with
 * the weights, so never stale) or else from public/models/index.json (written once the whole zoo
 * is built).
 */
export function recordedScores(id: string): Record<string, number> {
  const cardPath = join(MODELS_DIR, id, 'README.md');
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

async function withRetries<T>(what: string, read: () => T, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return read();
    } catch (error) {
      if (attempt >= attempts) throw new Error(`${what}: ${error instanceof Error ? error.message : String(error)} (the trainer may be rewriting it; rerun)`);
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
  }
}
