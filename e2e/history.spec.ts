import { expect, test, type Page } from '@playwright/test';
import { buildTaskArithmeticMerge } from './support/buildMerge';

// Two experts whose task-arithmetic merge keeps both skills (tools/zoo/README.md).
const EXPERTS = ['zoo-upper', 'zoo-shift'];
const SKILLS = ['upper', 'shift'];

async function mergedScores(page: Page): Promise<Record<string, number>> {
  const scores: Record<string, number> = {};
  for (const skill of SKILLS) scores[skill] = Number(await page.getByTestId(`merged-score-${skill}`).textContent());
  return scores;
}

function tab(page: Page, name: string) {
  return page.getByRole('tablist', { name: 'Results' }).getByRole('tab', { name });
}

function experiments(page: Page) {
  return page.getByRole('list', { name: 'Experiments' }).getByRole('listitem');
}

test('experiments are recorded, compared, restored and deleted; the canvas survives a reload; charts follow the merge', async ({ page }) => {
  test.setTimeout(480_000);
  await page.goto('/');
  await expect(page.getByText('Start a merge')).toBeVisible();

  // History starts empty, with a clear message.
  await tab(page, 'History').click();
  await expect(page.getByText('No experiments yet.')).toBeVisible();
  await tab(page, 'Scores').click();

  await buildTaskArithmeticMerge(page, EXPERTS);
  const inspector = page.getByLabel('Inspector for merge-1');
  await expect(page.getByLabel('Merge merge-1')).toContainText('task_arithmetic · 2 inputs');

  // First experiment: scores, then one entry in the history.
  const scores = page.getByTestId('scores');
  await expect(page.getByTestId('merged-score-upper')).toBeAttached({ timeout: 120_000 });
  await expect(scores).toHaveAttribute('data-state', 'ready', { timeout: 120_000 });
  const first = await mergedScores(page);
  await tab(page, 'History').click();
  await expect(tab(page, 'History')).toHaveAttribute('aria-selected', 'true');
  await expect(experiments(page)).toHaveCount(1, { timeout: 30_000 });
  await expect(experiments(page).first()).toContainText('merge-1: task_arithmetic of zoo-upper, zoo-shift (base zoo-base)');
  await expect(experiments(page).first()).toContainText('on the canvas');

  // Second experiment: another weight, scored while the History tab is open.
  await inspector.getByLabel('weight of zoo-upper value').fill('0.5');
  await expect(experiments(page)).toHaveCount(2, { timeout: 180_000 });
  await expect(experiments(page).first()).toHaveAccessibleName('Experiment #2');
  await expect(scores).toHaveAttribute('data-state', 'ready');
  const second = await mergedScores(page);
  await expect(page.getByRole('table', { name: 'Score history' }).getByRole('row')).toHaveCount(3);
  await page.screenshot({ path: 'e2e/artifacts/history.png', fullPage: true });

  // Search by model, method and stage name.
  const search = page.getByLabel('Search experiments');
  await search.fill('ties');
  await expect(page.getByText('No experiment matches “ties”')).toBeVisible();
  await search.fill('SHIFT task_arith');
  await expect(experiments(page)).toHaveCount(2);
  await search.fill('');

  // Compare the two: the change in words, and per-skill deltas that match the scores.
  await page.getByLabel('Choose #1 to compare').check();
  await page.getByLabel('Choose #2 to compare').check();
  await page.getByRole('button', { name: 'Compare #1 and #2' }).click();
  const comparison = page.getByRole('region', { name: 'Comparison of #1 and #2' });
  await expect(comparison.getByRole('list', { name: 'Recipe changes' })).toHaveText('Weight of zoo-upper 1 → 0.5.');
  for (const skill of SKILLS) {
    const text = (await comparison.getByTestId(`compare-delta-${skill}`).textContent()) ?? '';
    const delta = Number(text.replace('−', '-').replace('±', ''));
    expect(Math.abs(delta - (second[skill]! - first[skill]!))).toBeLessThan(0.11);
  }
  await page.screenshot({ path: 'e2e/artifacts/history-compare.png', fullPage: true });
  await comparison.getByRole('button', { name: 'Back to the list' }).click();

  // Restore the first: the inspector shows its weight again, and nothing new is recorded.
  await page.getByRole('button', { name: 'Restore #1 onto the canvas' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Restored #1 onto the canvas.' })).toBeVisible();
  await expect(inspector.getByLabel('weight of zoo-upper value')).toHaveValue('1');
  // A restore can be undone, and redone.
  await page.getByRole('button', { name: 'Undo restore' }).click();
  await expect(inspector.getByLabel('weight of zoo-upper value')).toHaveValue('0.5');
  await page.getByRole('button', { name: 'Restore #1 onto the canvas' }).click();
  await expect(inspector.getByLabel('weight of zoo-upper value')).toHaveValue('1');
  await expect(page.getByRole('listitem', { name: 'Experiment #1' })).toContainText('on the canvas');
  await expect(scores).toHaveAttribute('data-state', 'ready', { timeout: 120_000 });
  expect(await mergedScores(page)).toEqual(first);
  await expect(experiments(page)).toHaveCount(2);

  // Delete the second.
  await page.getByRole('button', { name: 'Delete #2' }).click();
  await expect(experiments(page)).toHaveCount(1);
  await expect(experiments(page).first()).toHaveAccessibleName('Experiment #1');

  // Radar: the merge's numbers are ScoresPanel's; the sources are there too.
  await tab(page, 'Radar').click();
  for (const skill of SKILLS) await expect(page.getByTestId(`radar-merged-${skill}`)).toHaveText(first[skill]!.toFixed(1));
  await expect(page.getByTestId('radar-zoo-upper-upper')).toHaveText(/^\d+\.\d$/, { timeout: 180_000 });
  await expect(page.getByTestId('radar-zoo-base-upper')).toHaveText(/^\d+\.\d$/, { timeout: 180_000 });
  await page.screenshot({ path: 'e2e/artifacts/history-radar.png', fullPage: true });

  // Normalised: merge ÷ the expert of each skill among the inputs.
  await tab(page, 'Normalised').click();
  for (const skill of SKILLS) {
    await expect(page.getByTestId(`normalised-merge-${skill}`)).toHaveText(first[skill]!.toFixed(1));
    const expertText = (await page.getByTestId(`normalised-expert-${skill}`).textContent()) ?? '';
    expect(expertText).toMatch(new RegExp(`^zoo-${skill}: \\d+\\.\\d$`));
    const expert = Number(expertText.split(': ')[1]);
    const ratio = Number(((await page.getByTestId(`normalised-${skill}`).textContent()) ?? '').replace('%', ''));
    if (expert > 0) expect(Math.abs(ratio - (100 * first[skill]!) / expert)).toBeLessThan(0.3);
  }
  await expect(page.getByTestId('normalised-add')).toHaveText('—');
  await expect(page.getByTestId('normalised-expert-add')).toHaveText('no expert among the inputs');
  await page.screenshot({ path: 'e2e/artifacts/history-normalised.png', fullPage: true });

  // Diagnostics: layers × groups of the experts' task vectors against the base.
  await tab(page, 'Diagnostics').click();
  const heatmap = page.getByTestId('diagnostics-heatmap');
  await expect(heatmap).toBeVisible({ timeout: 120_000 });
  await expect(page.getByText('zoo-upper, zoo-shift against zoo-base')).toBeVisible();
  // Layers 0 … 3, the tensors outside them, all layers (and the header).
  await expect(heatmap.getByRole('row')).toHaveCount(7);
  for (const cell of ['layer-0-attention', 'layer-3-mlp', 'outside-layers-embeddings']) {
    const cosine = Number(await page.getByTestId(`diagnostics-${cell}`).textContent());
    expect(cosine).toBeGreaterThanOrEqual(-1);
    expect(cosine).toBeLessThanOrEqual(1);
  }
  await page.screenshot({ path: 'e2e/artifacts/history-diagnostics.png', fullPage: true });
  await page.getByRole('radio', { name: 'sign-conflict rate' }).check();
  await expect(heatmap).toHaveAttribute('data-metric', 'signConflict');
  const conflict = (await page.getByTestId('diagnostics-layer-0-mlp').textContent()) ?? '';
  expect(conflict).toMatch(/^\d+%$/);
  expect(Number(conflict.replace('%', ''))).toBeLessThanOrEqual(100);

  // A reload without the share hash puts the autosaved canvas back.
  await page.waitForTimeout(1000);
  await page.goto('/');
  await expect(page.getByLabel('Merge merge-1')).toContainText('task_arithmetic · 2 inputs');
  await expect(page.getByLabel('Model zoo-upper', { exact: true })).toBeVisible();
  await expect(page.getByText('Start a merge')).toHaveCount(0);
  await page.getByLabel('Merge merge-1').click();
  await expect(page.getByLabel('Inspector for merge-1').getByLabel('weight of zoo-upper value')).toHaveValue('1');
  await tab(page, 'History').click();
  await expect(experiments(page)).toHaveCount(1);
  await expect(page.getByTestId('merged-score-upper')).toHaveText(/^\d+\.\d$/, { timeout: 120_000 });
});
