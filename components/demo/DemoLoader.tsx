'use client';

import dynamic from 'next/dynamic';

// React Flow, the URL hash and the engine worker exist only in the browser.
const DemoPage = dynamic(() => import('./DemoPage').then((m) => m.DemoPage), {
  ssr: false,
  loading: () => <p className="p-10 text-2xl text-slate-500">Loading the demo…</p>,
});

export function DemoLoader() {
  return <DemoPage />;
}
