'use client';

import { useState } from 'react';
import type { Recipe } from '@/lib/recipe/schema';
import type { CanvasLayout } from '@/lib/store/canvasLayout';
import { canvasFromRecipe } from '@/lib/store/canvasRecipe';
import type { CanvasState } from '@/lib/store/canvasTypes';
import { useStudioStore } from '@/lib/store/studioStore';

/**
 * Puts a recipe on the canvas (with its layout, or laid out by dependency depth), its output
 * merge selected and previewed, as one undoable edit. `takeBack` is that edit's undo, offered
 * only while the restore is still the last edit on the canvas's undo history; after that,
 * the canvas's own Undo is the way back.
 */
export function useCanvasRestore(): { restore(recipe: Recipe, layout: CanvasLayout | null): void; canTakeBack: boolean; takeBack(): void; forget(): void } {
  const lastStep = useStudioStore((s) => s.history.past.at(-1));
  const undo = useStudioStore((s) => s.undo);
  const [restoredOver, setRestoredOver] = useState<CanvasState | null>(null);
  const canTakeBack = restoredOver !== null && lastStep === restoredOver;
  return {
    restore(recipe, layout) {
      const canvas = canvasFromRecipe(recipe, layout);
      useStudioStore.getState().replace({ ...canvas, selectedNodeId: canvas.activeNodeId });
      setRestoredOver(useStudioStore.getState().history.past.at(-1) ?? null);
    },
    canTakeBack,
    takeBack() {
      if (canTakeBack) undo();
      setRestoredOver(null);
    },
    forget: () => setRestoredOver(null),
  };
}
