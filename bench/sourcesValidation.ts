/**
 * What validating a recipe costs before any weight moves, on checkpoints of SmolLM2-135M's shape
 * (bf16, 49,152-token word-level tokenizer, generated here): bytes read and requests per model,
 * served by the loopback hub (the same server the tests use) and read from folders on disk.
 *
 *   - a base (one file) and two experts (one in three shards), tokenizers identical;
 *   - a "chat" expert whose tokenizer adds two tokens (so tokenizer.json must be read and compared).
 * Times are to the verdict from nothing open (revision API, config, headers, tokenizers where
 * needed, validation), after one unrecorded warm-up pass; on loopback, so they are not network times.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { HubClient } from '@/lib/hub/hubClient';
import type { Recipe } from '@/lib/recipe/schema';
import { ReadLedger } from '@/lib/sources/byteReader';
import { openCheckpoint, type CheckpointSource } from '@/lib/sources/checkpointSource';
import type { ModelFiles } from '@/lib/sources/modelFiles';
import { folderModelFiles } from '@/lib/sources/nodeModelFiles';
import { validateRecipe } from '@/lib/sources/recipeValidation';
import { validationModels } from '@/lib/sources/validationInputs';
import { llamaCheckpointFamily, smolLm135mConfig, wordLevelTokenizer, writeCheckpoint } from '@/testing/checkpoints';
import { startHubServer } from '@/testing/hubServer';

const DIR = process.env.MERGE_SOURCES_BENCH_DIR ?? '/tmp/merge-studio-bench-sources';

const MODELS = {
  base: { shards: 1, expert: undefined, extraTokens: [] as string[] },
  'expert-1': { shards: 3, expert: { seed: 2 }, extraTokens: [] as string[] },
  'expert-2': { shards: 1, expert: { seed: 3 }, extraTokens: [] as string[] },
  chat: { shards: 1, expert: { seed: 4 }, extraTokens: ['<|im_start|>', '<|im_end|>'] },
} as const;
type ModelName = keyof typeof MODELS;

export interface ValidationCostRow {
  readonly scenario: string;
  readonly model: string;
  readonly where: 'hub' | 'folder';
  /** Bytes read before the verdict (config, index, headers, and tokenizer.json where it had to be compared). */
  readonly bytesRead: number;
  /** Of those, tokenizer bytes. */
  readonly tokenizerBytes: number;
  /** Reads through the model's files (each a Range request on the hub). */
  readonly reads: number;
  /** Its weight files' size, for scale. */
  readonly weightBytes: number;
}

export interface ValidationCost {
  readonly rows: readonly ValidationCostRow[];
  /** Requests the hub saw for tensor data before the verdicts (must be 0). */
  readonly weightRequests: number;
  readonly verdicts: Readonly<Record<string, string>>;
  readonly msToVerdict: Readonly<Record<string, number>>;
}

async function ensureCheckpoints(): Promise<void> {
  for (const [name, spec] of Object.entries(MODELS)) {
    const dir = path.join(DIR, name);
    if (existsSync(path.join(dir, 'config.json'))) continue;
    await rm(dir, { recursive: true, force: true });
    const config = { ...smolLm135mConfig(), vocab_size: 49152 + spec.extraTokens.length };
    console.log(`  generating ${name} (135M-shaped, bf16, ${spec.shards} file${spec.shards === 1 ? '' : 's'})…`);
    await writeCheckpoint(dir, {
      family: llamaCheckpointFamily,
      config,
      dtype: 'BF16',
      shards: spec.shards,
      seed: 1,
      ...(spec.expert ? { expert: spec.expert } : {}),
      tokenizer: wordLevelTokenizer(49152, { extra: spec.extraTokens }),
    });
  }
}

function recipe(models: readonly string[]): Recipe {
  const [base, ...experts] = models;
  return { version: 1, stages: [{ name: 'merged', merge_method: 'task_arithmetic', base_model: base!, models: experts.map((model) => ({ model, parameters: { weight: 1 } })) }] };
}

