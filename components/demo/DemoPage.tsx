'use client';

import { useMemo, type ReactNode } from 'react';
import { useZooIndex } from '@/components/hooks/useZoo';
import { Demo } from './Demo';
import { demoLinkFromHash, useLocationHash } from './useDemoLink';

/**
 * /demo#r=…: a read-only presentation of a shared recipe. Without a hash it explains what a
 * demo link is; a damaged one shows the decoder's reason; nothing here can edit the recipe.
 */
export function DemoPage() {
  const hash = useLocationHash();
  const zoo = useZooIndex();
  const zooIds = useMemo(() => zoo.data?.models.map((m) => m.id), [zoo.data]);
  // Decoded at once (a damaged link needs no zoo); checked against the zoo once it is known.
  const link = useMemo(() => demoLinkFromHash(hash, zooIds), [hash, zooIds]);

  if (link.kind === 'none') return <NoRecipe />;
  if (link.kind === 'damaged') return <DamagedLink message={link.message} />;
  if (zoo.isError) {
    return (
      <Notice title="The model zoo could not be loaded">
        <p role="alert" className="text-xl text-red-800">
          {zoo.error.message}
        </p>
      </Notice>
    );
  }
  if (!zoo.data) return <p className="p-10 text-2xl text-slate-500">Loading the models…</p>;
  return <Demo recipe={link.recipe} hash={link.hash} zoo={zoo.data.models} />;
}

function Notice({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="mx-auto flex min-h-screen max-w-3xl flex-col justify-center gap-5 px-8 py-10">
      <p className="text-base font-semibold uppercase tracking-wide text-indigo-700">Merge Studio · demo</p>
      <h1 className="text-4xl font-bold text-slate-900">{title}</h1>
      {children}
    </main>
  );
}

function NoRecipe() {
  return (
    <Notice title="This demo link holds no recipe">
      <p className="text-xl leading-relaxed text-slate-700">
        A demo link presents one model merge to people who do not need the studio: a diagram of the recipe, how the merged
        model scores against the models it was made from, and a prompt box where they all answer side by side. Everything
        runs in this browser, from the link alone.
      </p>
      <ol className="list-decimal space-y-1 pl-6 text-xl text-slate-700">
        <li>Open the studio and build a merge (or open a shared studio link).</li>
        <li>
          Press <strong>Share</strong>, then <strong>Open demo</strong>: the demo link is the share link on <code className="font-mono">/demo</code>.
        </li>
      </ol>
      <p>
        <a href="/" className="text-xl font-medium text-indigo-700 underline hover:text-indigo-900">
          Open the studio
        </a>
      </p>
    </Notice>
  );
}

function DamagedLink({ message }: { message: string }) {
  return (
    <Notice title="This demo link could not be opened">
      <p role="alert" className="whitespace-pre-wrap rounded-xl border border-red-200 bg-red-50 px-5 py-4 text-xl text-red-800">
        {message}
      </p>
      <p className="text-xl text-slate-700">Ask for the link again, or copy it whole: a link cut short or edited by hand cannot be read.</p>
      <p>
        <a href="/" className="text-xl font-medium text-indigo-700 underline hover:text-indigo-900">
          Open the studio
        </a>
      </p>
    </Notice>
  );
}
