'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useZooIndex } from '@/components/hooks/useZoo';
import { engine, onEngineCrash } from '@/lib/workers/engineClient';

/** Which backend the engine runs on, a check of it against the trainer, and a clear message after a crash. */
export function EngineStatus() {
  const [crash, setCrash] = useState<string | null>(null);
  const info = useQuery({ queryKey: ['engine-info', crash], queryFn: () => engine().info() });
  const zoo = useZooIndex();
  const verify = useMutation({ mutationFn: (models: string[]) => engine().verifyReference(models) });
  useEffect(() => onEngineCrash((message) => setCrash(message)), []);
  if (crash) {
    return (
      <span role="alert" className="text-xs text-amber-800">
        The engine restarted after an error ({crash}); your canvas is intact.
      </span>
    );
  }
  if (info.isError) return <span role="alert" className="text-xs text-red-700">Engine failed to start: {info.error.message}</span>;
  if (!info.data) return <span className="text-xs text-slate-500">Starting engine…</span>;
  const worst = verify.data ? Math.max(...verify.data.map((c) => c.maxAbsDiff)) : null;
  return (
    <span className="flex items-center gap-2 text-xs text-slate-500">
      <span title={info.data.crossOriginIsolated ? 'cross-origin isolated' : 'not isolated: one thread'}>
        engine: {info.data.backend}, {info.data.threads} thread{info.data.threads === 1 ? '' : 's'}
      </span>
      <button
        type="button"
        className="rounded border border-slate-300 px-1.5 hover:bg-slate-100 disabled:opacity-50"
        disabled={!zoo.data || verify.isPending}
        onClick={() => zoo.data && verify.mutate(zoo.data.models.map((m) => m.id))}
        title="Run every zoo model on its reference prompts and compare with the logits its trainer wrote"
      >
        {verify.isPending ? 'Verifying…' : 'Verify engine'}
      </button>
      {worst !== null && verify.data ? (
        <span role="status" data-testid="verify-result" className={worst < 1e-4 ? 'text-emerald-700' : 'text-red-700'}>
          {verify.data.length} models {worst < 1e-4 ? 'match' : 'differ from'} the trainer: max |Δlogit| {worst.toExponential(1)}
        </span>
      ) : null}
      {verify.isError ? <span role="alert" className="text-red-700">Verification failed: {verify.error.message}</span> : null}
    </span>
  );
}
