'use client';

import type { Recipe } from '@/lib/recipe/schema';
import { canvasFromRecipe } from '@/lib/store/canvasRecipe';
import { useStudioStore, type CanvasState } from '@/lib/store/studioStore';

/**
 * Replaces the canvas with a recipe, laid out by dependency depth, its output merge selected
 * and previewed: the path the history's Restore takes. Returns the canvas it replaced, so
 * the caller can offer to put it back.
 */
export function putRecipeOnCanvas(recipe: Recipe): CanvasState {
  const canvas = canvasFromRecipe(recipe, null);
  const { nodes, edges, activeNodeId, selectedNodeId, replace } = useStudioStore.getState();
  replace({ ...canvas, selectedNodeId: canvas.activeNodeId });
  return { nodes, edges, activeNodeId, selectedNodeId };
}
