'use client';

import { Handle, MarkerType, Position, ReactFlow, type Edge, type Node, type NodeProps, type NodeTypes, type ReactFlowInstance } from '@xyflow/react';
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import type { ZooIndexEntry } from '@/lib/zoo/zooIndex';
import type { DiagramMerge, RecipeDiagram as Diagram } from '@/lib/demo/demoRecipe';

type ModelCard = Node<{ model: string; entry: ZooIndexEntry | undefined }, 'demoModel'>;
type MergeCard = Node<{ merge: DiagramMerge }, 'demoMerge'>;
type Card = ModelCard | MergeCard;

// Handles only anchor the edges: nothing here can be connected.
const HANDLE_CLASS = '!h-2 !w-2 !min-w-0 !border-0 !bg-slate-400';

function ModelCardViewImpl({ data }: NodeProps<ModelCard>) {
  const { model, entry } = data;
  const kind = entry?.role === 'base' ? 'base model' : entry?.skill ? `expert in ${entry.skill}` : 'model';
  return (
    <div className="w-52 rounded-xl border-2 border-slate-300 bg-white px-4 py-3 shadow-sm" aria-label={`Source model ${model}`}>
      <div className="text-sm uppercase tracking-wide text-slate-500">{kind}</div>
      <div className="font-mono text-xl font-semibold text-slate-900">{model}</div>
      <Handle type="source" position={Position.Right} isConnectable={false} className={HANDLE_CLASS} />
    </div>
  );
}

function MergeCardViewImpl({ data }: NodeProps<MergeCard>) {
  const { merge } = data;
  return (
    <div
      className={`w-72 rounded-xl border-2 px-4 py-3 shadow-sm ${merge.isOutput ? 'border-indigo-500 bg-indigo-50' : 'border-indigo-200 bg-white'}`}
      aria-label={`Merge ${merge.stage}`}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} className={HANDLE_CLASS} />
      <div className="flex items-baseline justify-between gap-2">
        <span className="font-mono text-xl font-semibold text-slate-900">{merge.stage}</span>
        {merge.isOutput ? <span className="rounded bg-indigo-600 px-2 py-0.5 text-sm font-semibold text-white">merged model</span> : null}
      </div>
      <div className="mt-1 text-lg font-semibold text-indigo-800">{merge.methodLabel}</div>
      {merge.methodSummary ? <p className="text-base leading-snug text-slate-700">{merge.methodSummary}</p> : null}
      {merge.parameters.length > 0 ? (
        <ul className="mt-2 space-y-1" aria-label={`Settings of ${merge.stage}`}>
          {merge.parameters.map((p) => (
            <li key={p.name} className="text-base leading-snug">
              <span className="font-mono font-semibold">
                {p.name} = {p.value}
              </span>
              {p.meaning ? <span className="block text-sm text-slate-600">{p.meaning}</span> : null}
            </li>
          ))}
        </ul>
      ) : (
        <p className="mt-2 text-sm text-slate-500">default settings</p>
      )}
      <Handle type="source" position={Position.Right} isConnectable={false} className={HANDLE_CLASS} />
    </div>
  );
}

/** Defined once at module level so React Flow never remounts the cards. */
const cardTypes: NodeTypes = { demoModel: memo(ModelCardViewImpl), demoMerge: memo(MergeCardViewImpl) };

// Card widths as their classes set them (w-52, w-72).
const MODEL_WIDTH = 208;
const MERGE_WIDTH = 288;
/** Room between columns for the edge labels, which are drawn under the cards. */
function columnGap(diagram: Diagram): number {
  const longest = Math.max(0, ...diagram.edges.map((e) => e.label.length));
  return Math.max(120, 40 + 8 * longest);
}
const ROW_GAP = { model: 110, merge: 320 };

function layout(diagram: Diagram, zoo: readonly ZooIndexEntry[]): { nodes: Card[]; edges: Edge[] } {
  const perColumn = new Map<number, number>();
  for (const n of diagram.nodes) perColumn.set(n.column, (perColumn.get(n.column) ?? 0) + 1);
  const gap = columnGap(diagram);
  const columnX = (column: number) => (column === 0 ? 0 : MODEL_WIDTH + gap + (column - 1) * (MERGE_WIDTH + gap));
  const nodes: Card[] = diagram.nodes.map((n) => {
    const count = perColumn.get(n.column) ?? 1;
    const rowGap = n.kind === 'model' ? ROW_GAP.model : ROW_GAP.merge;
    // Each column is centred on y = 0 (nodeOrigin [0, 0.5] centres each card on its y).
    const position = { x: columnX(n.column), y: (n.row - (count - 1) / 2) * rowGap };
    return n.kind === 'model'
      ? { id: n.id, type: 'demoModel', position, data: { model: n.model, entry: zoo.find((m) => m.id === n.model) } }
      : { id: n.id, type: 'demoMerge', position, data: { merge: n } };
  });
  const edges: Edge[] = diagram.edges.map((e) => ({
    id: e.id,
    source: e.source,
    target: e.target,
    label: e.label || undefined,
    labelStyle: { fontSize: 15, fontWeight: 600, fill: '#334155' },
    labelBgStyle: { fill: '#f8fafc' },
    labelBgPadding: [6, 3] as [number, number],
    markerEnd: { type: MarkerType.ArrowClosed, color: e.isBase ? '#94a3b8' : '#6366f1' },
    style: { stroke: e.isBase ? '#94a3b8' : '#6366f1', strokeWidth: 2, ...(e.isBase ? { strokeDasharray: '6 5' } : {}) },
  }));
  return { nodes, edges };
}

/** The recipe drawn read-only: source models on the left, merge steps to the right. */
export function RecipeDiagram({ diagram, zoo }: { diagram: Diagram; zoo: readonly ZooIndexEntry[] }) {
  const { nodes, edges } = useMemo(() => layout(diagram, zoo), [diagram, zoo]);
  const [flow, setFlow] = useState<ReactFlowInstance<Card, Edge> | null>(null);
  const box = useRef<HTMLDivElement>(null);
  // Keep the whole recipe in view when the page is resized.
  useEffect(() => {
    const element = box.current;
    if (!flow || !element) return;
    const observer = new ResizeObserver(() => void flow.fitView({ padding: 0.04, maxZoom: 1 }));
    observer.observe(element);
    return () => observer.disconnect();
  }, [flow]);
  return (
    <div ref={box} className="h-full w-full">
      <ReactFlow<Card, Edge>
        nodes={nodes}
        edges={edges}
        nodeTypes={cardTypes}
        nodeOrigin={[0, 0.5]}
        onInit={setFlow}
        fitView
        fitViewOptions={{ padding: 0.04, maxZoom: 1 }}
        minZoom={0.2}
        nodesDraggable={false}
        nodesConnectable={false}
        nodesFocusable={false}
        edgesFocusable={false}
        elementsSelectable={false}
        panOnDrag={false}
        panOnScroll={false}
        zoomOnScroll={false}
        zoomOnPinch={false}
        zoomOnDoubleClick={false}
        preventScrolling={false}
      />
    </div>
  );
}
