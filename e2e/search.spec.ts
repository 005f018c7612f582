import { expect, test, type Locator, type Page } from '@playwright/test';

// Two experts whose merges keep much of both skills (tools/zoo/README.md).
const EXPERTS = ['zoo-add', 'zoo-upper'];

function drawer(page: Page): Locator {
  return page.getByRole('region', { name: 'Automated search' });
}

async function openDrawer(page: Page): Promise<Locator> {
  await page.getByRole('button', { name: /^Automated search/ }).click();
  const panel = drawer(page);
  await expect(panel).toBeVisible();
  return panel;
}

async function chooseExperts(panel: Locator, chosen: readonly string[]) {
  const boxes = panel.getByRole('group', { name: 'Experts' }).getByRole('checkbox');
  await expect(boxes.first()).toBeVisible();
  for (const box of await boxes.all()) {
    const name = (await box.evaluate((el) => el.closest('label')?.textContent ?? '')).split(' ')[0] ?? '';
    await box.setChecked(chosen.includes(name));
  }
}

function trialsDone(status: string): number {
  return Number(/(\d+) trials?/.exec(status)?.[1] ?? 0);
}

test('a tiny search runs to its budget, its best candidate goes onto the canvas; cancel stops a search; a reload offers Resume', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('/');
  await expect(page.getByText('Start a merge')).toBeVisible();

  const panel = await openDrawer(page);
  await expect(panel.getByText('No search yet.')).toBeVisible();
  await chooseExperts(panel, EXPERTS);

  // Wrong settings are explained next to their field, and nothing can start.
  const budget = panel.getByLabel('Budget (examples in all)');
  await budget.fill('');
  await expect(budget).toHaveAttribute('aria-invalid', 'true');
  await expect(panel.getByText('enter a number')).toBeVisible();
  await expect(panel.getByRole('button', { name: 'Start search' })).toBeDisabled();

  // A tiny multi-fidelity search: 20 dev examples per skill at full fidelity, 7 on the first rung.
  await budget.fill('160');
  await panel.getByLabel('Max examples per skill').fill('20');
  await panel.getByLabel('Fewest examples per skill').fill('6');
  await expect(panel.getByTestId('search-cost')).toContainText('Costs 148 examples: about 6 evaluations, 3 at full fidelity');
  await panel.getByRole('button', { name: 'Start search' }).click();

  const progress = panel.getByRole('progressbar', { name: 'Search progress' });
  await expect(panel.getByRole('button', { name: 'Cancel' })).toBeVisible();
  await expect(progress).toHaveAttribute('aria-valuenow', '100', { timeout: 120_000 });
  await expect(panel.getByTestId('search-progress')).toHaveAttribute('data-state', 'finished');
  await expect(progress).toHaveAttribute('aria-valuetext', '148 of 160 examples, finished');
  await expect(panel.getByRole('status').filter({ hasText: 'Finished' })).toContainText('6 trials, 148 of 160 examples');
  await expect(panel.getByTestId('search-best-score')).toHaveText(/^\d+\.\d%$/);
  await expect(panel.getByRole('img', { name: /Step line of the best mean of add, upper dev score/ })).toBeVisible();

  // The best candidate is the table's first row; it goes onto the canvas with its methods.
  const best = panel.getByRole('table', { name: 'Top candidates' }).getByRole('row', { name: /^Candidate #/ }).first();
  const methods = ((await best.getByTestId('candidate-methods').textContent()) ?? '').split(', ');
  expect(methods.length).toBeGreaterThan(0);
  await best.getByRole('button', { name: /^Put candidate #\d+ on the canvas$/ }).click();
  await expect(panel.getByText(/^Candidate #\d+ is on the canvas\.$/)).toBeVisible();
  const output = page.getByLabel('Merge fused');
  await expect(output).toBeVisible();
  await expect(output).toContainText(methods.at(-1)!);
  for (const method of methods) await expect(page.getByLabel(/^Merge /).filter({ hasText: method }).first()).toBeVisible();
  for (const id of EXPERTS) await expect(page.getByLabel(`Model ${id}`, { exact: true }).first()).toBeAttached();
  await page.screenshot({ path: 'e2e/artifacts/search.png' });

  // Cancel: a larger search stops after a trial or two and can be resumed.
  await budget.fill('2400');
  await panel.getByLabel('Max examples per skill').fill('60');
  await panel.getByRole('button', { name: 'Start search' }).click();
  const status = panel.getByTestId('search-progress').getByRole('status');
  await expect(status).toContainText(/Running: [1-9]\d* trials?/, { timeout: 60_000 });
  await panel.getByRole('button', { name: 'Cancel' }).click();
  await expect(panel.getByTestId('search-progress')).toHaveAttribute('data-state', 'cancelled');
  await expect(panel.getByRole('button', { name: 'Cancel' })).toHaveCount(0);
  await expect(panel.getByRole('button', { name: 'Resume search' })).toBeVisible();
  await expect(panel.getByRole('button', { name: 'Start search' })).toBeEnabled();

  // A reload in the middle of a search: the page offers to resume it, and it goes on from its trials.
  await panel.getByRole('button', { name: 'Start search' }).click();
  await expect(status).toContainText(/Running: [1-9]\d* trials?/, { timeout: 60_000 });
  await page.reload();
  const reopened = await openDrawer(page);
  await expect(reopened.getByRole('region', { name: 'Unfinished search' })).toContainText('zoo-add, zoo-upper');
  await expect(reopened.getByTestId('search-progress')).toHaveAttribute('data-state', 'interrupted');
  const saved = trialsDone((await reopened.getByTestId('search-progress').getByRole('status').textContent()) ?? '');
  expect(saved).toBeGreaterThan(0);
  await reopened.getByRole('button', { name: 'Resume search' }).click();
  const resumedStatus = reopened.getByTestId('search-progress').getByRole('status');
  await expect(resumedStatus).toContainText('Running');
  await expect.poll(async () => trialsDone((await resumedStatus.textContent()) ?? ''), { timeout: 60_000 }).toBeGreaterThan(saved);
  await reopened.getByRole('button', { name: 'Cancel' }).click();
  await expect(reopened.getByTestId('search-progress')).toHaveAttribute('data-state', 'cancelled');
  await reopened.getByRole('button', { name: 'Discard' }).click();
  await expect(reopened.getByText('No search yet.')).toBeVisible();
});

test('Hi-Merging shows its steps and the layer conflict heatmap, and puts its recipe on the canvas', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto('/');
  const panel = await openDrawer(page);
  await panel.getByRole('radio', { name: 'Hi-Merging' }).check();
  await chooseExperts(panel, EXPERTS);
  await panel.getByLabel('Densities to try').fill('1');
  await panel.getByLabel('Weights to try').fill('1');
  await panel.getByLabel('Reductions at a conflict').fill('0');
  await panel.getByLabel('Conflicts to resolve').fill('1');
  await panel.getByLabel('Examples per skill, each step').fill('10');
  await panel.getByLabel('Examples per skill, final score').fill('20');
  await expect(panel.getByTestId('search-cost')).toContainText('At most 340 examples');
  await panel.getByRole('button', { name: 'Start Hi-Merging' }).click();

  await expect(panel.getByTestId('search-progress')).toHaveAttribute('data-state', 'finished', { timeout: 120_000 });
  await expect(panel.getByTestId('hi-merging-score')).toHaveText(/^\d+\.\d%$/);
  await expect(panel.getByRole('list', { name: 'Hi-Merging steps' }).getByRole('listitem').first()).toContainText('all experts, density 1, weight 1');
  const heatmap = panel.getByRole('table', { name: /Layer conflicts/ });
  await expect(heatmap.getByRole('columnheader')).toHaveText(['layer', ...EXPERTS]);
  await expect(heatmap.getByRole('row')).toHaveCount(1 + 4);
  await panel.getByRole('button', { name: 'Put on canvas' }).click();
  await expect(page.getByLabel('Merge hi_merged')).toContainText('ties · 2 inputs');
  await page.screenshot({ path: 'e2e/artifacts/search-hi-merging.png' });
});
