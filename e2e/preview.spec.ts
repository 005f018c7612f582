import { expect, test, type Page } from '@playwright/test';
import { unzipSync } from 'fflate';
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-web';
import { tokenProbabilityLabel } from '@/components/preview/probabilityBands';
import { parseEvalIndex } from '@/lib/eval/evalSet';
import { parseLlamaConfig } from '@/lib/formats/hfConfig';
import { loadSafetensors } from '@/lib/formats/safetensors';
import { taskArithmeticRecipe } from '@/lib/recipe/taskArithmeticRecipe';
import { Engine } from '@/lib/workers/engine';
import type { Decoding, StreamedToken } from '@/lib/workers/engineApi';
import { nodeZooFiles, REPO_PUBLIC } from '@/lib/zoo/nodeZooFiles';
import { buildTaskArithmeticMerge } from './support/buildMerge';

const EXPERTS = ['zoo-add', 'zoo-upper'];
const MAX_NEW_TOKENS = 24;
const SAMPLING: Decoding = { mode: 'sample', temperature: 1.5, topK: 0, seed: 7 };

/** The merge the test builds, run by the same engine in Node: what Chromium must show. */
ort.env.wasm.numThreads = 1;
const nodeEngine = new Engine(ort, nodeZooFiles(REPO_PUBLIC));
const target = { kind: 'merge' as const, recipe: taskArithmeticRecipe(EXPERTS), stage: 'merge-1' };

async function nodeTokens(prompt: string, decoding?: Decoding): Promise<StreamedToken[]> {
  const answer = await nodeEngine.generateStream('e2e', { target, prompt, maxNewTokens: MAX_NEW_TOKENS, ...(decoding ? { decoding } : {}) }, () => undefined);
  return answer.tokens;
}
const textOf = (tokens: readonly StreamedToken[]) => tokens.map((t) => t.text).join('');


