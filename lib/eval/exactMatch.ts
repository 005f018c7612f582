/**
 * Exact-match scoring, as the zoo's trainer scores (tools/zoo/evaluate.py): greedy decoding from
 * the prompt must produce the answer followed by a newline.
 *
 * Items are sorted by prompt length and decoded in batches with the KV cache, so padding stays
 * small; `scoreAll` pools every skill into the same batches.
 */
import type { GeneratedSequence, GenerateOptions } from '@/lib/runtime/llamaRuntime';
import type { EvalItem } from './evalSet';

/** The part of LlamaRuntime scoring needs. */
export interface GreedyGenerator {
  generateGreedy(prompts: readonly (readonly number[])[], options: GenerateOptions): Promise<GeneratedSequence[]>;
}

/** The part of TextTokenizer scoring needs (`encode` adds BOS, as the model expects). */
export interface EvalTokenizer {
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
}

export interface EvalFailure {
  prompt: string;
  expected: string;
  /** What the model wrote, up to (not including) its newline. */
  got: string;
  /** False when the model never wrote the newline within its token budget. */
  finished: boolean;
}

export interface SkillScore {
  correct: number;
  total: number;
  accuracy: number;
  /** The first few failures, in item order. */
  failures: EvalFailure[];
}

export type ProgressCallback = (done: number, total: number) => void;

export interface ScoreOptions {
  /** Prompts per generation batch. Default 256. */
  batchSize?: number;
  onProgress?: ProgressCallback;
  /** How many failures to keep per skill. Default 5. */
  maxFailures?: number;
}

const ANSWER_END = '\n';

export async function scoreSkill(
  runtime: GreedyGenerator,
  tokenizer: EvalTokenizer,
  items: readonly EvalItem[],
  options: ScoreOptions = {},
): Promise<SkillScore> {
  const scores = await scoreItems(runtime, tokenizer, new Map([['skill', items]]), options);
  return scores.get('skill')!;
}

/** Scores every skill; progress counts items over all skills together. */
export async function scoreAll(
  runtime: GreedyGenerator,
  tokenizer: EvalTokenizer,
  itemsBySkill: Readonly<Record<string, readonly EvalItem[]>> | ReadonlyMap<string, readonly EvalItem[]>,
  onProgress?: ProgressCallback,
  options: Omit<ScoreOptions, 'onProgress'> = {},
): Promise<Record<string, SkillScore>> {
  const bySkill = itemsBySkill instanceof Map ? itemsBySkill : new Map(Object.entries(itemsBySkill));
  const scores = await scoreItems(runtime, tokenizer, bySkill, { ...options, onProgress });
  return Object.fromEntries(scores);
}

interface PreparedItem {
  skill: string;
  index: number;
  item: EvalItem;
  promptIds: number[];
  /** The answer and its newline, as tokens (or null when the newline is not one token). */
  expectedIds: number[];
}

interface Outcome {
  prepared: PreparedItem;
  correct: boolean;
}

