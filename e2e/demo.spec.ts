import { expect, test, type Locator, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import type { Recipe } from '../lib/recipe/schema';
import { taskArithmeticRecipe } from '../lib/recipe/taskArithmeticRecipe';
import { decodeSharePayload, encodeSharePayload, type Layout } from '../lib/recipe/urlCodec';

// Two experts whose task-arithmetic merge keeps both skills (tools/zoo/README.md).
const RECIPE: Recipe = taskArithmeticRecipe(['zoo-upper', 'zoo-shift'], { lambda: 1 });

// The canvas beside it, as the studio writes it into a share link.
const LAYOUT: Layout = {
  nodes: {
    'model-upper': { type: 'model', model: 'zoo-upper', x: 0, y: 0 },
    'model-shift': { type: 'model', model: 'zoo-shift', x: 0, y: 180 },
    'merge-a': { type: 'merge', stage: 'merge-1', x: 340, y: 90 },
  },
  edges: [
    { source: 'model-upper', target: 'merge-a' },
    { source: 'model-shift', target: 'merge-a' },
  ],
  active: 'merge-a',
};

const SKILLS = ['upper', 'shift'];
const COLUMNS = ['merge-1 (merged)', 'zoo-upper', 'zoo-shift', 'zoo-base'];

function hashOf(recipe: Recipe, layout: Layout = {}): string {
  const encoded = encodeSharePayload({ recipe, layout });
  if (!encoded.ok) throw new Error(encoded.error.message);
  return encoded.hash;
}

function devItems(skill: string, count: number): Array<{ prompt: string; answer: string }> {
  return readFileSync(`public/evals/${skill}.dev.jsonl`, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(0, count)
    .map((l) => JSON.parse(l) as { prompt: string; answer: string });
}

/** Every model's card has an answer (whatever it is: the zoo may be retrained while this runs). */
async function expectAllAnswered(scope: Locator | Page) {
  for (const label of COLUMNS) {
    await expect(scope.getByRole('region', { name: `Answer of ${label}` })).toHaveAttribute('data-state', 'answered', { timeout: 60_000 });
  }
}

test('a shared recipe as a demo: diagram, live scores, answers, presenter mode, back to the studio', async ({ page }) => {
  test.setTimeout(300_000);
  await page.setViewportSize({ width: 1280, height: 800 });
  const hash = hashOf(RECIPE, LAYOUT);
  await page.goto(`/demo${hash}`);

  // The diagram names every model and the method, with its setting in words.
  const diagram = page.getByRole('figure', { name: 'Recipe diagram' });
  for (const text of ['zoo-upper', 'zoo-shift', 'zoo-base', 'Task Arithmetic', 'lambda = 1', 'weight 1']) {
    await expect(diagram).toContainText(text);
  }
  await expect(page.getByTestId('recipe-sentence')).toHaveText('merge-1 combines zoo-upper and zoo-shift on top of zoo-base with Task Arithmetic.');
  await expect(page.getByRole('button', { name: /^(edit|delete|add|remove)\b/i })).toHaveCount(0);

  // A prepared prompt: every model answers, the expected answer is shown.
  const [shifted] = devItems('shift', 1);
  if (!shifted) throw new Error('no shift dev item');
  await page.getByRole('group', { name: 'Prepared prompts' }).getByRole('button', { name: shifted.prompt }).click();
  await expect(page.getByLabel('Prompt', { exact: true })).toHaveValue(shifted.prompt);
  await expect(page.getByTestId('demo-expected')).toHaveText(shifted.answer);
  await expectAllAnswered(page);

  // Headline scores: a percentage for each skill the merge covers, and the sentence.
  for (const skill of SKILLS) {
    const score = page.getByTestId(`demo-score-${skill}`);
    await expect(score).toBeVisible({ timeout: 180_000 });
    const value = Number(await score.textContent());
    expect(value).toBeGreaterThanOrEqual(0);
    expect(value).toBeLessThanOrEqual(100);
  }
  const summary = page.getByTestId('score-summary');
  await expect(summary).toHaveText(/^merge-1 (keeps|reaches|scores) .+\.$/, { timeout: 120_000 });
  await expect(summary).toContainText('zoo-shift');
  await expect(page.getByLabel('Scoring progress')).toHaveCount(0);

  // Nothing wider than the window at 1280×800.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
  await page.screenshot({ path: 'e2e/artifacts/demo.png', fullPage: true });
  await page.screenshot({ path: 'e2e/artifacts/demo-viewport.png' });

  // Presenter mode steps through the prepared prompts by keyboard.
  const order = [0, 1, 2].flatMap((i) => SKILLS.map((skill) => devItems(skill, 3)[i]!));
  await page.getByRole('button', { name: 'Presenter mode' }).click();
  const presenter = page.getByRole('dialog', { name: 'Presenter mode' });
  const step = presenter.getByTestId('presenter-step');
  const prompt = presenter.getByTestId('presenter-prompt');
  await expect(step).toHaveText(`Prompt 1 of ${order.length} · upper`);
  await expect(prompt).toHaveText(order[0]!.prompt);
  await page.keyboard.press('ArrowRight');
  await expect(step).toHaveText(`Prompt 2 of ${order.length} · shift`);
  await expect(prompt).toHaveText(order[1]!.prompt);
  await expect(presenter.getByTestId('presenter-expected')).toHaveText(order[1]!.answer);
  await expectAllAnswered(presenter);
  for (const label of COLUMNS) {
    await expect(presenter.getByRole('region', { name: `Answer of ${label}` }).getByRole('img', { name: /^(correct|wrong)$/ })).toBeVisible();
  }
  await page.screenshot({ path: 'e2e/artifacts/demo-presenter.png' });
  await page.keyboard.press('PageDown');
  await expect(prompt).toHaveText(order[2]!.prompt);
  await page.keyboard.press('Space');
  await expect(prompt).toHaveText(order[3]!.prompt);
  await page.keyboard.press('ArrowLeft');
  await expect(prompt).toHaveText(order[2]!.prompt);
  await page.keyboard.press('PageUp');
  await expect(step).toHaveText(`Prompt 2 of ${order.length} · shift`);
  await page.keyboard.press('Escape');
  await expect(presenter).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Presenter mode' })).toBeFocused();

  // "Open in studio" opens the same hash on the studio, which restores the canvas.
  const studioLink = page.getByRole('link', { name: 'Open in studio' });
  await expect(studioLink).toHaveAttribute('href', `/${hash}`);
  await studioLink.click();
  await expect(page).toHaveURL(/\/#r=v1\./);
  await expect(page.getByLabel('Merge merge-1')).toContainText('task_arithmetic · 2 inputs');
  await expect(page.getByLabel('Model zoo-upper', { exact: true })).toBeVisible();
  await expect(page.getByLabel('Model zoo-shift', { exact: true })).toBeVisible();

  // …and its Share offers the demo of the same link.
  await page.getByRole('button', { name: 'Share' }).click();
  const shared = new URL(await page.getByLabel('Share link').inputValue());
  await expect(page.getByRole('link', { name: 'Open demo' })).toHaveAttribute('href', `/demo${shared.hash}`);
});

test('without a hash the demo page says what a demo link is and how to make one', async ({ page }) => {
  await page.goto('/demo');
  await expect(page.getByRole('heading', { name: 'This demo link holds no recipe' })).toBeVisible();
  await expect(page.getByText(/Press Share, then Open demo/)).toBeVisible();
  await expect(page.getByRole('link', { name: 'Open the studio' })).toHaveAttribute('href', '/');
});

test('a damaged demo link shows the decoder’s reason', async ({ page }) => {
  const damaged = '#r=v1.not-a-real-payload';
  const decoded = decodeSharePayload(damaged);
  if (decoded.ok) throw new Error('expected a damaged link');
  await page.goto(`/demo${damaged}`);
  await expect(page.getByRole('heading', { name: 'This demo link could not be opened' })).toBeVisible();
  await expect(page.getByRole('main').getByRole('alert')).toHaveText(decoded.error.message);

  // A well-formed link naming a model the zoo does not have is refused too, with the model named.
  const unknown = structuredClone(RECIPE);
  unknown.stages[0]!.models![1]!.model = 'zoo-missing';
  // (A new hash on the same page: the demo follows hash changes.)
  await page.goto(`/demo${hashOf(unknown)}`);
  await expect(page.getByRole('main').getByRole('alert')).toContainText('zoo-missing');
  await expect(page.getByRole('link', { name: 'Open the studio' })).toBeVisible();
});
