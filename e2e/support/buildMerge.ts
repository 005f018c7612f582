import { expect, type Page } from '@playwright/test';

/**
 * The keyboard path to a task-arithmetic merge of two experts on zoo-base: Add buttons in the
 * library, Add merge node, then the inspector's Add input, Method and Base model.
 */
export async function buildTaskArithmeticMerge(page: Page, experts: readonly string[]): Promise<void> {
  for (const id of experts) await page.getByRole('button', { name: `Add ${id} to the canvas` }).click();
  await page.getByRole('button', { name: 'Add merge node' }).click();
  const inspector = page.getByLabel('Inspector for merge-1');
  for (const id of experts) await inspector.getByLabel('Add input').selectOption({ label: id });
  await inspector.getByLabel('Method').selectOption('task_arithmetic');
  await inspector.getByLabel(/Base model/).selectOption('zoo-base');
  await expect(page.getByLabel('Merge merge-1')).toContainText(`task_arithmetic · ${experts.length} inputs`);
}
