import { expect, test } from '@playwright/test';

test('the engine in Chromium reproduces the trainer’s logits for every zoo model', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByText(/engine: (wasm|webgpu)/)).toBeVisible();
  await page.getByRole('button', { name: 'Verify engine' }).click();
  const result = page.getByTestId('verify-result');
  await expect(result).toContainText('models match the trainer', { timeout: 60_000 });
  const diff = Number(/max \|Δlogit\| (\S+)/.exec((await result.textContent()) ?? '')?.[1]);
  expect(diff).toBeLessThan(1e-4);
});

test('a damaged share link says why and leaves an empty canvas', async ({ page }) => {
  await page.goto('/#r=v1.not-a-real-payload');
  await expect(page.getByRole('alert').filter({ hasText: 'The shared link could not be opened' })).toBeVisible();
  await expect(page.getByText('Start a merge')).toBeVisible();
});
