import type { TaskVectorDiagnostics } from '@/lib/diagnostics/taskVectors';
import type { Recipe } from '@/lib/recipe/schema';
import type { EvalSplit } from '@/lib/eval/evalSet';

/** What a request runs on: a zoo model as it is, or a stage of a recipe merged in the worker. */
export type ModelTarget = { kind: 'zoo'; id: string } | { kind: 'merge'; recipe: Recipe; stage: string };

export interface EngineInfo {
  backend: 'webgpu' | 'wasm';
  threads: number;
  crossOriginIsolated: boolean;
}

/**
 * How the next token is chosen: the most likely one, or a draw from softmax(logits / temperature)
 * over the `topK` most likely tokens (0: all), from a generator seeded by `seed`, so the same
 * settings give the same answer.
 */
export type Decoding = { mode: 'greedy' } | { mode: 'sample'; temperature: number; topK: number; seed: number };

export const GREEDY: Decoding = { mode: 'greedy' };

export interface GenerationRequest {
  targets: ModelTarget[];
  prompt: string;
  maxNewTokens: number;
  /** Default: greedy. */
  decoding?: Decoding;
}

export interface StreamRequest {
  target: ModelTarget;
  prompt: string;
  maxNewTokens: number;
  /** Default: greedy. */
  decoding?: Decoding;
}

/** One generated token of an answer, as it arrives. */
export interface StreamedToken {
  /** Position in the answer, from 0. */
  index: number;
  id: number;
  /** The text this token adds to the answer (the pieces concatenate to the answer's text). */
  text: string;
  /** The model's probability of this token (softmax at temperature 1), whatever the decoding. */
  probability: number;
}

export interface GeneratedText {
  text: string;
  /** True when the model ended its answer with a newline within the token budget. */
  finished: boolean;
}

export interface GenerationResult {
  outputs: GeneratedText[];
  /** Milliseconds spent merging (0 when the merge was cached). */
  mergeMs: number;
  generateMs: number;
}

export interface StreamedAnswer extends GeneratedText {
  /** Every token of the answer but the closing newline. */
  tokens: StreamedToken[];
  mergeMs: number;
  generateMs: number;
}

export interface SkillScore {
  skill: string;
  correct: number;
  total: number;
  accuracy: number;
}

export interface ScoreRequest {
  target: ModelTarget;
  split: EvalSplit;
  skills: string[];
  /** Items [start, end) of each skill's split (default: all of it). */
  range?: readonly [number, number];
}

export interface ScoreResult {
  scores: SkillScore[];
  ms: number;
}

export interface ScoreProgress {
  done: number;
  total: number;
}

export interface ReferenceCheck {
  model: string;
  positions: number;
  /** Largest |runtime logit − trainer logit| over every position of every reference prompt. */
  maxAbsDiff: number;
}

/**
 * The engine worker's surface, called through comlink. Requests on one channel supersede
 * each other: when a newer one arrives, the older one stops at its next batch and rejects
 * with a SupersededError, so sliders never queue up stale work.
 */
export interface EngineApi {
  info(): Promise<EngineInfo>;
  generate(channel: string, request: GenerationRequest): Promise<GenerationResult>;
  /**
   * One model's answer, token by token: `onToken` gets each token as it is generated (the engine
   * waits for its promise before the next step). A newer request on the channel ends the stream:
   * no token follows, and the promise rejects with a SupersededError.
   */
  generateStream(channel: string, request: StreamRequest, onToken: (token: StreamedToken) => void | Promise<void>): Promise<StreamedAnswer>;
  score(channel: string, request: ScoreRequest, onProgress?: (progress: ScoreProgress) => void): Promise<ScoreResult>;
  /** Per layer and tensor group: experts' task-vector cosines, sign conflicts and norms against a base. */
  diagnostics(base: ModelTarget, experts: ModelTarget[]): Promise<TaskVectorDiagnostics>;
  /** Runs each model on its reference prompts and compares with the logits its trainer wrote. */
  verifyReference(models: string[]): Promise<ReferenceCheck[]>;
}

export const SUPERSEDED = 'superseded by a newer request';

export function isSuperseded(error: unknown): boolean {
  return error instanceof Error && error.message.includes(SUPERSEDED);
}
