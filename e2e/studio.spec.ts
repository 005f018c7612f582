import { expect, test, type Locator, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import type { Recipe } from '@/lib/recipe/schema';
import { taskArithmeticRecipe } from '@/lib/recipe/taskArithmeticRecipe';
import { Engine } from '@/lib/workers/engine';
import { nodeZooFiles, REPO_PUBLIC } from '@/lib/zoo/nodeZooFiles';

// Two experts whose task-arithmetic merge keeps most of both skills (tools/zoo/README.md).
const FIRST = { model: 'zoo-upper', skill: 'upper' };
const SECOND = { model: 'zoo-count', skill: 'count' };
const SKILLS = ['add', 'reverse', 'sort', 'upper', 'count', 'shift'];

/** The merge the test builds on the canvas, run by the same engine in Node: what Chromium must show. */
const RECIPE: Recipe = taskArithmeticRecipe([FIRST.model, SECOND.model]);
ort.env.wasm.numThreads = 1;
const nodeEngine = new Engine(ort, nodeZooFiles(REPO_PUBLIC));
const target = { kind: 'merge' as const, recipe: RECIPE, stage: 'merge-1' };

function firstDevItem(skill: string): { prompt: string; answer: string } {
  const line = readFileSync(`public/evals/${skill}.dev.jsonl`, 'utf8').split('\n')[0] ?? '';
  return JSON.parse(line) as { prompt: string; answer: string };
}

async function dragOntoCanvas(page: Page, source: Locator, x: number, y: number) {
  const canvas = page.getByTestId('canvas');
  const box = await canvas.boundingBox();
  if (!box) throw new Error('canvas not visible');
  await source.dragTo(canvas, { targetPosition: { x, y } });
}

async function connectHandles(page: Page, from: Locator, to: Locator) {
  // The canvas refits its view when nodes are added: measure once it has settled.
  await expect(from).toBeInViewport();
  await page.waitForTimeout(200);
  const a = await from.boundingBox();
  const b = await to.boundingBox();
  if (!a || !b) throw new Error('handle not visible');
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 12 });
  await page.mouse.up();
}

async function mergedScores(page: Page, skills: string[]): Promise<Record<string, string>> {
  const scores: Record<string, string> = {};
  for (const skill of skills) scores[skill] = (await page.getByTestId(`merged-score-${skill}`).textContent()) ?? '';
  return scores;
}

test('drag two experts, merge them, preview both skills, score, share and reopen', async ({ page, context }) => {
  await page.goto('/');
  await expect(page.getByText('Start a merge')).toBeVisible();

  await dragOntoCanvas(page, page.getByLabel(`Library model ${FIRST.model}`), 150, 120);
  await dragOntoCanvas(page, page.getByLabel(`Library model ${SECOND.model}`), 150, 320);
  await expect(page.getByLabel(`Model ${FIRST.model}`, { exact: true })).toBeVisible();
  await expect(page.getByLabel(`Model ${SECOND.model}`, { exact: true })).toBeVisible();

  await page.getByRole('button', { name: 'Add merge node' }).click();
  await expect(page.getByLabel('Merge merge-1')).toBeVisible();

  // One input by dragging from handle to handle, the other from the inspector (keyboard path).
  await connectHandles(page, page.getByLabel(`Output of ${FIRST.model}`), page.getByLabel('Inputs of merge-1'));
  await page.getByLabel('Merge merge-1').click();
  const inspector = page.getByLabel('Inspector for merge-1');
  await inspector.getByLabel('Add input').selectOption({ label: SECOND.model });
  await expect(page.getByLabel('Merge merge-1')).toContainText('2 inputs');

  await inspector.getByLabel('Method').selectOption('task_arithmetic');
  await inspector.getByLabel(/Base model/).selectOption('zoo-base');

  // The merged model answers both skills' example prompts: in Chromium exactly what the same
  // engine answers in Node, and the first skill's answer is right.
  for (const skill of [FIRST.skill, SECOND.skill]) {
    const item = firstDevItem(skill);
    const expected = await nodeEngine.generate('e2e', { targets: [target], prompt: item.prompt, maxNewTokens: 24 });
    await page.getByLabel('Prompt', { exact: true }).fill(item.prompt);
    const merged = page.getByRole('group', { name: 'Answer of merge-1 (merged)' }).getByTestId('preview-answer');
    await expect(merged).toHaveText(expected.outputs[0]?.text ?? '');
    if (skill === FIRST.skill) await expect(merged).toHaveText(item.answer);
  }

  // Scores of the merge appear on the chart: the numbers the engine computes in Node.
  await expect(page.getByTestId(`merged-score-${FIRST.skill}`)).toBeAttached({ timeout: 60_000 });
  await expect(page.getByTestId('scores')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  const before = await mergedScores(page, SKILLS);
  const reference = await nodeEngine.score('e2e', { target, split: 'test', skills: SKILLS });
  for (const s of reference.scores) expect(before[s.skill]).toBe((100 * s.accuracy).toFixed(1));
  for (const skill of [FIRST.skill, SECOND.skill]) expect(Number(before[skill])).toBeGreaterThan(50);

  await page.getByRole('button', { name: 'Share' }).click();
  const url = await page.getByLabel('Share link').inputValue();
  expect(url).toContain('#');

  const fresh = await context.newPage();
  await fresh.goto(url);
  await expect(fresh.getByLabel('Merge merge-1')).toContainText('task_arithmetic · 2 inputs');
  await expect(fresh.getByTestId(`merged-score-${FIRST.skill}`)).toBeAttached({ timeout: 60_000 });
  await expect(fresh.getByTestId('scores')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  expect(await mergedScores(fresh, SKILLS)).toEqual(before);
  await fresh.screenshot({ path: 'e2e/artifacts/studio-restored.png', fullPage: true });
});
