'use client';

import { keepPreviousData, useQueries, useQuery, type UseQueryResult } from '@tanstack/react-query';
import * as Comlink from 'comlink';
import { useMemo, useState } from 'react';
import { useEvalIndex } from '@/components/hooks/useZoo';
import { useActiveRecipe, type ActiveRecipe } from '@/components/hooks/useActiveRecipe';
import { useDebounced } from '@/components/hooks/useDebounced';
import type { CanvasLayout } from '@/lib/store/canvasLayout';
import { canvasToLayout } from '@/lib/store/canvasRecipe';
import { useStudioStore } from '@/lib/store/studioStore';
import type { ModelTarget, ScoreProgress, ScoreResult } from '@/lib/workers/engineApi';
import { engine, retryEngineRequest } from '@/lib/workers/engineClient';
import type { ScoreSeries } from './SkillBarChart';

function scoreQuery(channel: string, key: unknown[], target: ModelTarget | null, skills: string[], onProgress?: (p: ScoreProgress) => void) {
  return {
    queryKey: ['scores', ...key, skills],
    enabled: target !== null && skills.length > 0,
    placeholderData: keepPreviousData,
    retry: retryEngineRequest,
    queryFn: (): Promise<ScoreResult> => {
      if (!target) throw new Error('nothing to score');
      return engine().score(channel, { target, split: 'test', skills }, onProgress ? Comlink.proxy(onProgress) : undefined);
    },
  };
}

/** Scores wait until the recipe has settled: while a slider moves, the preview gets the engine. */
const SCORE_DELAY_MS = 400;

export interface SkillScores {
  /** The settled recipe the scores are for. */
  active: ActiveRecipe;
  /** The canvas layout at the moment the recipe settled (for the history). */
  layout: CanvasLayout;
  skills: string[];
  mergeTarget: ModelTarget | null;
  merged: UseQueryResult<ScoreResult>;
  progress: ScoreProgress | null;
  /** Each source that has been scored, then the merge (highlighted). */
  series: ScoreSeries[];
  /** The merge's series name, e.g. "merge-1 (merged)". */
  mergeName: string | null;
  /** True when `merged.data` belongs to the settled recipe (not a placeholder, not being recomputed). */
  settled: boolean;
  /** True while the canvas has changed and the scores wait for it to settle. */
  pending: boolean;
}

/**
 * Exact match per skill of the previewed merge and of its sources, computed by the engine
 * worker on the test split. One caller per page (the results panel), which hands the
 * result to every chart.
 */
export function useSkillScores(): SkillScores {
  const live = useActiveRecipe();
  const nodes = useStudioStore((s) => s.nodes);
  const edges = useStudioStore((s) => s.edges);
  const activeNodeId = useStudioStore((s) => s.activeNodeId);
  const liveLayout = useMemo(() => canvasToLayout(nodes, edges, activeNodeId), [nodes, edges, activeNodeId]);
  const snapshot = useDebounced(useMemo(() => ({ active: live, layout: liveLayout }), [live, liveLayout]), SCORE_DELAY_MS);
  const { active, layout } = snapshot;
  const evals = useEvalIndex();
  const skills = useMemo(() => evals.data?.skills.map((s) => s.id) ?? [], [evals.data]);
  const [progress, setProgress] = useState<ScoreProgress | null>(null);
  const mergeTarget: ModelTarget | null = active.recipe && active.stage ? { kind: 'merge', recipe: active.recipe, stage: active.stage } : null;
  const merged = useQuery(scoreQuery('scores-merge', [active.key, active.stage], mergeTarget, skills, setProgress));
  // Source scores are computed by the same engine on the same split, once per model.
  const sources = useQueries({
    queries: active.sources.map((id) => scoreQuery(`scores-source-${id}`, [id], { kind: 'zoo', id }, skills)),
  });

  const series: ScoreSeries[] = [];
  sources.forEach((q, i) => {
    const id = active.sources[i];
    if (id && q.data) series.push({ name: id, scores: q.data.scores });
  });
  const mergeName = active.stage ? `${active.stage} (merged)` : null;
  if (merged.data && mergeName) series.push({ name: mergeName, scores: merged.data.scores, highlight: true });

  const pending = live.key !== active.key || live.stage !== active.stage;
  const settled = !pending && merged.isSuccess && !merged.isPlaceholderData && !merged.isFetching && mergeTarget !== null;
  return { active, layout, skills, mergeTarget, merged, progress, series, mergeName, settled, pending };
}
