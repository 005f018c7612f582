import { expect, test, type Locator, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';

// Two experts whose task-arithmetic merge keeps both skills (tools/zoo/README.md).
const FIRST = { model: 'zoo-upper', skill: 'upper' };
const SECOND = { model: 'zoo-shift', skill: 'shift' };

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

  // The merged model answers both skills' example prompts.
  for (const skill of [FIRST.skill, SECOND.skill]) {
    const item = firstDevItem(skill);
    await page.getByLabel('Prompt (greedy decoding until a newline)').fill(item.prompt);
    await expect(page.getByRole('group', { name: 'Answer of merge-1 (merged)' }).getByTestId('preview-answer')).toHaveText(item.answer);
  }

  // Scores of the merge appear on the chart.
  const skills = [FIRST.skill, SECOND.skill];
  await expect(page.getByTestId(`merged-score-${FIRST.skill}`)).toBeAttached({ timeout: 60_000 });
  const before = await mergedScores(page, skills);
  for (const skill of skills) expect(Number(before[skill])).toBeGreaterThan(50);

  await page.getByRole('button', { name: 'Share' }).click();
  const url = await page.getByLabel('Share link').inputValue();
  expect(url).toContain('#');

  const fresh = await context.newPage();
  await fresh.goto(url);
  await expect(fresh.getByLabel('Merge merge-1')).toContainText('task_arithmetic · 2 inputs');
  await expect(fresh.getByTestId(`merged-score-${FIRST.skill}`)).toBeAttached({ timeout: 60_000 });
  expect(await mergedScores(fresh, skills)).toEqual(before);
  await fresh.screenshot({ path: 'e2e/artifacts/studio-restored.png', fullPage: true });
});
