import { expect, test, type Page } from '@playwright/test';
import { readFile } from 'node:fs/promises';

async function addModels(page: Page, ids: string[]) {
  for (const id of ids) await page.getByRole('button', { name: `Add ${id} to the canvas` }).click();
}

async function connectAll(page: Page, ids: string[]) {
  const inspector = page.getByLabel('Inspector for merge-1');
  for (const id of ids) await inspector.getByLabel('Add input').selectOption({ label: id });
  return inspector;
}

test('an impossible setup is explained in the inspector, where it is made', async ({ page }) => {
  await page.goto('/');
  await addModels(page, ['zoo-add', 'zoo-upper', 'zoo-sort']);
  await page.getByRole('button', { name: 'Add merge node' }).click();
  const inspector = await connectAll(page, ['zoo-add', 'zoo-upper', 'zoo-sort']);

  await inspector.getByLabel('Method').selectOption('task_arithmetic');
  await expect(inspector.getByRole('alert')).toContainText('task_arithmetic needs a base model');
  await inspector.getByLabel(/Base model/).selectOption('zoo-base');
  await expect(inspector.getByRole('alert')).toHaveCount(0);

  await inspector.getByLabel('Method').selectOption('slerp');
  await expect(inspector.getByRole('alert')).toContainText(/slerp takes at most 2 models/);
});

test('a layer stack makes a deeper model that the preview runs', async ({ page }) => {
  await page.goto('/');
  await addModels(page, ['zoo-upper', 'zoo-shift']);
  await page.getByRole('button', { name: 'Add merge node' }).click();
  const inspector = await connectAll(page, ['zoo-upper', 'zoo-shift']);
  await inspector.getByLabel('Method').selectOption('passthrough');
  await inspector.getByRole('button', { name: 'Add layer slice' }).click();
  await inspector.getByRole('button', { name: 'Add layer slice' }).click();
  await inspector.getByLabel('To layer of slice 1').fill('3');
  await inspector.getByLabel('From layer of slice 2').fill('1');
  await expect(inspector.getByText('Output: 6 layers.')).toBeVisible();
  await page.getByLabel('Prompt', { exact: true }).fill('upper: abc=');
  const merged = page.getByRole('group', { name: 'Answer of merge-1 (merged)' }).getByTestId('preview-answer');
  await expect(merged).not.toHaveText('…', { timeout: 30_000 });
  await expect(page.getByText('Preview failed')).toHaveCount(0);
});

test('mergekit YAML in, the same YAML out', async ({ page }) => {
  await page.goto('/');
  const yaml = [
    'merge_method: task_arithmetic',
    'base_model: zoo-base',
    'models:',
    '  - model: zoo-upper',
    '    parameters:',
    '      weight: 1.0',
    '  - model: zoo-shift',
    '    parameters:',
    '      weight: [1.0, 0.5, 1.0]',
    'parameters:',
    '  lambda: 0.9',
    'dtype: float32',
    '',
  ].join('\n');
  await page.getByLabel('Recipe file to import').setInputFiles({ name: 'recipe.yml', mimeType: 'application/yaml', buffer: Buffer.from(yaml) });
  await expect(page.getByRole('status').filter({ hasText: 'Opened recipe.yml' })).toBeVisible();
  await expect(page.getByLabel('Merge merged')).toContainText('task_arithmetic · 2 inputs');
  await expect(page.getByLabel('Model zoo-upper', { exact: true })).toBeVisible();

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export YAML' }).click();
  const file = await (await download).path();
  const exported = await readFile(file, 'utf8');
  expect(exported).toContain('merge_method: task_arithmetic');
  expect(exported).toContain('weight: [1, 0.5, 1]');
  expect(exported).toContain('lambda: 0.9');

  await page.getByLabel('Recipe file to import').setInputFiles({ name: 'broken.yml', mimeType: 'application/yaml', buffer: Buffer.from('merge_method: ties\nmodels: 3\n') });
  await expect(page.getByRole('alert').filter({ hasText: 'broken.yml' })).toBeVisible();
  await expect(page.getByLabel('Merge merged')).toBeVisible();
});
