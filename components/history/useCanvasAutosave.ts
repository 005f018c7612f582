'use client';

import { useEffect } from 'react';
import { autosaveFingerprint, canvasFromAutosave, toAutosave } from '@/lib/history/autosave';
import { shareTokenFromHash } from '@/lib/recipe/urlCodec';
import { useStudioStore } from '@/lib/store/studioStore';
import { onEngineCrash } from '@/lib/workers/engineClient';
import { historyBackend } from './historyClient';

/** Quiet time before a change is written: short, so a crash of the tab loses at most this much. */
export const AUTOSAVE_DELAY_MS = 400;

/**
 * Keeps the canvas in IndexedDB (debounced) and puts it back on a reload whose URL has no
 * share link (a share link always wins). Writes at once when the engine worker crashes and
 * when the page is hidden or closed, so nothing drawn is lost to either.
 */
export function useCanvasAutosave(): void {
  useEffect(() => {
    const backend = historyBackend();
    let ready = false;
    let cancelled = false;
    let changedBeforeLoad = false;
    let lastWritten: string | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;

    const save = () => {
      clearTimeout(timer);
      timer = undefined;
      if (!ready) return;
      const record = toAutosave(useStudioStore.getState(), Date.now());
      const fingerprint = autosaveFingerprint(record);
      if (fingerprint === lastWritten) return;
      lastWritten = fingerprint;
      backend.saveCanvas(record).catch((error: unknown) => {
        lastWritten = null;
        console.warn('The canvas could not be autosaved:', error);
      });
    };

    const unsubscribe = useStudioStore.subscribe((state, previous) => {
      if (
        state.nodes === previous.nodes &&
        state.edges === previous.edges &&
        state.activeNodeId === previous.activeNodeId &&
        state.selectedNodeId === previous.selectedNodeId
      ) {
        return;
      }
      if (!ready) {
        changedBeforeLoad = true;
        return;
      }
      clearTimeout(timer);
      timer = setTimeout(save, AUTOSAVE_DELAY_MS);
    });

    const fromShareLink = shareTokenFromHash(window.location.hash) !== undefined;
    (fromShareLink ? Promise.resolve(undefined) : backend.loadCanvas())
      .catch((error: unknown) => {
        console.warn('The autosaved canvas could not be read:', error);
        return undefined;
      })
      .then((saved) => {
        if (cancelled) return;
        const restored = saved === undefined ? null : canvasFromAutosave(saved);
        // Someone already drawing (or a share link) wins over the autosave.
        if (restored && !changedBeforeLoad && useStudioStore.getState().nodes.length === 0) {
          useStudioStore.getState().load(restored);
          lastWritten = autosaveFingerprint(toAutosave(restored, 0));
        }
        ready = true;
        if (changedBeforeLoad) save();
      });

    const flush = () => {
      if (timer !== undefined) save();
    };
    const onVisibility = () => {
      if (document.visibilityState === 'hidden') flush();
    };
    const offCrash = onEngineCrash(() => save());
    window.addEventListener('pagehide', flush);
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      flush();
      cancelled = true;
      unsubscribe();
      offCrash();
      window.removeEventListener('pagehide', flush);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, []);
}
