'use client';

import { useEffect, useState } from 'react';
import { mergeMethodNames } from '@/lib/merge/registry';
import { decodeSharePayload, encodeSharePayload, SHARE_LIMITS, shareTokenFromHash } from '@/lib/recipe/urlCodec';
import { canvasLayoutSchema } from '@/lib/store/canvasLayout';
import { canvasFromRecipe, canvasToLayout, canvasToRecipe } from '@/lib/store/canvasRecipe';
import type { CanvasState } from '@/lib/store/canvasTypes';
import { useStudioStore } from '@/lib/store/studioStore';

const HASH_UPDATE_DELAY_MS = 250;

export type ShareUrlResult =
  | { ok: true; url: string; hash: string }
  /** `tooLong`: the canvas is complete but does not fit in a link; a file carries it instead. */
  | { ok: false; message: string; tooLong: boolean };

/** The share link of a canvas: its recipe and layout, compressed into the URL hash. */
function shareUrlFor(state: CanvasState, base: string): ShareUrlResult {
  const { recipe } = canvasToRecipe(state.nodes, state.edges, state.activeNodeId);
  if (!recipe) return { ok: false, message: 'Nothing to share yet: connect at least one model to a merge node.', tooLong: false };
  const encoded = encodeSharePayload({ recipe, layout: canvasToLayout(state.nodes, state.edges, state.activeNodeId) }, { methods: mergeMethodNames() });
  if (encoded.ok) return { ok: true, url: `${base}${encoded.hash}`, hash: encoded.hash };
  if (encoded.error.code !== 'too-long') return { ok: false, message: encoded.error.message, tooLong: false };
  const length = encoded.error.length === undefined ? '' : ` (${encoded.error.length} characters; a link holds at most ${SHARE_LIMITS.encodedChars})`;
  return {
    ok: false,
    message: `This canvas is too big for a link${length}. Save it as a file with Export JSON; Import… opens that file here or in another browser.`,
    tooLong: true,
  };
}

export function currentShareUrl(): ShareUrlResult {
  const base = `${window.location.origin}${window.location.pathname}`;
  return shareUrlFor(useStudioStore.getState(), base);
}

/** Restores the canvas from a share URL's hash; null when the hash holds no recipe. */
function canvasFromHash(hash: string): { state: CanvasState } | { error: string } | null {
  if (shareTokenFromHash(hash) === undefined) return null;
  const decoded = decodeSharePayload(hash, { methods: mergeMethodNames() });
  if (!decoded.ok) return { error: decoded.error.message };
  const layout = canvasLayoutSchema.safeParse(decoded.payload.layout);
  const canvas = canvasFromRecipe(decoded.payload.recipe, layout.success ? layout.data : null);
  return { state: { ...canvas, selectedNodeId: canvas.activeNodeId } };
}

export interface ShareUrlSync {
  /** Why the link the page was opened with could not be restored. */
  loadError: string | null;
  /** The canvas is too big for a link, so the address bar holds none. */
  tooBigForLink: boolean;
}

/**
 * Keeps the URL hash in step with the canvas (debounced, with history.replaceState), so
 * the address bar is always a share link and a reload restores the canvas. On first load
 * a hash is decoded and validated before anything runs; a bad one leaves an empty canvas
 * and returns the reason. A canvas too big for a link drops the hash: an older canvas's
 * link would bring back that canvas on a reload, where no link lets the autosave bring
 * back this one.
 */
export function useShareUrlSync(): ShareUrlSync {
  const [loadError, setLoadError] = useState<string | null>(null);
  const [tooBigForLink, setTooBigForLink] = useState(false);
  useEffect(() => {
    const restored = canvasFromHash(window.location.hash);
    if (restored && 'error' in restored) setLoadError(restored.error);
    if (restored && 'state' in restored) useStudioStore.getState().load(restored.state);

    const dropHash = () => {
      if (window.location.hash) history.replaceState(null, '', `${window.location.pathname}${window.location.search}`);
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = useStudioStore.subscribe((state, previous) => {
      if (state.nodes === previous.nodes && state.edges === previous.edges && state.activeNodeId === previous.activeNodeId) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        const result = shareUrlFor(state, '');
        setTooBigForLink(!result.ok && result.tooLong);
        if (result.ok && result.hash !== window.location.hash) history.replaceState(null, '', result.hash);
        else if (!result.ok && result.tooLong) dropHash();
        // A canvas that cannot be a link yet (no complete merge) keeps the last good hash.
        else if (state.nodes.length === 0) dropHash();
      }, HASH_UPDATE_DELAY_MS);
    });
    return () => {
      clearTimeout(timer);
      unsubscribe();
    };
  }, []);
  return { loadError, tooBigForLink };
}
