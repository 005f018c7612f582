/**
 * Studio latency in headless Chromium (Debian's /usr/bin/chromium), on the production build:
 *  - slider → new merged answer: from a weight slider's input event to the preview showing
 *    the answers of the new recipe (merge + generation in the worker, round trips, render);
 *  - scoring every skill's test split for one merge, as the worker reports it, against the
 *    same scoring run by the same engine in Node in this process (ratio side by side).
 */
import { chromium, type Page } from '@playwright/test';
import * as ort from 'onnxruntime-web';
import { parseEvalIndex } from '@/lib/eval/evalSet';
import type { Recipe } from '@/lib/recipe/schema';
import { taskArithmeticRecipe } from '@/lib/recipe/taskArithmeticRecipe';
import { encodeSharePayload } from '@/lib/recipe/urlCodec';
import { Engine } from '@/lib/workers/engine';
import { nodeZooFiles, REPO_PUBLIC } from '@/lib/zoo/nodeZooFiles';
import { median, percentile } from './stats';

const BENCH_RECIPE: Recipe = taskArithmeticRecipe(['zoo-upper', 'zoo-shift'], { lambda: 1 });

/** Sets a range input the way a person's drag does (React sees an input event), and times until the preview is fresh. */
async function sliderToAnswerMs(page: Page, label: string, value: number): Promise<number> {
  return page.evaluate(
    ({ label, value }) =>
      new Promise<number>((resolve, reject) => {
        const slider = document.querySelector<HTMLInputElement>(`input[type=range][aria-label="${label}"]`);
        const preview = document.querySelector('[data-testid=preview]');
        if (!slider || !preview) return reject(new Error('slider or preview not found'));
        const start = performance.now();
        // It was 'ready' before the input, so any change that ends on 'ready' went through 'updating'.
        const observer = new MutationObserver(() => {
          if (preview.getAttribute('data-state') === 'ready') {
            observer.disconnect();
            resolve(performance.now() - start);
          }
        });
        observer.observe(preview, { attributes: true, attributeFilter: ['data-state'] });
        const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set;
        setValue?.call(slider, String(value));
        slider.dispatchEvent(new Event('input', { bubbles: true }));
        setTimeout(() => reject(new Error(`no fresh preview within 10 s (state ${preview.getAttribute('data-state')}, slider ${slider.value})`)), 10_000);
      }),
    { label, value },
  );
}

async function waitReady(page: Page, panel: 'preview' | 'scores') {
  await page.waitForFunction(
    (id) => {
      const el = document.querySelector(`[data-testid=${id}]`);
      return el?.getAttribute('data-state') === 'ready' && (id !== 'scores' || document.querySelector('[data-testid=score-time]') !== null);
    },
    panel,
    { timeout: 120_000 },
  );
}

export interface StudioLatency {
  sliderToAnswerMs: { median: number; p90: number; samples: number };
  browserScoreMs: number;
  nodeScoreMs: number;
  scoredPrompts: number;
}

export async function measureStudioLatency(baseUrl: string, samples = 25): Promise<StudioLatency> {
  const encoded = encodeSharePayload({ recipe: BENCH_RECIPE });
  if (!encoded.ok) throw new Error(encoded.error.message);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(`${baseUrl}/${encoded.hash}`);
    await page.getByLabel('Prompt (greedy decoding until a newline)').fill('upper: merge=');
    await waitReady(page, 'preview');
    await waitReady(page, 'scores');
    await page.getByLabel('Merge merge-1').click();
    const label = 'weight of zoo-upper';
    await page.locator(`input[type=range][aria-label="${label}"]`).waitFor();

    const times: number[] = [];
    for (let i = 0; i < samples + 3; i++) {
      // distinct values: a value seen before is answered from the query cache without any work
      const ms = await sliderToAnswerMs(page, label, Number((0.99 - i * 0.01).toFixed(2)));
      if (i >= 3) times.push(ms); // the first few warm the merge and generation paths
    }

    // One settled recipe change: the worker's own timing of the full test split.
    await page.waitForTimeout(500); // past the scores' settle delay, so scoring has started
    await waitReady(page, 'scores');
    const scoreText = (await page.getByTestId('score-time').textContent()) ?? '';
    const browserScoreMs = 1000 * Number(/([\d.]+) s/.exec(scoreText)?.[1] ?? NaN);

    const files = nodeZooFiles(REPO_PUBLIC);
    const skills = parseEvalIndex(JSON.parse(await files.text('/evals/index.json'))).skills;
    ort.env.wasm.numThreads = 1;
    const engine = new Engine(ort, files);
    const lastRecipe: Recipe = structuredClone(BENCH_RECIPE);
    const request = { target: { kind: 'merge' as const, recipe: lastRecipe, stage: 'merge-1' }, split: 'test' as const, skills: skills.map((s) => s.id) };
    await engine.score('warm', request);
    const node = await engine.score('bench', request);
    return {
      sliderToAnswerMs: { median: median(times), p90: percentile(times, 0.9), samples: times.length },
      browserScoreMs,
      nodeScoreMs: node.ms,
      scoredPrompts: node.scores.reduce((n, s) => n + s.total, 0),
    };
  } finally {
    await browser.close();
  }
}
