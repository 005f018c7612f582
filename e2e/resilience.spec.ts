import { expect, test, type Page, type Worker } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-web';
import { mergeMethodNames } from '@/lib/merge/registry';
import type { ParamGradient, Recipe } from '@/lib/recipe/schema';
import { RECIPE_LIMITS } from '@/lib/recipe/schema';
import { taskArithmeticRecipe } from '@/lib/recipe/taskArithmeticRecipe';
import { encodeSharePayload, SHARE_LIMITS } from '@/lib/recipe/urlCodec';
import type { CanvasLayout } from '@/lib/store/canvasLayout';
import { Engine } from '@/lib/workers/engine';
import { nodeZooFiles, REPO_PUBLIC } from '@/lib/zoo/nodeZooFiles';
import { buildTaskArithmeticMerge } from './support/buildMerge';

/** Deterministic anchors in [0.2, 1.2): random enough that deflate cannot shrink them much. */
function anchors(seed: number): ParamGradient {
  let state = seed >>> 0;
  const next = () => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: RECIPE_LIMITS.gradientAnchors }, () => 0.2 + next());
}

/** Per-lane weight curves (attention, MLP, the rest), each with the most anchors a gradient may have. */
const laneWeights = (seed: number) => [
  { filter: 'self_attn', value: anchors(seed) },
  { filter: 'mlp', value: anchors(seed + 1) },
  { value: anchors(seed + 2) },
];

/** Two stages whose curves hold thousands of random anchors: a valid recipe far past a link's length. */
const BIG_RECIPE: Recipe = {
  version: 1,
  stages: [
    {
      name: 'merge-1',
      merge_method: 'task_arithmetic',
      base_model: 'zoo-base',
      models: [
        { model: 'zoo-add', parameters: { weight: laneWeights(1) } },
        { model: 'zoo-upper', parameters: { weight: laneWeights(11) } },
      ],
    },
    {
      name: 'merge-2',
      merge_method: 'linear',
      models: [
        { model: 'merge-1', parameters: { weight: anchors(21) } },
        { model: 'zoo-sort', parameters: { weight: anchors(31) } },
      ],
    },
  ],
  output: 'merge-2',
};

const BIG_LAYOUT: CanvasLayout = {
  nodes: {
    'model-zoo-add': { type: 'model', model: 'zoo-add', x: 0, y: 0 },
    'model-zoo-upper': { type: 'model', model: 'zoo-upper', x: 0, y: 160 },
    'model-zoo-sort': { type: 'model', model: 'zoo-sort', x: 320, y: 320 },
    'merge-1': { type: 'merge', stage: 'merge-1', x: 320, y: 80 },
    'merge-2': { type: 'merge', stage: 'merge-2', x: 640, y: 160 },
  },
  edges: [
    { source: 'model-zoo-add', target: 'merge-1' },
    { source: 'model-zoo-upper', target: 'merge-1' },
    { source: 'merge-1', target: 'merge-2' },
    { source: 'model-zoo-sort', target: 'merge-2' },
  ],
  active: 'merge-2',
};

const locationHash = (page: Page) => page.evaluate(() => window.location.hash);

async function importFile(page: Page, name: string, content: string) {
  await page.getByLabel('Recipe file to import').setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(content) });
  await expect(page.getByRole('status').filter({ hasText: `Opened ${name}` })).toBeVisible();
}

async function downloadOf(page: Page, button: string): Promise<string> {
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: button }).click();
  return (await download).path();
}

async function expectBigCanvas(page: Page) {
  await expect(page.getByLabel('Merge merge-1')).toContainText('task_arithmetic · 2 inputs');
  await expect(page.getByLabel('Merge merge-2')).toContainText('linear · 2 inputs');
  for (const id of ['zoo-add', 'zoo-upper', 'zoo-sort']) await expect(page.getByLabel(`Model ${id}`, { exact: true })).toBeVisible();
}

