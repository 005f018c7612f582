'use client';

import dynamic from 'next/dynamic';

// React Flow and the engine worker exist only in the browser.
const Studio = dynamic(() => import('./Studio').then((m) => m.Studio), {
  ssr: false,
  loading: () => <p className="p-6 text-slate-500">Loading the studio…</p>,
});

export function StudioLoader() {
  return <Studio />;
}
