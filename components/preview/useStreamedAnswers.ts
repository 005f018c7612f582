'use client';

import { useQueries } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { isSuperseded, type Decoding, type ModelTarget, type StreamedAnswer, type StreamedToken } from '@/lib/workers/engineApi';
import { generateStream, retryEngineRequest } from '@/lib/workers/engineClient';

export interface PreviewColumn {
  label: string;
  /** Stable per model and recipe: query keys use it. */
  key: string;
  /** The engine channel, one per column whatever the recipe: a newer request on it stops the older stream. */
  channel: string;
  target: ModelTarget;
}

/** What a column shows: the answer to the current request, as far as it has arrived, or the previous one while waiting. */
export type ColumnAnswer =
  | { state: 'done'; answer: StreamedAnswer }
  | { state: 'streaming'; tokens: readonly StreamedToken[] }
  | { state: 'stale'; tokens: readonly StreamedToken[] }
  | { state: 'waiting' };

interface Partial {
  request: string;
  tokens: readonly StreamedToken[];
}

/**
 * One streamed answer per column. Completed answers are cached by react-query (per model,
 * prompt and decoding); the tokens of an answer still arriving live here, keyed by the column's
 * channel (the same while the merge's recipe changes), and
 * belong to the request that produced them, so a stale stream never writes into a newer one.
 * Until a new answer's first token arrives, a column keeps showing what it showed last.
 */
export function useStreamedAnswers(columns: readonly PreviewColumn[], prompt: string, decoding: Decoding, maxNewTokens: number) {
  const [partials, setPartials] = useState<Readonly<Record<string, Partial>>>({});
  // What each column showed last. (useQueries makes a new observer for a new key, so
  // react-query's keepPreviousData has nothing to keep here.)
  const shown = useRef(new Map<string, readonly StreamedToken[]>());
  const requests = columns.map((column) => JSON.stringify([column.key, prompt, decoding]));
  const queries = useQueries({
    queries: columns.map((column, i) => ({
      queryKey: ['preview', column.key, prompt, decoding],
      enabled: prompt.length > 0,
      retry: retryEngineRequest,
      queryFn: () => {
        const request = requests[i] ?? '';
        const tokens: StreamedToken[] = [];
        return generateStream(column.channel, { target: column.target, prompt, maxNewTokens, decoding }, (token) => {
          tokens.push(token);
          const arrived = [...tokens];
          setPartials((all) => ({ ...all, [column.channel]: { request, tokens: arrived } }));
        });
      },
    })),
  });

  const answers: ColumnAnswer[] = columns.map((column, i) => {
    const query = queries[i];
    const partial = partials[column.channel];
    const answer: ColumnAnswer = query?.data
      ? { state: 'done', answer: query.data }
      : partial && partial.request === requests[i] && partial.tokens.length > 0
        ? { state: 'streaming', tokens: partial.tokens }
        : { state: 'waiting' };
    if (answer.state === 'done') shown.current.set(column.channel, answer.answer.tokens);
    if (answer.state === 'streaming') shown.current.set(column.channel, answer.tokens);
    const previous = shown.current.get(column.channel);
    return answer.state === 'waiting' && previous ? { state: 'stale', tokens: previous } : answer;
  });
  return {
    answers,
    updating: queries.some((q) => q.isFetching),
    failure: queries.find((q) => q.isError && !isSuperseded(q.error))?.error ?? null,
  };
}
