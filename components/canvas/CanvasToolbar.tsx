'use client';

import { Panel, useReactFlow } from '@xyflow/react';
import { Fragment, useCallback, useId, useState } from 'react';
import { clearSelection, duplicateSelection, hasSelection, removeSelection, selectedNodeIds } from '@/lib/store/canvasEditing';
import { canRedo, canUndo } from '@/lib/store/canvasHistory';
import { CANVAS_SHORTCUTS, type CanvasCommand } from '@/lib/store/canvasShortcuts';
import { useStudioStore } from '@/lib/store/studioStore';
import { useCanvasShortcuts } from './useCanvasShortcuts';

const BUTTON =
  'rounded border border-slate-300 bg-white px-2 py-1 text-xs font-medium text-slate-700 shadow-sm hover:bg-slate-50 disabled:cursor-not-allowed disabled:opacity-40';

/** Undo, redo, duplicate and delete on the canvas, with the keyboard shortcuts that do the same. */
export function CanvasToolbar() {
  const apply = useStudioStore((s) => s.apply);
  const undo = useStudioStore((s) => s.undo);
  const redo = useStudioStore((s) => s.redo);
  const undoable = useStudioStore((s) => canUndo(s.history));
  const redoable = useStudioStore((s) => canRedo(s.history));
  const nodesSelected = useStudioStore((s) => selectedNodeIds(s).length > 0);
  const anythingSelected = useStudioStore(hasSelection);
  const { fitView } = useReactFlow();
  const [helpOpen, setHelpOpen] = useState(false);
  const helpId = useId();

  const run = useCallback(
    (command: CanvasCommand) => {
      if (command === 'undo') undo();
      else if (command === 'redo') redo();
      else if (command === 'duplicate') apply(duplicateSelection);
      else if (command === 'fitView') void fitView({ maxZoom: 1, padding: 0.2 });
      else if (command === 'showShortcuts') setHelpOpen(true);
      else if (helpOpen) setHelpOpen(false);
      else apply(clearSelection);
    },
    [apply, fitView, helpOpen, redo, undo],
  );
  useCanvasShortcuts(run);

  return (
    // Above React Flow's zoom controls, which the shortcuts list would otherwise slide under.
    <Panel position="top-left" className="flex flex-col items-start gap-2" style={{ zIndex: 10 }}>
      <div role="toolbar" aria-label="Canvas tools" className="flex items-center gap-1">
        <button type="button" className={BUTTON} onClick={undo} disabled={!undoable} aria-keyshortcuts="Control+Z Meta+Z" title="Undo (Ctrl/⌘+Z)">
          Undo
        </button>
        <button
          type="button"
          className={BUTTON}
          onClick={redo}
          disabled={!redoable}
          aria-keyshortcuts="Control+Shift+Z Meta+Shift+Z Control+Y"
          title="Redo (Ctrl/⌘+Shift+Z or Ctrl+Y)"
        >
          Redo
        </button>
        <button
          type="button"
          className={BUTTON}
          onClick={() => apply(duplicateSelection)}
          disabled={!nodesSelected}
          aria-keyshortcuts="Control+D Meta+D"
          title="Duplicate the selected nodes (Ctrl/⌘+D)"
        >
          Duplicate
        </button>
        <button
          type="button"
          className={BUTTON}
          onClick={() => apply(removeSelection)}
          disabled={!anythingSelected}
          aria-keyshortcuts="Delete Backspace"
          title="Delete the selection (Delete or Backspace)"
        >
          Delete
        </button>
        <button
          type="button"
          className={`${BUTTON} w-7`}
          onClick={() => setHelpOpen((open) => !open)}
          aria-expanded={helpOpen}
          aria-controls={helpId}
          aria-label="Keyboard shortcuts"
          aria-keyshortcuts="Shift+Slash"
          title="Keyboard shortcuts (?)"
        >
          ?
        </button>
      </div>
      {helpOpen ? <ShortcutsHelp id={helpId} onClose={() => setHelpOpen(false)} /> : null}
    </Panel>
  );
}

function ShortcutsHelp({ id, onClose }: { id: string; onClose: () => void }) {
  return (
    <section id={id} aria-label="Keyboard shortcuts" className="w-[26rem] rounded-lg border border-slate-200 bg-white p-3 text-xs text-slate-700 shadow-lg">
      <div className="mb-2 flex items-center justify-between">
        <h2 className="font-semibold text-slate-800">Keyboard shortcuts</h2>
        <button type="button" className="text-indigo-700 underline" onClick={onClose}>
          Close
        </button>
      </div>
      <dl className="grid grid-cols-[13rem_1fr] gap-x-3 gap-y-1.5">
        {CANVAS_SHORTCUTS.map((shortcut) => (
          <div key={shortcut.action} className="contents">
            <dt>
              {shortcut.keys.map((keys, i) => (
                <Fragment key={keys}>
                  {i > 0 ? ' or ' : null}
                  <kbd className="whitespace-nowrap rounded border border-slate-300 bg-slate-50 px-1 font-mono text-[11px]">{keys}</kbd>
                </Fragment>
              ))}
            </dt>
            <dd>{shortcut.action}</dd>
          </div>
        ))}
      </dl>
      <p className="mt-2 text-[11px] text-slate-500">Shortcuts wait while you type in a field.</p>
    </section>
  );
}
