/**
 * npm run search -- <search-config.json> --out <result.json> [--resume <checkpoint.json>]
 *
 * Runs a merge search (or Hi-Merging, when the config says `"procedure": "hi-merging"`)
 * on the zoo's dev split with the engine the studio's worker runs, printing progress.
 * The result file is rewritten after every trial, so `--resume` with it continues an
 * interrupted run; the same seed gives the same trials.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { z } from 'zod';
import { mergekitYamlFromRecipe } from '@/lib/recipe/yaml';
import { engineEvaluator } from '@/lib/workers/engineEvaluator';
import { hiMergingConfigSchema, runHiMerging, type HiMergingResult } from '@/lib/search/hiMerging';
import { objectiveLabels } from '@/lib/search/objective';
import { bestTrial, paretoTrials, runSearch, type SearchState } from '@/lib/search/searchLoop';
import { parseSearchConfig } from '@/lib/search/searchConfig';
import { Engine } from '@/lib/workers/engine';
import { parseArgs } from './args';
import { nodeZooFiles, REPO_PUBLIC } from '@/lib/zoo/nodeZooFiles';

const hiMergingFileSchema = z.object({ procedure: z.literal('hi-merging') }).passthrough();

export interface SearchCliResult {
  kind: 'search';
  state: SearchState;
  best: SearchState['trials'][number] | null;
  pareto: SearchState['trials'];
}

export interface HiMergingCliResult {
  kind: 'hi-merging';
  result: HiMergingResult;
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

async function searchFromFile(configPath: string, out: string, resumePath?: string, log: (line: string) => void = console.log): Promise<SearchCliResult | HiMergingCliResult> {
  const json: unknown = JSON.parse(readFileSync(configPath, 'utf8'));
  ort.env.wasm.numThreads = 1;
  const evaluate = engineEvaluator(new Engine(ort, nodeZooFiles(REPO_PUBLIC)), 'dev', 'search-cli');
  const write = (value: unknown) => writeFileSync(out, JSON.stringify(value, null, 1));

  if (hiMergingFileSchema.safeParse(json).success) {
    const { procedure: _procedure, ...rest } = json as Record<string, unknown>;
    const config = hiMergingConfigSchema.parse(rest);
    const memo = resumePath ? z.object({ memo: z.record(z.string(), z.record(z.string(), z.number())) }).parse(JSON.parse(readFileSync(resumePath, 'utf8'))).memo : undefined;
    const result = await runHiMerging(config, evaluate, {
      ...(memo ? { memo } : {}),
      onProgress: ({ phase, spent, memo: m, steps }) => {
        const last = steps[steps.length - 1];
        log(`[${phase}] ${spent} examples${last ? `  ${last.label}: mean ${pct(last.value)}` : ''}`);
        write({ kind: 'hi-merging-checkpoint', memo: m });
      },
    });
    write({ kind: 'hi-merging', result });
    log(`final (${config.maxFidelity} dev examples per skill): ${Object.entries(result.finalAccuracy).map(([s, a]) => `${s} ${pct(a)}`).join(', ')}`);
    return { kind: 'hi-merging', result };
  }

  const config = parseSearchConfig(json);
  const resume = resumePath ? (JSON.parse(readFileSync(resumePath, 'utf8')) as { state: SearchState }).state : undefined;
  const labels = objectiveLabels(config.objective);
  const state = await runSearch(config, evaluate, {
    ...(resume ? { resume } : {}),
    onCheckpoint: (s, trial) => {
      const best = bestTrial(s);
      log(
        `trial ${trial.id}  ${trial.fidelity} ex/skill  ${labels.map((l, i) => `${l} ${pct(trial.values[i]!)}`).join(' ')}  ` +
          `spent ${s.spent}/${config.budget}${best ? `  best ${pct(best.values[0]!)}` : ''}`,
      );
      write({ kind: 'search-checkpoint', state: s });
    },
  });
  const best = bestTrial(state);
  const pareto = config.objective.kind === 'pareto' ? paretoTrials(state) : [];
  write({ kind: 'search', state, best, pareto });
  if (best) {
    log(`best: ${labels.map((l, i) => `${l} ${pct(best.values[i]!)}`).join(' ')} on ${config.maxFidelity} dev examples per skill`);
    const yamlPath = `${out.replace(/\.json$/, '')}.best.yaml`;
    writeFileSync(yamlPath, mergekitYamlFromRecipe(best.recipe).yaml);
    log(`best recipe as mergekit YAML: ${yamlPath}`);
  }
  return { kind: 'search', state, best, pareto };
}

async function main() {
  const args = parseArgs(process.argv.slice(2), ['out', 'resume']);
  const [configPath] = args.positional;
  const out = args.options.get('out');
  if (!configPath || !out) {
    console.error('usage: npm run search -- <search-config.json> --out <result.json> [--resume <result.json>]');
    process.exit(2);
  }
  if (!existsSync(configPath)) throw new Error(`no such config: ${configPath}`);
  await searchFromFile(configPath, out, args.options.get('resume'));
}

if (process.argv[1] && import.meta.url === new URL(`file://${path.resolve(process.argv[1])}`).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
