'use client';

import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { engine, onEngineCrash } from '@/lib/workers/engineClient';

/** Which backend the engine runs on, and a clear message when the worker had to restart. */
export function EngineStatus() {
  const [crash, setCrash] = useState<string | null>(null);
  const info = useQuery({ queryKey: ['engine-info', crash], queryFn: () => engine().info() });
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
  return (
    <span className="text-xs text-slate-500" title={info.data.crossOriginIsolated ? 'cross-origin isolated' : 'not isolated: one thread'}>
      engine: {info.data.backend}, {info.data.threads} thread{info.data.threads === 1 ? '' : 's'}
    </span>
  );
}
