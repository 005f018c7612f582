import { expect, test, type Locator, type Page } from '@playwright/test';
import { readFile } from 'node:fs/promises';

// Tall enough for the three lanes of a split parameter to fit in the inspector for the screenshot.
test.use({ viewport: { width: 1440, height: 1500 } });

async function exportedYaml(page: Page): Promise<string> {
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export YAML' }).click();
  return readFile(await (await download).path(), 'utf8');
}

/** The per-layer values a lane's curve shows, in layer order. */
async function expectReadout(lane: Locator, values: string[]) {
  const items = lane.getByRole('list', { name: /at each layer$/ }).getByRole('listitem');
  await expect(items).toHaveCount(values.length);
  for (const [layer, value] of values.entries()) await expect(items.nth(layer)).toHaveAccessibleName(`layer ${layer}: ${value}`);
}

test('a per-layer curve: keyboard anchors, per-layer readout, lanes per tensor group, all in the exported YAML', async ({ page }) => {
  await page.goto('/');
  for (const id of ['zoo-add', 'zoo-upper']) await page.getByRole('button', { name: `Add ${id} to the canvas` }).click();
  await page.getByRole('button', { name: 'Add merge node' }).click();
  const inspector = page.getByLabel('Inspector for merge-1');
  for (const id of ['zoo-add', 'zoo-upper']) await inspector.getByLabel('Add input').selectOption({ label: id });
  await inspector.getByLabel('Method').selectOption('task_arithmetic');
  await inspector.getByLabel(/Base model/).selectOption('zoo-base');

  await inspector.getByText('Per-layer weight of zoo-add').click();
  const editor = inspector.getByRole('group', { name: 'Per-layer weight of zoo-add' });
  const all = editor.getByRole('group', { name: 'All tensors lane' });
  await expectReadout(all, ['1', '1', '1', '1']);

  // Two anchors, the second moved down with the keyboard: a gradient from 1 to 0.5 over the 4 layers.
  await all.getByRole('button', { name: 'Add anchor' }).click();
  const last = all.getByRole('slider', { name: 'Anchor 2 of 2' });
  await last.focus();
  await page.keyboard.press('ArrowDown');
  await expect(last).toHaveAttribute('aria-valuenow', '0.99');
  await page.keyboard.press('ArrowUp');
  for (let i = 0; i < 5; i++) await page.keyboard.press('Shift+ArrowDown');
  await expect(last).toHaveAttribute('aria-valuenow', '0.5');
  await expectReadout(all, ['1', '0.8333', '0.6667', '0.5']);
  // The slider view shows the same values.
  await all.getByRole('button', { name: 'Sliders' }).click();
  await expect(all.getByLabel('weight of zoo-add at layer 1')).toHaveValue(/^0\.83/);
  await all.getByRole('button', { name: 'Curve' }).click();

  expect(await exportedYaml(page)).toMatch(/- model: zoo-add\n\s+parameters:\n\s+weight: \[1, 0\.5\]\n/);

  // Lanes per tensor group start from the same curve; only the attention lane changes.
  await editor.getByLabel('Split by tensor group').check();
  const attention = editor.getByRole('group', { name: 'Attention lane' });
  const mlp = editor.getByRole('group', { name: 'MLP lane' });
  const other = editor.getByRole('group', { name: 'Other lane' });
  for (const lane of [attention, mlp, other]) await expectReadout(lane, ['1', '0.8333', '0.6667', '0.5']);
  await attention.getByRole('slider', { name: 'Anchor 1 of 2' }).focus();
  await page.keyboard.press('Shift+ArrowDown');
  await expectReadout(attention, ['0.9', '0.7667', '0.6333', '0.5']);
  await expectReadout(mlp, ['1', '0.8333', '0.6667', '0.5']);

  const yaml = await exportedYaml(page);
  expect(yaml).toContain(
    ['- filter: self_attn', '          value: [0.9, 0.5]', '        - filter: mlp', '          value: [1, 0.5]', '        - value: [1, 0.5]'].join('\n'),
  );

  // A pointer drag moves an anchor too: the MLP lane's first anchor, pulled down.
  const handle = mlp.getByRole('slider', { name: 'Anchor 1 of 2' });
  const box = await handle.boundingBox();
  if (!box) throw new Error('anchor not visible');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2 + 30, { steps: 5 });
  await page.mouse.up();
  await expect(handle).not.toHaveAttribute('aria-valuenow', '1');
  expect(Number(await handle.getAttribute('aria-valuenow'))).toBeLessThan(1);
  await expectReadout(attention, ['0.9', '0.7667', '0.6333', '0.5']);

  // Double-click a chart to add an anchor there; Delete removes the focused one.
  await other.getByRole('group', { name: /^Curve of/ }).dblclick();
  await expect(other.getByRole('slider')).toHaveCount(3);
  await expect(other.getByRole('slider', { name: 'Anchor 2 of 3' })).toBeFocused();
  await page.keyboard.press('Delete');
  await expect(other.getByRole('slider')).toHaveCount(2);
  await expectReadout(other, ['1', '0.8333', '0.6667', '0.5']);

  await inspector.screenshot({ path: 'e2e/artifacts/curve-editor.png' });

  // Joining lanes that differ asks which lane's curve to keep.
  await editor.getByLabel('Split by tensor group').click();
  const confirm = editor.getByRole('alertdialog', { name: 'Join the lanes' });
  await confirm.getByRole('button', { name: 'Keep Attention' }).click();
  await expect(attention).toHaveCount(0);
  await expectReadout(all, ['0.9', '0.7667', '0.6333', '0.5']);
  expect(await exportedYaml(page)).toMatch(/- model: zoo-add\n\s+parameters:\n\s+weight: \[0\.9, 0\.5\]\n/);
});
