/**
 * npm run table: every merge method on the zoo, all experts merged, its coefficient chosen on
 * the dev split, exact match on the test split per skill and averaged, next to the experts
 * and the base. Writes the table into README.md between <!-- methods:start/end --> and
 * records the raw numbers in bench/results/methods.json.
 */
import { readFile, writeFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-web';
import { parseEvalIndex } from '@/lib/eval/evalSet';
import { getMergeMethod, mergeMethodNames } from '@/lib/merge/registry';
import type { ParamMap, Recipe } from '@/lib/recipe/schema';
import { Engine } from '@/lib/workers/engine';
import type { ModelTarget, SkillScore } from '@/lib/workers/engineApi';
import { zooIndexSchema } from '@/lib/zoo/zooIndex';
import { nodeZooFiles, REPO_PUBLIC } from '@/lib/zoo/nodeZooFiles';
import { replaceSection } from './readmeSection';

/** The settings searched on dev for each method: global parameters, and per-model ones. */
interface Candidate {
  global: ParamMap;
  perModel: ParamMap;
  label: string;
}

const LAMBDAS = [0.4, 0.6, 0.8, 1.0, 1.2];
const ALPHAS = [0.6, 1.0, 1.4, 1.8];

function grid(global: Record<string, number[]>, perModel: Record<string, number[]> = {}): Candidate[] {
  const axes = [...Object.entries(global).map(([k, v]) => ['g', k, v] as const), ...Object.entries(perModel).map(([k, v]) => ['m', k, v] as const)];
  let out: Candidate[] = [{ global: {}, perModel: {}, label: '' }];
  for (const [scope, name, values] of axes) {
    out = out.flatMap((c) =>
      values.map((v) => ({
        global: scope === 'g' ? { ...c.global, [name]: v } : c.global,
        perModel: scope === 'm' ? { ...c.perModel, [name]: v } : c.perModel,
        label: `${c.label}${c.label ? ', ' : ''}${name} ${v}`,
      })),
    );
  }
  return out;
}

/** Methods that merge any number of experts with the base, and what to tune for each. */
const SEARCH: Record<string, Candidate[]> = {
  linear: [{ global: {}, perModel: { weight: 1 }, label: 'equal weights' }],
  task_arithmetic: grid({ lambda: LAMBDAS }, { weight: [1] }),
  ties: grid({ lambda: [0.6, 1.0, 1.4] }, { weight: [1], density: [0.2, 0.4, 0.7] }),
  dare_ties: grid({ lambda: [0.6, 1.0, 1.4] }, { weight: [1], density: [0.3, 0.6] }),
  dare_linear: grid({ lambda: [0.6, 1.0, 1.4] }, { weight: [1], density: [0.3, 0.6] }),
  breadcrumbs: grid({ lambda: [0.6, 1.0, 1.4] }, { weight: [1], density: [0.5, 0.8] }),
  breadcrumbs_ties: grid({ lambda: [0.6, 1.0, 1.4] }, { weight: [1], density: [0.5, 0.8] }),
  della: grid({ lambda: [0.6, 1.0, 1.4] }, { weight: [1], density: [0.4, 0.7] }),
  della_linear: grid({ lambda: [0.6, 1.0, 1.4] }, { weight: [1], density: [0.4, 0.7] }),
  sce: grid({ select_topk: [0.1, 0.3, 0.6, 1.0] }),
  multislerp: [{ global: {}, perModel: { weight: 1 }, label: 'equal weights' }],
  karcher: [{ global: {}, perModel: {}, label: 'equal weights (mergekit has no per-model weight)' }],
  model_stock: [{ global: {}, perModel: {}, label: 'no coefficient' }],
  tsv: grid({ alpha: ALPHAS }),
  iso_c: grid({ alpha: ALPHAS }),
  iso_cts: grid({ alpha: ALPHAS }),
};

/** Why a method is not in the all-experts table. */
const NOT_APPLICABLE: Record<string, string> = {
  slerp: 'two models only',
  nuslerp: 'two models only',
  nearswap: 'two models only',
  passthrough: 'stacks layers, does not combine them',
};

/** Methods that would average the base in as one more model (mergekit adds base_model to their inputs). */
const WITHOUT_BASE = new Set(['linear', 'karcher']);

function recipeFor(method: string, experts: string[], c: Candidate): Recipe {
  return {
    version: 1,
    stages: [
      {
        name: 'all',
        merge_method: method,
        ...(WITHOUT_BASE.has(method) ? {} : { base_model: 'zoo-base' }),
        models: experts.map((model) => ({ model, ...(Object.keys(c.perModel).length ? { parameters: c.perModel } : {}) })),
        ...(Object.keys(c.global).length ? { parameters: c.global } : {}),
      },
    ],
  };
}

const mean = (scores: SkillScore[]) => scores.reduce((s, x) => s + x.accuracy, 0) / Math.max(1, scores.length);
const pct = (x: number) => (100 * x).toFixed(1);

async function main() {
  ort.env.wasm.numThreads = 1;
  const files = nodeZooFiles(REPO_PUBLIC);
  const engine = new Engine(ort, files);
  const skills = parseEvalIndex(JSON.parse(await files.text('/evals/index.json'))).skills.map((s) => s.id);
  const zoo = zooIndexSchema.parse(JSON.parse(await files.text('/models/index.json')));
  const experts = zoo.models.filter((m) => m.role === 'expert').map((m) => m.id);
  const score = async (target: ModelTarget, split: 'dev' | 'test') => (await engine.score('table', { target, split, skills })).scores;

  const rows: Array<{ name: string; setting: string; test: SkillScore[] | null; note?: string }> = [];
  for (const m of zoo.models) rows.push({ name: m.id, setting: m.role, test: await score({ kind: 'zoo', id: m.id }, 'test') });

  for (const method of mergeMethodNames()) {
    const candidates = SEARCH[method];
    if (!candidates) {
      rows.push({ name: method, setting: '', test: null, note: NOT_APPLICABLE[method] ?? 'not searched' });
      continue;
    }
    let best: { c: Candidate; dev: number } | null = null;
    for (const c of candidates) {
      const recipe = recipeFor(method, experts, c);
      const dev = mean(await score({ kind: 'merge', recipe, stage: 'all' }, 'dev'));
      if (!best || dev > best.dev) best = { c, dev };
    }
    if (!best) continue;
    const test = await score({ kind: 'merge', recipe: recipeFor(method, experts, best.c), stage: 'all' }, 'test');
    const inMergekit = getMergeMethod(method)?.inMergekit ?? true;
    rows.push({ name: `${method}${inMergekit ? '' : ' †'}`, setting: best.c.label, test });
    console.log(`${method}: ${best.c.label} → test mean ${pct(mean(test))}`);
  }

  const header = `| model or merge | setting (chosen on dev) | ${skills.join(' | ')} | mean |\n|---|---|${skills.map(() => '---|').join('')}---|`;
  const lines = rows.map((r) =>
    r.test
      ? `| ${r.name} | ${r.setting} | ${skills.map((s) => pct(r.test?.find((x) => x.skill === s)?.accuracy ?? NaN)).join(' | ')} | ${pct(mean(r.test))} |`
      : `| ${r.name} | ${r.note ?? ''} | ${skills.map(() => '–').join(' | ')} | – |`,
  );
  const table = `${header}\n${lines.join('\n')}\n\n† beyond mergekit (the studio runs it; mergekit YAML export says so).`;
  const readme = await readFile('README.md', 'utf8');
  await writeFile('README.md', replaceSection(readme, 'methods', table));
  await writeFile('bench/results/methods.json', `${JSON.stringify({ date: new Date().toISOString(), skills, rows }, null, 2)}\n`);
  console.log(table);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
