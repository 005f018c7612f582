'use client';

import { useMemo } from 'react';
import { canvasToRecipe, inputsOf } from '@/lib/store/canvasRecipe';
import { isMergeNode, isModelNode } from '@/lib/store/canvasTypes';
import { useStudioStore } from '@/lib/store/studioStore';
import { formatIssues, parseRecipe, type Recipe } from '@/lib/recipe/schema';

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
    const active = nodes.find((n) => n.id === activeNodeId);
    const stage = activeNodeId ? (stageOf.get(activeNodeId) ?? null) : null;
    const sources: string[] = [];
    if (active && isMergeNode(active)) {
      for (const input of inputsOf(active.id, nodes, edges)) if (isModelNode(input)) sources.push(input.data.modelId);
      const base = active.data.baseModel;
      if (base && !sources.includes(base) && !nodes.some((n) => isMergeNode(n) && n.data.stage === base)) sources.push(base);
    }
    if (!draft) return { recipe: null, key: 'empty', stage: null, sources, problems };
    const parsed = parseRecipe(draft);
    if (!parsed.ok) {
      const nodeId = activeNodeId ?? '';
      return { recipe: null, key: 'invalid', stage: null, sources, problems: [...problems, { nodeId, message: formatIssues(parsed.issues) }] };
    }
    return { recipe: parsed.recipe, key: JSON.stringify(parsed.recipe), stage, sources, problems };
  }, [nodes, edges, activeNodeId]);
}
