import { expect, test, type Page } from '@playwright/test';
import { mergeMethodNames } from '@/lib/merge/registry';
import { decodeSharePayload } from '@/lib/recipe/urlCodec';

const EXPERTS = ['zoo-add', 'zoo-upper'];

/** The stages the address bar's share link holds right now ([] when it holds none). */
async function sharedStages(page: Page): Promise<string[]> {
  const hash = await page.evaluate(() => window.location.hash);
  if (!hash) return [];
  const decoded = decodeSharePayload(hash, { methods: mergeMethodNames() });
  return decoded.ok ? decoded.payload.recipe.stages.map((s) => `${s.name}:${s.merge_method}`) : [];
}

test('undo, redo, duplicate and delete on the canvas, by buttons and shortcuts', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByText('Start a merge')).toBeVisible();
  const tools = page.getByRole('toolbar', { name: 'Canvas tools' });
  const undo = tools.getByRole('button', { name: 'Undo' });
  const redo = tools.getByRole('button', { name: 'Redo' });
  const duplicate = tools.getByRole('button', { name: 'Duplicate' });
  await expect(undo).toBeDisabled();
  await expect(redo).toBeDisabled();
  await expect(duplicate).toBeDisabled();
  await page.screenshot({ path: 'e2e/artifacts/studio-canvas-empty.png' });

  // Build the merge without a mouse drag: Add buttons, then the inspector's keyboard path.
  for (const id of EXPERTS) await page.getByRole('button', { name: `Add ${id} to the canvas` }).click();
  await page.getByRole('button', { name: 'Add merge node' }).click();
  const firstMerge = page.getByLabel('Merge merge-1', { exact: true });
  await expect(firstMerge).toBeVisible();
  await expect(undo).toBeEnabled();
  const inspector = page.getByLabel('Inspector for merge-1');
  for (const id of EXPERTS) await inspector.getByLabel('Add input').selectOption({ label: id });
  await expect(firstMerge).toContainText('linear · 2 inputs');
  await inspector.getByLabel(/Base model/).selectOption('zoo-base');

  const method = inspector.getByLabel('Method');
  await method.selectOption('task_arithmetic');
  await expect(firstMerge).toContainText('task_arithmetic · 2 inputs');

  // A shortcut pressed in a field belongs to the field: the canvas does not undo.
  await method.press('ControlOrMeta+z');
  await expect(firstMerge).toContainText('task_arithmetic · 2 inputs');

  // On the canvas it undoes the method change, and redo puts it back.
  await firstMerge.click();
  await page.keyboard.press('ControlOrMeta+z');
  await expect(firstMerge).toContainText('linear · 2 inputs');
  await expect(method).toHaveValue('linear');
  await expect(redo).toBeEnabled();
  await page.keyboard.press('ControlOrMeta+Shift+z');
  await expect(firstMerge).toContainText('task_arithmetic · 2 inputs');
  await expect(redo).toBeDisabled();
  // The buttons do the same, and Ctrl+Y redoes too.
  await undo.click();
  await expect(firstMerge).toContainText('linear · 2 inputs');
  await page.keyboard.press('ControlOrMeta+y');
  await expect(firstMerge).toContainText('task_arithmetic · 2 inputs');
  await expect.poll(() => sharedStages(page)).toEqual(['merge-1:task_arithmetic']);

  // Ctrl+D duplicates the selected merge with its method and both inputs.
  await firstMerge.click();
  await page.keyboard.press('ControlOrMeta+d');
  const copy = page.getByLabel('Merge merge-2', { exact: true });
  await expect(copy).toContainText('task_arithmetic · 2 inputs');
  await expect(firstMerge).toContainText('task_arithmetic · 2 inputs');
  await expect(page.getByLabel('Inspector for merge-2')).toBeVisible();
  await expect.poll(() => sharedStages(page)).toEqual(['merge-1:task_arithmetic', 'merge-2:task_arithmetic']);
  // The picture shows the studio at work: both merges on the canvas, the previewed one scored.
  await expect(page.getByTestId('scores')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await page.screenshot({ path: 'e2e/artifacts/studio-canvas.png' });

  // Delete removes the selected copy (nodes and edges) and one undo brings all of it back.
  await page.keyboard.press('Delete');
  await expect(copy).toHaveCount(0);
  await expect(firstMerge).toContainText('task_arithmetic · 2 inputs');
  await expect.poll(() => sharedStages(page)).toEqual(['merge-1:task_arithmetic']);
  await page.keyboard.press('ControlOrMeta+z');
  await expect(copy).toContainText('task_arithmetic · 2 inputs');
  await expect.poll(() => sharedStages(page)).toEqual(['merge-1:task_arithmetic', 'merge-2:task_arithmetic']);

  // The Duplicate button copies the selection as well.
  await duplicate.click();
  await expect(page.getByLabel('Merge merge-3', { exact: true })).toContainText('task_arithmetic · 2 inputs');
  await undo.click();
  await expect(page.getByLabel('Merge merge-3', { exact: true })).toHaveCount(0);

  // The shortcuts can be looked up; Escape closes the list, then clears the selection.
  await tools.getByRole('button', { name: 'Keyboard shortcuts' }).click();
  const help = page.getByRole('region', { name: 'Keyboard shortcuts' });
  await expect(help).toContainText('Ctrl/⌘ + Z');
  await expect(help).toContainText('Duplicate the selected nodes');
  await page.screenshot({ path: 'e2e/artifacts/studio-canvas-shortcuts.png' });
  await page.keyboard.press('Escape');
  await expect(help).toHaveCount(0);
  await page.keyboard.press('Escape');
  await expect(page.getByText('Select a merge node to set its method')).toBeVisible();
  await expect(duplicate).toBeDisabled();
  await page.keyboard.press('?');
  await expect(help).toBeVisible();
});