test('a canvas too big for a link: the link says so, the address bar lets go of it, and a JSON file carries it whole', async ({ page, browser }) => {
  const context = { methods: mergeMethodNames() };
  const tooLong = encodeSharePayload({ recipe: BIG_RECIPE, layout: BIG_LAYOUT }, context);
  expect(tooLong.ok ? 'fits in a link' : tooLong.error.code).toBe('too-long');

  // Start from a small shared canvas, so the address bar holds a link.
  const small = encodeSharePayload({ recipe: taskArithmeticRecipe(['zoo-add', 'zoo-upper']) }, context);
  if (!small.ok) throw new Error(small.error.message);
  await page.goto(`/${small.hash}`);
  await expect(page.getByLabel('Merge merge-1')).toContainText('task_arithmetic · 2 inputs');
  // (The studio rewrites it with the canvas's layout, so only its form is fixed.)
  expect(await locationHash(page)).toMatch(/^#r=v1\./);

  await importFile(page, 'big.recipe.json', JSON.stringify({ recipe: BIG_RECIPE, layout: BIG_LAYOUT }));
  await expectBigCanvas(page);

  // The old link would reopen the small canvas: it goes, and a note says why.
  await expect(page.getByRole('status').filter({ hasText: 'too big for a link' })).toBeVisible();
  await expect.poll(() => locationHash(page)).toBe('');

  await page.getByRole('button', { name: 'Share' }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'too big for a link' });
  await expect(alert).toContainText(`at most ${SHARE_LIMITS.encodedChars}`);
  await expect(alert).toContainText('Export JSON');
  await page.screenshot({ path: 'e2e/artifacts/resilience-too-big.png' });
  await alert.getByRole('button', { name: 'Close' }).click();
  await expectBigCanvas(page);

  const yaml = await readFile(await downloadOf(page, 'Export YAML'), 'utf8');
  const json = await readFile(await downloadOf(page, 'Export JSON'), 'utf8');
  const exported = JSON.parse(json) as { recipe: unknown };
  expect(exported.recipe).toEqual(BIG_RECIPE);

  // With no link in the address bar, a reload puts back the autosaved big canvas, not the old small one.
  await page.reload();
  await expectBigCanvas(page);
  expect(await locationHash(page)).toBe('');

  // A fresh browser (no autosave) opens the exported file: the same recipe.
  const fresh = await (await browser.newContext()).newPage();
  await fresh.goto('/');
  await expect(fresh.getByText('Start a merge')).toBeVisible();
  await importFile(fresh, 'merge.recipe.json', json);
  await expectBigCanvas(fresh);
  expect(await readFile(await downloadOf(fresh, 'Export YAML'), 'utf8')).toBe(yaml);
  await fresh.context().close();
});

// Two experts whose task-arithmetic merge keeps most of both skills (tools/zoo/README.md).
const EXPERTS = ['zoo-add', 'zoo-upper'];
ort.env.wasm.numThreads = 1;
const nodeEngine = new Engine(ort, nodeZooFiles(REPO_PUBLIC));
const target = { kind: 'merge' as const, recipe: taskArithmeticRecipe(EXPERTS), stage: 'merge-1' };

function firstDevPrompt(skill: string): string {
  const line = readFileSync(`public/evals/${skill}.dev.jsonl`, 'utf8').split('\n')[0] ?? '';
  return (JSON.parse(line) as { prompt: string }).prompt;
}

/** What the merge answers to `prompt`, by the same engine in Node. */
async function nodeAnswer(prompt: string): Promise<string> {
  // A channel per prompt: requests on one channel supersede each other.
  const result = await nodeEngine.generate(`e2e:${prompt}`, { targets: [target], prompt, maxNewTokens: 24 });
  return result.outputs[0]?.text ?? '';
}

async function expectMergedAnswer(page: Page, prompt: string, expected: Promise<string>) {
  await page.getByLabel('Prompt', { exact: true }).fill(prompt);
  const merged = page.getByRole('group', { name: 'Answer of merge-1 (merged)' }).getByTestId('preview-answer');
  await expect(merged).toHaveText(await expected);
}

async function engineWorker(page: Page): Promise<Worker> {
  for (const worker of page.workers()) {
    if ((await worker.evaluate(() => self.name)) === 'merge-engine') return worker;
  }
  throw new Error(`no merge-engine worker among ${page.workers().length} workers`);
}

test('a crashed engine worker is restarted: a clear message, the canvas intact, running requests retried, new prompts answered', async ({ page }) => {
  const [before, after] = [firstDevPrompt('add'), firstDevPrompt('upper')];
  // Worked out in Node while the browser builds the canvas.
  const [answerBefore, answerAfter] = [nodeAnswer(before), nodeAnswer(after)];
  await page.goto('/');
  await buildTaskArithmeticMerge(page, EXPERTS);
  const inspector = page.getByLabel('Inspector for merge-1');
  await expectMergedAnswer(page, before, answerBefore);

  // Crash the worker while it scores the merge: an uncaught error, as a real bug would throw.
  await expect(page.getByLabel('Scoring progress')).toBeVisible();
  const crashed = await engineWorker(page);
  await crashed.evaluate(() => {
    setTimeout(() => {
      throw new Error('simulated crash');
    });
  });

  const notice = page.getByRole('alert').filter({ hasText: 'The engine restarted after an error' });
  await expect(notice).toContainText('simulated crash');
  await expect(notice).toContainText('your canvas is intact');
  await expect(page.getByLabel('Merge merge-1')).toContainText('task_arithmetic · 2 inputs');
  await expect(inspector.getByLabel('Method')).toHaveValue('task_arithmetic');
  await page.screenshot({ path: 'e2e/artifacts/resilience-crash.png' });

  // The scoring that died with the worker runs again on the new one; a new prompt gets the merged answer.
  await expect(page.getByTestId('scores')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await expect(page.getByText('Scoring failed')).toHaveCount(0);
  await expect(page.getByTestId('merged-score-add')).toHaveText(/^\d+\.\d$/);
  await expectMergedAnswer(page, after, answerAfter);
  await expect(page.getByText('Preview failed')).toHaveCount(0);
});
