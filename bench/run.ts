/**
 * npm run bench: measures, side by side in one run, and records the figures in bench/results/.
 * Benchmarks are not tests: nothing here passes or fails on time.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { replaceSection } from '@/tools/cli/readmeSection';
import { startStudio } from './server';
import { getMergeMethod } from '@/lib/merge/registry';
import { measureMergeThroughput } from './mergeThroughput';
import { measureStudioLatency } from './studioLatency';
import { measureSearch, searchBenchTable } from './searchComparison';
import { measureValidationCost, validationCostTable } from './sourcesValidation';

const DEFAULT_SEARCH_EVALUATIONS = 60;

/** `npm run bench -- --evaluations N`: the search budget in full evaluations (default 60). */
function searchEvaluations(argv: readonly string[]): number {
  const at = argv.indexOf('--evaluations');
  if (at < 0) return DEFAULT_SEARCH_EVALUATIONS;
  const n = Number(argv[at + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error('--evaluations takes a positive integer');
  return n;
}

type BenchPart = 'studio' | 'search' | 'sources';

/** `npm run bench -- --only studio|search|sources` runs one part; no option runs them all. */
function selectedParts(argv: readonly string[]): Set<BenchPart> {
  const at = argv.indexOf('--only');
  if (at < 0) return new Set(['studio', 'search', 'sources']);
  const part = argv[at + 1];
  if (part !== 'studio' && part !== 'search' && part !== 'sources') throw new Error('--only takes studio, search or sources');
  return new Set([part]);
}

async function main() {
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`;
  console.log(`Merge Studio benchmarks on ${machine}\n`);
  const parts = selectedParts(process.argv.slice(2));
  await mkdir('bench/results', { recursive: true });
  if (parts.has('studio')) await benchStudio(machine);
  if (parts.has('search')) await benchSearch(machine, searchEvaluations(process.argv.slice(2)));
  if (parts.has('sources')) await benchSources(machine);
}

async function benchSources(machine: string) {
  console.log('validation before any weight moves: bytes read per 135M-shaped model (loopback hub and folders)…');
  const cost = await measureValidationCost();
  const table = validationCostTable(cost);
  console.log(`\n${table}`);
  const date = new Date().toISOString();
  await writeFile('bench/results/sources.json', `${JSON.stringify({ date, machine, ...cost }, null, 2)}\n`);
  const readme = await readFile('README.md', 'utf8');
  await writeFile('README.md', replaceSection(readme, 'sources-bench', `Measured ${date.slice(0, 10)} on ${machine}.\n\n${table}`));
  console.log('\nrecorded in bench/results/sources.json and README.md');
}

async function benchSearch(machine: string, fullEvaluations: number) {
  console.log('search: multi-fidelity vs random search vs CMA-ES, Hi-Merging vs tuned task arithmetic and TIES…');
  const result = await measureSearch({
    experts: [
      { model: 'zoo-add', skill: 'add' },
      { model: 'zoo-count', skill: 'count' },
    ],
    seeds: [0, 1, 2, 3, 4],
    fullEvaluations,
    maxFidelity: 120,
    minFidelity: 13,
    testItems: 250,
  });
  const date = new Date().toISOString();
  const table = searchBenchTable(result);
  const record = `${JSON.stringify({ date, machine, ...result }, null, 2)}\n`;
  console.log(`\n${table}`);
  // The README's table is the default budget's; another budget is a side run with its own record.
  if (fullEvaluations !== DEFAULT_SEARCH_EVALUATIONS) {
    const path = `bench/results/search-${fullEvaluations}-evaluations.json`;
    await writeFile(path, record);
    console.log(`\nrecorded in ${path}`);
    return;
  }
  await writeFile('bench/results/search.json', record);
  const readme = await readFile('README.md', 'utf8');
  await writeFile('README.md', replaceSection(readme, 'search-bench', `Measured ${date.slice(0, 10)} on ${machine} in ${(result.ms / 60_000).toFixed(1)} min.\n\n${table}`));
  console.log('\nrecorded in bench/results/search.json and README.md');
}

async function benchStudio(machine: string) {

  console.log('merging 135M-shaped checkpoints (base + 3 experts, bf16)…');
  const throughput = await measureMergeThroughput(['linear', 'task_arithmetic', 'ties', 'dare_ties'].filter((m) => getMergeMethod(m)));
  const memoryBudget = (throughput.models + 2) * throughput.modelBytes;
  const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
  const throughputTable = [
    `| 135M-shaped merge (${throughput.models} models of ${mb(throughput.modelBytes)}) | time | × plain pass | peak RSS | budget (models + 2) × size |`,
    '|---|---|---|---|---|',
    ...throughput.rows.map((r) => `| ${r.name} | ${(r.ms / 1000).toFixed(2)} s | ${r.ratio.toFixed(2)}× | ${mb(r.maxRssBytes)} | ${mb(memoryBudget)} |`),
  ].join('\n');
  console.log(`${throughputTable}\n`);

  const studio = await startStudio(Number(process.env.BENCH_PORT ?? 3200));
  let latency;
  try {
    latency = await measureStudioLatency(studio.url);
  } finally {
    studio.stop();
  }
  const rows = [
    ['slider → merged answer, median (Chromium)', `${latency.sliderToAnswerMs.median.toFixed(0)} ms`],
    ['slider → merged answer, p90 (Chromium)', `${latency.sliderToAnswerMs.p90.toFixed(0)} ms`],
    [`score ${latency.scoredPrompts} test prompts (Chromium worker)`, `${(latency.browserScoreMs / 1000).toFixed(2)} s`],
    [`score ${latency.scoredPrompts} test prompts (Node, same engine)`, `${(latency.nodeScoreMs / 1000).toFixed(2)} s`],
    ['Chromium / Node scoring time', `${(latency.browserScoreMs / latency.nodeScoreMs).toFixed(2)}×`],
  ];
  const width = Math.max(...rows.map(([k]) => (k ?? '').length));
  for (const [k, v] of rows) console.log(`${(k ?? '').padEnd(width)}  ${v}`);

  const record = { date: new Date().toISOString(), machine, studio: latency, throughput };
  await writeFile('bench/results/studio.json', `${JSON.stringify(record, null, 2)}\n`);
  const table = ['| measure | value |', '|---|---|', ...rows.map(([k, v]) => `| ${k ?? ''} | ${v ?? ''} |`)].join('\n');
  const readme = await readFile('README.md', 'utf8');
  await writeFile('README.md', replaceSection(readme, 'bench', `Measured ${record.date.slice(0, 10)} on ${machine}.\n\n${table}\n\n${throughputTable}`));
  console.log('\nrecorded in bench/results/studio.json and README.md');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
