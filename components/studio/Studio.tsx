'use client';

import { ReactFlowProvider } from '@xyflow/react';
import { MergeCanvas } from '@/components/canvas/MergeCanvas';
import { ResultsPanel } from './ResultsPanel';
import { useCanvasAutosave } from '@/components/history/useCanvasAutosave';
import { MergeInspector } from '@/components/inspector/MergeInspector';
import { ModelLibrary } from '@/components/library/ModelLibrary';
import { PreviewPanel } from '@/components/preview/PreviewPanel';
import { SearchDrawer, SearchToggle } from '@/components/search/SearchDrawer';
import { RecipeFiles } from '@/components/share/RecipeFiles';
import { ShareButton } from '@/components/share/ShareButton';
import { useStudioStore } from '@/lib/store/studioStore';
import { EngineStatus } from './EngineStatus';
import { useShareUrlSync } from '@/components/share/useShareUrlSync';

export function Studio() {
  const { loadError, tooBigForLink } = useShareUrlSync();
  useCanvasAutosave();
  const addMerge = useStudioStore((s) => s.addMerge);
  return (
    <ReactFlowProvider>
      <div className="relative grid h-screen grid-cols-[16rem_1fr_22rem] grid-rows-[auto_minmax(0,1fr)_minmax(0,22rem)]">
        <header className="col-span-3 flex items-center gap-3 border-b border-slate-200 bg-white px-4 py-2">
          <h1 className="whitespace-nowrap text-lg font-bold">Merge Studio</h1>
          <span className="min-w-0 truncate text-sm text-slate-500">merge fine-tuned models, preview them live, share the recipe</span>
          <div className="ml-auto flex items-center gap-2">
            <EngineStatus />
            <SearchToggle />
            <button
              type="button"
              onClick={() => addMerge()}
              className="rounded-md border border-indigo-300 bg-indigo-50 px-3 py-1 text-sm font-medium text-indigo-800 hover:bg-indigo-100"
            >
              Add merge node
            </button>
            <RecipeFiles />
            <ShareButton />
          </div>
        </header>
        <aside className="row-span-2 border-r border-slate-200 bg-slate-100">
          <ModelLibrary />
        </aside>
        <main className="relative min-h-0">
          <MergeCanvas />
          {loadError ? (
            <div role="alert" className="absolute left-3 right-3 top-3 z-10 rounded border border-red-200 bg-red-50 px-4 py-2 text-sm text-red-800 shadow">
              The shared link could not be opened: {loadError}
            </div>
          ) : null}
          {tooBigForLink ? (
            <p role="status" className="absolute bottom-3 left-14 z-10 max-w-md rounded border border-amber-200 bg-amber-50 px-3 py-1.5 text-xs text-amber-900 shadow">
              This canvas is too big for a link, so the address bar holds none; it is autosaved in this browser. Export JSON saves it as a file.
            </p>
          ) : null}
        </main>
        <aside className="row-span-2 overflow-y-auto border-l border-slate-200 bg-white">
          <MergeInspector />
        </aside>
        <section className="grid min-h-0 grid-cols-2 border-t border-slate-200 bg-white">
          <PreviewPanel />
          <ResultsPanel />
        </section>
        {/* Out of flow, over the results and the inspector: the canvas's left half and the preview stay in view. */}
        <SearchDrawer className="absolute bottom-0 right-0 top-0 col-start-2 col-end-4 row-start-2 row-end-4 w-[calc((100%_+_22rem)/2)]" />
      </div>
    </ReactFlowProvider>
  );
}
