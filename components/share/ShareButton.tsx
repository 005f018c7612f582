'use client';

import { useState } from 'react';
import { currentShareUrl } from './useShareUrlSync';

type ShareState = { kind: 'idle' } | { kind: 'copied'; url: string } | { kind: 'error'; message: string };

export function ShareButton() {
  const [state, setState] = useState<ShareState>({ kind: 'idle' });
  const onShare = async () => {
    const result = currentShareUrl();
    if (!result.ok) {
      setState({ kind: 'error', message: result.message });
      return;
    }
    try {
      await navigator.clipboard.writeText(result.url);
      setState({ kind: 'copied', url: result.url });
    } catch {
      // Clipboard access can be refused (permissions, insecure context): show the link to copy by hand.
      setState({ kind: 'copied', url: result.url });
    }
  };
  return (
    <div className="relative">
      <button
        type="button"
        onClick={onShare}
        className="rounded-md bg-indigo-600 px-3 py-1 text-sm font-medium text-white hover:bg-indigo-700"
      >
        Share
      </button>
      {/* z-30: over the file notice beside it, which may still be open when Share is pressed. */}
      {state.kind === 'copied' ? (
        <div role="status" className="absolute right-0 top-9 z-30 w-96 rounded border border-slate-200 bg-white p-2 text-xs shadow-lg">
          <p className="font-semibold">Link copied. It restores this canvas and recipe.</p>
          <input readOnly value={state.url} aria-label="Share link" className="mt-1 w-full rounded border px-1 font-mono" onFocus={(e) => e.target.select()} />
          <a href={`/demo${new URL(state.url).hash}`} target="_blank" rel="noopener" className="mr-3 mt-1 inline-block text-indigo-700 underline">
            Open demo
          </a>
          <button type="button" className="mt-1 text-indigo-700 underline" onClick={() => setState({ kind: 'idle' })}>
            Close
          </button>
        </div>
      ) : null}
      {state.kind === 'error' ? (
        <div role="alert" className="absolute right-0 top-9 z-30 w-80 rounded border border-red-200 bg-red-50 p-2 text-xs text-red-800 shadow-lg">
          {state.message}
          <button type="button" className="ml-2 underline" onClick={() => setState({ kind: 'idle' })}>
            Close
          </button>
        </div>
      ) : null}
    </div>
  );
}
