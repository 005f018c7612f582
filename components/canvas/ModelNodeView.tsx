'use client';

import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import type { ModelNode } from '@/lib/store/canvasTypes';
import { useZooIndex } from '@/components/hooks/useZoo';

function ModelNodeViewImpl({ data, selected }: NodeProps<ModelNode>) {
  const zoo = useZooIndex();
  const entry = zoo.data?.models.find((m) => m.id === data.modelId);
  return (
    <div
      className={`min-w-44 rounded-lg border bg-white px-3 py-2 shadow-sm ${selected ? 'border-indigo-500 ring-2 ring-indigo-200' : 'border-slate-300'}`}
      aria-label={`Model ${data.modelId}`}
    >
      <div className="text-xs uppercase tracking-wide text-slate-500">{entry?.role === 'base' ? 'base model' : 'model'}</div>
      <div className="font-mono text-sm font-semibold">{data.modelId}</div>
      {entry?.skill ? <div className="text-xs text-slate-600">skill: {entry.skill}</div> : null}
      <Handle type="source" position={Position.Right} aria-label={`Output of ${data.modelId}`} className="!h-3 !w-3 !bg-indigo-500" />
    </div>
  );
}

export const ModelNodeView = memo(ModelNodeViewImpl);
