'use client';

import { useQueries, type UseQueryResult } from '@tanstack/react-query';
import { useCallback, useMemo, useState } from 'react';
import type { ScoreProgress, ScoreResult } from '@/lib/workers/engineApi';
import { scoreQuery, type DemoColumn } from './engineQueries';

export interface DemoScores {
  /** One result per column, in column order (the merged model first). */
  results: UseQueryResult<ScoreResult>[];
  /** Prompts scored so far and in all, over every column. */
  done: number;
  total: number;
  running: boolean;
}

/**
 * Exact match per skill on the test split, computed live by the engine for the merged model
 * and each source. The merged model goes first, so the headline number comes soonest; the
 * sources follow (the engine runs one thing at a time anyway).
 */
export function useDemoScores(columns: readonly DemoColumn[], skills: readonly string[], promptsPerSkill: ReadonlyMap<string, number>): DemoScores {
  const [progress, setProgress] = useState<Record<string, ScoreProgress>>({});
  const report = useCallback((key: string) => (p: ScoreProgress) => setProgress((all) => ({ ...all, [key]: p })), []);
  const reporters = useMemo(() => new Map(columns.map((c) => [c.key, report(c.key)])), [columns, report]);
  const first = useQueries({
    queries: columns.slice(0, 1).map((c) => scoreQuery(c, skills, true, reporters.get(c.key) ?? (() => {}))),
  });
  const mergedSettled = first[0] ? first[0].isSuccess || first[0].isError : true;
  const rest = useQueries({
    queries: columns.slice(1).map((c) => scoreQuery(c, skills, mergedSettled, reporters.get(c.key) ?? (() => {}))),
  });
  const results = [...first, ...rest];

  const perColumn = skills.reduce((sum, s) => sum + (promptsPerSkill.get(s) ?? 0), 0);
  let done = 0;
  columns.forEach((c, i) => {
    const result = results[i];
    if (result?.isSuccess || result?.isError) done += perColumn;
    else done += Math.min(perColumn, progress[c.key]?.done ?? 0);
  });
  const total = perColumn * columns.length;
  const running = results.some((r) => r.isPending || r.isFetching);
  return { results, done, total, running };
}
