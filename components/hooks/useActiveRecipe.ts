'use client';

import { useMemo } from 'react';
import { externalModelsOfStage } from '@/lib/recipe/recipeGraph';
import { formatIssues, parseRecipe, type Recipe } from '@/lib/recipe/schema';
import { canvasToRecipe } from '@/lib/store/canvasRecipe';
import { useStudioStore } from '@/lib/store/studioStore';

export interface ActiveRecipe {
  /** The whole canvas as a validated recipe, or null when nothing can run yet. */
  recipe: Recipe | null;
  /** Stable key of the recipe, for caches and query keys. */
  key: string;
  /** The stage the preview and scores follow. */
  stage: string | null;
  /** Zoo models that feed the previewed merge directly, and its base. */
  sources: string[];
  problems: Array<{ nodeId: string; message: string }>;
}

export function useActiveRecipe(): ActiveRecipe {
  const nodes = useStudioStore((s) => s.nodes);
  const edges = useStudioStore((s) => s.edges);
  const activeNodeId = useStudioStore((s) => s.activeNodeId);
  return useMemo(() => {
    const { recipe: draft, problems, stageOf } = canvasToRecipe(nodes, edges, activeNodeId);
    const stage = activeNodeId ? (stageOf.get(activeNodeId) ?? null) : null;
    const activeStage = draft?.stages.find((s) => s.name === stage);
    const sources = draft && activeStage ? externalModelsOfStage(draft, activeStage) : [];
    if (!draft) return { recipe: null, key: 'empty', stage: null, sources, problems };
    const parsed = parseRecipe(draft);
    if (!parsed.ok) {
      const nodeId = activeNodeId ?? '';
      return { recipe: null, key: 'invalid', stage: null, sources, problems: [...problems, { nodeId, message: formatIssues(parsed.issues) }] };
    }
    return { recipe: parsed.recipe, key: JSON.stringify(parsed.recipe), stage, sources, problems };
  }, [nodes, edges, activeNodeId]);
}