async function validateFrom(
  scenario: string,
  where: 'hub' | 'folder',
  names: readonly ModelName[],
  filesOf: (name: ModelName) => Promise<ModelFiles>,
): Promise<{ rows: ValidationCostRow[]; verdict: string; ms: number }> {
  const started = performance.now();
  const ledgers = new Map<string, ReadLedger>();
  const sources = new Map<string, CheckpointSource>();
  for (const name of names) {
    const ledger = new ReadLedger();
    ledgers.set(name, ledger);
    sources.set(name, await openCheckpoint(await filesOf(name), { ledger }));
  }
  const result = validateRecipe(recipe(names), await validationModels(sources));
  const ms = performance.now() - started;
  const rows = names.map((name): ValidationCostRow => {
    const ledger = ledgers.get(name)!;
    const tokenizerBytes = [...ledger.byFile()].filter(([file]) => file.endsWith('tokenizer.json')).reduce((n, [, e]) => n + e.bytes, 0);
    return { scenario, model: name, where, bytesRead: ledger.bytes, tokenizerBytes, reads: ledger.reads, weightBytes: sources.get(name)!.description.weightBytes };
  });
  await Promise.all([...sources.values()].map((s) => s.close()));
  const verdict = result.ok ? 'valid' : `refused (${result.issues.map((i) => i.code).join(', ')})`;
  return { rows, verdict, ms };
}

export async function measureValidationCost(): Promise<ValidationCost> {
  await ensureCheckpoints();
  const hub = await startHubServer({ repos: Object.keys(MODELS).map((name) => ({ id: `bench/${name}`, dir: path.join(DIR, name) })) });
  try {
    const client = new HubClient({ endpoint: hub.endpoint });
    const fromHub = async (name: ModelName) => client.modelFiles(await client.snapshot({ repo: `bench/${name}`, revision: null }));
    const fromFolder = (name: ModelName) => folderModelFiles(path.join(DIR, name), name);
    const scenarios = [
      { scenario: 'fine-tunes, same tokenizer', names: ['base', 'expert-1', 'expert-2'] as ModelName[] },
      { scenario: 'one tokenizer adds 2 tokens', names: ['base', 'chat'] as ModelName[] },
    ];
    // A first, unrecorded pass, so the times below are not the process's warm-up (module load, JIT).
    for (const { names } of scenarios) await validateFrom('warm-up', 'hub', names, fromHub);
    hub.requests.length = 0;
    const rows: ValidationCostRow[] = [];
    const verdicts: Record<string, string> = {};
    const msToVerdict: Record<string, number> = {};
    for (const { scenario, names } of scenarios) {
      for (const [where, filesOf] of [['hub', fromHub], ['folder', fromFolder]] as const) {
        const measured = await validateFrom(scenario, where, names, filesOf);
        rows.push(...measured.rows);
        verdicts[`${scenario} (${where})`] = measured.verdict;
        msToVerdict[`${scenario} (${where})`] = measured.ms;
      }
    }
    return { rows, weightRequests: hub.weightRequests().length, verdicts, msToVerdict };
  } finally {
    await hub.close();
  }
}

export function validationCostTable(cost: ValidationCost): string {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
  const lines = [
    '| scenario | model | from | read before the verdict | of which tokenizer.json | reads | weights (not read) |',
    '|---|---|---|---|---|---|---|',
    ...cost.rows.map((r) => `| ${r.scenario} | ${r.model} | ${r.where} | ${kb(r.bytesRead)} | ${kb(r.tokenizerBytes)} | ${r.reads} | ${(r.weightBytes / 2 ** 20).toFixed(0)} MB |`),
  ];
  const verdicts = Object.entries(cost.verdicts).map(([k, v]) => `${k}: ${v} in ${cost.msToVerdict[k]!.toFixed(0)} ms`);
  return `${lines.join('\n')}\n\nRequests for tensor data before the verdicts: ${cost.weightRequests}. Verdicts: ${verdicts.join('; ')}.`;
}
