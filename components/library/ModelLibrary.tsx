'use client';

import type { DragEvent } from 'react';
import { MODEL_DRAG_TYPE } from '@/components/canvas/nodeTypes';
import { architectureFor } from '@/lib/arch';
import type { LlamaConfig } from '@/lib/formats/hfConfig';
import { elementCount } from '@/lib/tensors/tensor';
import { useStudioStore } from '@/lib/store/studioStore';
import type { ZooIndexEntry } from '@/lib/zoo/zooIndex';
import { useModelConfig, useZooIndex } from '@/components/hooks/useZoo';

function parameterCount(config: LlamaConfig): number {
  let total = 0;
  for (const shape of architectureFor(config).expectedShapes.values()) total += elementCount(shape);
  return total;
}

export function ModelLibrary() {
  const zoo = useZooIndex();
  return (
    <section aria-labelledby="library-heading" className="flex h-full flex-col overflow-hidden">
      <h2 id="library-heading" className="px-3 pt-3 text-sm font-semibold uppercase tracking-wide text-slate-500">
        Model library
      </h2>
      <p className="px-3 pb-2 text-xs text-slate-500">Drag a model onto the canvas, or use its Add button.</p>
      {zoo.isPending ? <p className="px-3 text-sm text-slate-500">Loading the zoo…</p> : null}
      {zoo.isError ? (
        <p role="alert" className="px-3 text-sm text-red-700">
          Could not load the model zoo: {zoo.error.message}
        </p>
      ) : null}
      <ul className="flex-1 space-y-2 overflow-y-auto px-3 pb-3">
        {zoo.data?.models.map((m) => <ModelCard key={m.id} model={m} />)}
      </ul>
    </section>
  );
}

function ModelCard({ model }: { model: ZooIndexEntry }) {
  const addModel = useStudioStore((s) => s.addModel);
  const select = useStudioStore((s) => s.select);
  const config = useModelConfig(model.id);
  const size = config.data ? `${(parameterCount(config.data) / 1e6).toFixed(2)}M params` : '';
  const ownScore = model.skill ? model.scores[model.skill] : undefined;
  const onDragStart = (event: DragEvent) => {
    event.dataTransfer.setData(MODEL_DRAG_TYPE, model.id);
    event.dataTransfer.effectAllowed = 'copy';
  };
  return (
    <li
      draggable
      onDragStart={onDragStart}
      aria-label={`Library model ${model.id}`}
      className="cursor-grab rounded-lg border border-slate-200 bg-white p-2 shadow-sm active:cursor-grabbing"
    >
      <div className="flex items-center justify-between gap-2">
        <span className="font-mono text-sm font-semibold">{model.id}</span>
        <button
          type="button"
          onClick={() => select(addModel(model.id))}
          className="rounded border border-slate-300 px-2 text-xs hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-600"
          aria-label={`Add ${model.id} to the canvas`}
        >
          Add
        </button>
      </div>
      <div className="mt-1 text-xs text-slate-600">
        {model.role === 'base' ? 'Base model (what the experts were fine-tuned from)' : `Expert: ${model.skill ?? ''}`}
        {size ? ` · ${size}` : ''}
      </div>
      {ownScore !== undefined ? (
        <div className="mt-1 text-xs text-slate-600">own skill: {(100 * ownScore).toFixed(0)}% exact match</div>
      ) : null}
      <ScoreStrip scores={model.scores} />
    </li>
  );
}

function ScoreStrip({ scores }: { scores: Record<string, number> }) {
  return (
    <div className="mt-1 flex gap-1" aria-label="Scores per skill">
      {Object.entries(scores).map(([skill, score]) => (
        <div key={skill} className="flex-1" title={`${skill}: ${(100 * score).toFixed(1)}%`}>
          <div className="h-1.5 rounded bg-slate-200">
            <div className="h-1.5 rounded bg-indigo-500" style={{ width: `${Math.round(100 * score)}%` }} />
          </div>
          <div className="truncate text-[9px] text-slate-500">{skill}</div>
        </div>
      ))}
    </div>
  );
}
