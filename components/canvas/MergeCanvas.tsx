'use client';

import { Background, Controls, MiniMap, ReactFlow, useReactFlow, type Connection, type OnBeforeDelete } from '@xyflow/react';
import { useCallback, useEffect, useState, type DragEvent } from 'react';
import { removeElements } from '@/lib/store/canvasEditing';
import type { StudioEdge, StudioNode } from '@/lib/store/canvasTypes';
import { connect, connectionProblem, useStudioStore } from '@/lib/store/studioStore';
import { CanvasToolbar } from './CanvasToolbar';
import { MODEL_DRAG_TYPE, nodeTypes } from './nodeTypes';
import { useGestureBoundaries } from './useCanvasShortcuts';

export function MergeCanvas() {
  const nodes = useStudioStore((s) => s.nodes);
  const edges = useStudioStore((s) => s.edges);
  const onNodesChange = useStudioStore((s) => s.onNodesChange);
  const onEdgesChange = useStudioStore((s) => s.onEdgesChange);
  const apply = useStudioStore((s) => s.apply);
  const addModel = useStudioStore((s) => s.addModel);
  const select = useStudioStore((s) => s.select);
  const { screenToFlowPosition, fitView } = useReactFlow();
  const [notice, setNotice] = useState<string | null>(null);
  useGestureBoundaries();

  // Keep every node in view as nodes come and go.
  const nodeCount = nodes.length;
  useEffect(() => {
    if (nodeCount > 0) void fitView({ maxZoom: 1, padding: 0.2 });
  }, [nodeCount, fitView]);

  const onConnect = useCallback(
    (c: Connection) => {
      const problem = connectionProblem(useStudioStore.getState(), c.source, c.target);
      setNotice(problem);
      if (!problem) apply((s) => connect(s, c.source, c.target));
    },
    [apply],
  );

  // React Flow removes edges and nodes in two separate changes; the store removes them in
  // one edit instead, so a delete is one undo step.
  const onBeforeDelete: OnBeforeDelete<StudioNode, StudioEdge> = useCallback(
    async ({ nodes: doomedNodes, edges: doomedEdges }) => {
      apply((s) => removeElements(s, doomedNodes.map((n) => n.id), doomedEdges.map((e) => e.id)));
      return false;
    },
    [apply],
  );

  const onDragOver = useCallback((event: DragEvent) => {
    if (event.dataTransfer.types.includes(MODEL_DRAG_TYPE)) {
      event.preventDefault();
      event.dataTransfer.dropEffect = 'copy';
    }
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      const modelId = event.dataTransfer.getData(MODEL_DRAG_TYPE);
      if (!modelId) return;
      event.preventDefault();
      const position = screenToFlowPosition({ x: event.clientX, y: event.clientY });
      select(addModel(modelId, position));
    },
    [addModel, screenToFlowPosition, select],
  );

  return (
    <div className="relative h-full w-full" onDragOver={onDragOver} onDrop={onDrop} data-testid="canvas">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onBeforeDelete={onBeforeDelete}
        onSelectionChange={({ nodes: selected }) => select(selected[0]?.id ?? null)}
        fitView
        fitViewOptions={{ maxZoom: 1 }}
        deleteKeyCode={['Backspace', 'Delete']}
        aria-label="Merge canvas"
      >
        <CanvasToolbar />
        <Background gap={20} />
        <Controls />
        <MiniMap pannable zoomable ariaLabel="Canvas overview" />
      </ReactFlow>
      {nodes.length === 0 ? <EmptyCanvasHint /> : null}
      {notice ? (
        <div role="status" className="absolute bottom-3 left-1/2 -translate-x-1/2 rounded bg-amber-100 px-3 py-1 text-sm text-amber-900 shadow">
          {notice}
        </div>
      ) : null}
    </div>
  );
}

function EmptyCanvasHint() {
  return (
    <div className="pointer-events-none absolute inset-0 flex items-center justify-center">
      <div className="max-w-sm rounded-xl border border-dashed border-slate-300 bg-white/80 p-6 text-center text-slate-600">
        <p className="font-semibold text-slate-800">Start a merge</p>
        <p className="mt-2 text-sm">
          Drag two experts from the library onto the canvas (or press their <em>Add</em> buttons), then add a merge node and
          connect the models to it.
        </p>
        <p className="mt-2 text-xs text-slate-500">
          Every edit can be undone (Ctrl/⌘+Z). Press <kbd className="rounded border border-slate-300 bg-white px-1 font-mono">?</kbd> for the
          keyboard shortcuts.
        </p>
      </div>
    </div>
  );
}