/** Records, from the first change on, every text the merged answer shows and its state, and whether the export progress bar ever appears. */
async function recordPreview(page: Page) {
  await page.evaluate(() => {
    const log: Array<{ state: string; text: string }> = [];
    const seen = { exportProgress: false };
    Object.assign(window, { previewLog: log, seen });
    new MutationObserver(() => {
      if (document.querySelector('progress[aria-label="Export progress"]')) seen.exportProgress = true;
      const group = document.querySelector('[role="group"][aria-label="Answer of merge-1 (merged)"]');
      const state = group?.getAttribute('data-state') ?? 'absent';
      const text = group?.querySelector('[data-testid="preview-answer"]')?.textContent ?? '';
      const last = log[log.length - 1];
      if (!last || last.state !== state || last.text !== text) log.push({ state, text });
    }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });
}

test('answers stream in, sampling follows its seed, examples fill the prompt, tokens show their probability, the merge downloads as a zip', async ({ page }) => {
  await page.goto('/');
  await buildTaskArithmeticMerge(page, EXPERTS);
  const merged = page.getByRole('group', { name: 'Answer of merge-1 (merged)' });
  const answer = merged.getByTestId('preview-answer');
  const prompt = page.getByLabel('Prompt', { exact: true });

  // Greedy, streamed: the tokens appear one after the other, and the answer is Node's.
  const streamed = 'upper: studio=';
  const greedy = await nodeTokens(streamed);
  expect(greedy.length).toBeGreaterThan(3);
  await expect(merged).toHaveAttribute('data-state', 'done');
  await recordPreview(page);
  await prompt.fill(streamed);
  await expect(answer).toHaveText(textOf(greedy));
  await expect(merged).toHaveAttribute('data-state', 'done');
  const log = await page.evaluate(() => (window as unknown as { previewLog: Array<{ state: string; text: string }> }).previewLog);
  const shown = log.filter((entry) => entry.state === 'streaming').map((entry) => entry.text);
  expect(shown.length).toBeGreaterThan(0);
  for (const [i, text] of shown.entries()) {
    expect(textOf(greedy).startsWith(text)).toBe(true);
    expect(text.length).toBeGreaterThanOrEqual(shown[i - 1]?.length ?? 1);
  }
  expect(log.at(-1)).toEqual({ state: 'done', text: textOf(greedy) });

  // An example prompt: the skill's button, then another example from the list.
  const index = parseEvalIndex(JSON.parse(await readFile('public/evals/index.json', 'utf8')));
  const upper = index.skills.find((s) => s.id === 'upper');
  const add = index.skills.find((s) => s.id === 'add');
  await page.getByRole('group', { name: 'Example prompts' }).getByRole('button', { name: 'upper' }).click();
  await expect(prompt).toHaveValue(upper?.examples[0] ?? '');
  await expect(answer).toHaveText(textOf(await nodeTokens(upper?.examples[0] ?? '')));
  await page.getByLabel('Example prompt', { exact: true }).selectOption(add?.examples[1] ?? '');
  await expect(prompt).toHaveValue(add?.examples[1] ?? '');
  await expect(answer).toHaveText(textOf(await nodeTokens(add?.examples[1] ?? '')));

  // Sampling with a seed: Node's sampled answer, and the same again after a reload.
  const sampledPrompt = 'reverse: merge=';
  const sampled = await nodeTokens(sampledPrompt, SAMPLING);
  const sample = async () => {
    await prompt.fill(sampledPrompt);
    const preview = page.getByRole('region', { name: 'Preview' });
    await preview.getByLabel('Decoding', { exact: true }).selectOption('Sampling');
    await preview.getByLabel('Temperature').fill('1.5');
    await preview.getByLabel('Seed').fill('7');
    await expect(answer).toHaveText(textOf(sampled));
    await expect(merged).toHaveAttribute('data-state', 'done');
  };
  await sample();
  const first = await answer.textContent();
  await page.reload();
  await expect(page.getByLabel('Merge merge-1')).toContainText('task_arithmetic · 2 inputs');
  await sample();
  expect(await answer.textContent()).toBe(first);

  // Probability colouring: one marked token per generated token, its probability in its title, a legend.
  await page.getByLabel('Colour tokens by probability').check();
  const tokens = answer.getByTestId('preview-token');
  await expect(tokens).toHaveCount(sampled.length);
  for (const [i, token] of sampled.entries()) {
    await expect(tokens.nth(i)).toHaveText(token.text);
    await expect(tokens.nth(i)).toHaveAttribute('title', tokenProbabilityLabel(token));
  }
  await expect(answer).toHaveText(textOf(sampled));
  await expect(answer).toHaveAccessibleDescription(/^Token probabilities: “/);
  await expect(page.getByRole('list', { name: 'Token probability colours' }).getByRole('listitem')).toHaveCount(5);
  await page.screenshot({ path: 'e2e/artifacts/preview.png' });

  // The merged model as a zip: a Hugging Face folder whose weights are Node's merge.
  await recordPreview(page);
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download merged model (.zip)' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('merge-1.zip');
  await expect(page.getByRole('status').filter({ hasText: 'Saved merge-1.zip' })).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { seen: { exportProgress: boolean } }).seen.exportProgress)).toBe(true);
  const entries = unzipSync(new Uint8Array(await readFile(await file.path())));
  const files = ['model.safetensors', 'config.json', 'tokenizer.json', 'tokenizer_config.json', 'README.md', 'mergekit_config.yml'];
  expect(Object.keys(entries).sort()).toEqual(files.map((f) => `merge-1/${f}`).sort());
  const config = parseLlamaConfig(JSON.parse(new TextDecoder().decode(entries['merge-1/config.json'])));
  expect(config.architectures).toEqual(['LlamaForCausalLM']);
  const { tensors } = loadSafetensors(entries['merge-1/model.safetensors'] ?? new Uint8Array());
  const expected = await nodeEngine.resolve(target);
  expect([...tensors.keys()]).toEqual([...expected.weights.keys()]);
  for (const [name, t] of expected.weights) expect(tensors.get(name)?.data).toEqual(t.data);
  expect(new TextDecoder().decode(entries['merge-1/README.md'])).toContain('merge_method: task_arithmetic');
});
