'use client';

import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import type { MergeNode } from '@/lib/store/canvasTypes';
import { useStudioStore } from '@/lib/store/studioStore';

function MergeNodeViewImpl({ id, data, selected }: NodeProps<MergeNode>) {
  const inputCount = useStudioStore((s) => s.edges.filter((e) => e.target === id).length);
  const isActive = useStudioStore((s) => s.activeNodeId === id);
  return (
    <div
      className={`min-w-48 rounded-lg border-2 bg-indigo-50 px-3 py-2 shadow-sm ${selected ? 'border-indigo-600 ring-2 ring-indigo-200' : 'border-indigo-300'}`}
      aria-label={`Merge ${data.stage}`}
    >
      <Handle type="target" position={Position.Left} aria-label={`Inputs of ${data.stage}`} className="!h-3 !w-3 !bg-indigo-700" />
      <div className="flex items-center justify-between gap-2">
        <span className="text-xs uppercase tracking-wide text-indigo-700">merge</span>
        {isActive ? <span className="rounded bg-indigo-600 px-1.5 text-[10px] font-semibold text-white">previewed</span> : null}
      </div>
      <div className="font-mono text-sm font-semibold">{data.stage}</div>
      <div className="text-xs text-slate-600">
        {data.method} · {inputCount === 0 ? 'no inputs yet' : `${inputCount} input${inputCount === 1 ? '' : 's'}`}
      </div>
      <Handle type="source" position={Position.Right} aria-label={`Output of ${data.stage}`} className="!h-3 !w-3 !bg-indigo-700" />
    </div>
  );
}

export const MergeNodeView = memo(MergeNodeViewImpl);
