'use client';

import { useEffect, useRef } from 'react';
import { canvasCommandFor, isTextEntry, type CanvasCommand } from '@/lib/store/canvasShortcuts';
import { useStudioStore } from '@/lib/store/studioStore';

/** Runs canvas commands from the keyboard anywhere on the page, except while someone types in a field. */
export function useCanvasShortcuts(run: (command: CanvasCommand) => void): void {
  const latest = useRef(run);
  useEffect(() => {
    latest.current = run;
  }, [run]);
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.isComposing) return;
      const target = event.target instanceof HTMLElement ? event.target : null;
      if (isTextEntry(target && { tagName: target.tagName, type: target.getAttribute('type') ?? undefined, isContentEditable: target.isContentEditable })) return;
      const command = canvasCommandFor(event);
      if (!command) return;
      // Ctrl+D would bookmark the page, Ctrl+Z act on whatever the browser last edited.
      event.preventDefault();
      latest.current(command);
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}

/**
 * Each press of a pointer starts a new undo step: a slider drag or a node drag undoes as
 * one step, and the next drag of the same thing is a step of its own.
 */
export function useGestureBoundaries(): void {
  useEffect(() => {
    const seal = () => useStudioStore.getState().sealHistory();
    window.addEventListener('pointerdown', seal, true);
    return () => window.removeEventListener('pointerdown', seal, true);
  }, []);
}