async function scoreItems(
  runtime: GreedyGenerator,
  tokenizer: EvalTokenizer,
  itemsBySkill: ReadonlyMap<string, readonly EvalItem[]>,
  options: ScoreOptions,
): Promise<Map<string, SkillScore>> {
  const batchSize = options.batchSize ?? 256;
  const maxFailures = options.maxFailures ?? 5;
  if (!(batchSize >= 1)) throw new RangeError(`batchSize must be at least 1, got ${batchSize}`);

  // Tokens the tokenizer adds around any text (BOS), to find the answer's tokens and the stop token.
  const encode = cachedEncoder(tokenizer);
  const prefix = encode('').length;
  const tokensOf = (text: string) => encode(text).slice(prefix);
  const newlineIds = tokensOf(ANSWER_END);
  const stopTokenId = newlineIds.length === 1 ? newlineIds[0] : undefined;

  // Batches never mix skills (a skill's prompts share their instruction, which the runtime then
  // computes once) and hold prompts of similar lengths (little padding).
  const batches: PreparedItem[][] = [];
  let total = 0;
  for (const [skill, items] of itemsBySkill) {
    const prepared = items
      .map((item, index) => ({
        skill,
        index,
        item,
        promptIds: encode(item.prompt),
        expectedIds: tokensOf(item.answer + ANSWER_END),
      }))
      .sort((a, b) => a.promptIds.length - b.promptIds.length);
    const count = Math.ceil(prepared.length / batchSize);
    const size = Math.ceil(prepared.length / Math.max(1, count));
    for (let start = 0; start < prepared.length; start += size) batches.push(prepared.slice(start, start + size));
    total += prepared.length;
  }

  const outcomes: Outcome[] = [];
  let done = 0;
  options.onProgress?.(0, total);
  for (const batch of batches) {
    // Enough tokens for the longest answer, its newline, and one more.
    const maxNewTokens = Math.max(...batch.map((p) => p.expectedIds.length)) + 1;
    const generated = await runtime.generateGreedy(
      batch.map((p) => p.promptIds),
      {
        maxNewTokens,
        stopTokenId,
        // A row that has left the expected answer is wrong whatever comes next: stop it early.
        stopWhen: (row, tokens) => {
          const i = tokens.length - 1;
          return tokens[i] !== batch[row]!.expectedIds[i];
        },
      },
    );
    batch.forEach((p, i) => outcomes.push({ prepared: p, correct: isCorrect(tokenizer.decode(generated[i]!.tokens), p.item) }));
    done += batch.length;
    options.onProgress?.(done, total);
  }

  // Failures were cut short where they went wrong: regenerate the few we report, in full.
  const reported = new Map<string, PreparedItem[]>();
  for (const { prepared, correct } of [...outcomes].sort((a, b) => a.prepared.index - b.prepared.index)) {
    if (correct) continue;
    const list = reported.get(prepared.skill) ?? [];
    if (list.length < maxFailures) list.push(prepared);
    reported.set(prepared.skill, list);
  }
  const toShow = [...reported.values()].flat();
  const failuresBySkill = new Map<string, EvalFailure[]>();
  if (toShow.length > 0) {
    const maxNewTokens = Math.max(...toShow.map((p) => p.expectedIds.length)) + 1;
    const generated = await runtime.generateGreedy(toShow.map((p) => p.promptIds), { maxNewTokens, stopTokenId });
    toShow.forEach((p, i) => {
      const text = tokenizer.decode(generated[i]!.tokens);
      const end = text.indexOf(ANSWER_END);
      const failure = { prompt: p.item.prompt, expected: p.item.answer, got: end >= 0 ? text.slice(0, end) : text, finished: end >= 0 };
      failuresBySkill.set(p.skill, [...(failuresBySkill.get(p.skill) ?? []), failure]);
    });
  }

  const scores = new Map<string, SkillScore>();
  for (const [skill, items] of itemsBySkill) {
    const right = outcomes.filter((o) => o.correct && o.prepared.skill === skill).length;
    scores.set(skill, {
      correct: right,
      total: items.length,
      accuracy: items.length > 0 ? right / items.length : 0,
      failures: failuresBySkill.get(skill) ?? [],
    });
  }
  return scores;
}

const encodings = new WeakMap<EvalTokenizer, Map<string, number[]>>();

/** `tokenizer.encode`, remembered per tokenizer: the same eval sets are scored again and again
 * while a person moves sliders. Callers must not mutate the returned arrays. */
function cachedEncoder(tokenizer: EvalTokenizer): (text: string) => number[] {
  let cache = encodings.get(tokenizer);
  if (!cache) encodings.set(tokenizer, (cache = new Map()));
  const known = cache;
  return (text) => {
    let ids = known.get(text);
    if (!ids) {
      if (known.size >= 100_000) known.clear();
      known.set(text, (ids = tokenizer.encode(text)));
    }
    return ids;
  };
}

/** Exact match: the text up to and including the first newline is the answer and a newline. */
function isCorrect(generatedText: string, item: EvalItem): boolean {
  const end = generatedText.indexOf(ANSWER_END);
  return end >= 0 && generatedText.slice(0, end + ANSWER_END.length) === item.answer + ANSWER_END;
}
