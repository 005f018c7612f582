'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import type { SkillScores } from '@/components/charts/useSkillScores';
import { insertExperiment, removeExperiment, type ExperimentRecord } from '@/lib/history/experiment';
import { listExperiments, recordExperiment } from '@/lib/history/historyBackend';
import { EXPERIMENTS_QUERY_KEY, historyBackend, historySession } from './historyClient';

/** Every recorded experiment, newest first. */
export function useExperiments() {
  return useQuery({ queryKey: EXPERIMENTS_QUERY_KEY, queryFn: () => listExperiments(historyBackend()) });
}

export function useDeleteExperiment() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => historyBackend().deleteExperiment(id),
    onSuccess: (_, id) => {
      if (client.getQueryData(EXPERIMENTS_QUERY_KEY)) client.setQueryData<ExperimentRecord[]>(EXPERIMENTS_QUERY_KEY, (list) => removeExperiment(list ?? [], id));
      void client.invalidateQueries({ queryKey: EXPERIMENTS_QUERY_KEY });
    },
  });
}

/**
 * Records the settled merge each time its scores arrive: once per distinct recipe (the
 * backend refuses a recipe it already holds). Returns the last recording error, if any.
 */
export function useRecordExperiments(scores: SkillScores): string | null {
  const client = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const recorded = useRef<string | null>(null);
  const { settled, merged, active, layout } = scores;
  const data = settled ? merged.data : undefined;
  useEffect(() => {
    if (!data || !active.recipe || !active.stage || data.scores.length === 0) return;
    const marker = `${active.key}\u0000${active.stage}`;
    if (recorded.current === marker) return;
    recorded.current = marker;
    recordExperiment(historyBackend(), { recipe: active.recipe, layout, stage: active.stage, scores: data.scores }, { now: Date.now(), session: historySession() })
      .then(({ record, added }) => {
        setError(null);
        if (!added) return;
        // Shown at once where the list is loaded; read again in any case, so a listing that was
        // under way when the record was written cannot hide it.
        if (client.getQueryData(EXPERIMENTS_QUERY_KEY)) client.setQueryData<ExperimentRecord[]>(EXPERIMENTS_QUERY_KEY, (list) => insertExperiment(list ?? [], record));
        void client.invalidateQueries({ queryKey: EXPERIMENTS_QUERY_KEY });
      })
      .catch((e: unknown) => {
        recorded.current = null;
        setError(e instanceof Error ? e.message : String(e));
      });
    // `layout` belongs to the same settled snapshot as `active`; a moved node alone records nothing.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [data, active.key, active.stage]);
  return error;
}
