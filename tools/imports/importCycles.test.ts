import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatCycles, importCycles, importEdges, sourceFiles, type ImportEdge } from './importGraph';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const isTest = (file: string) => /\.test\.tsx?$/.test(file);

// Tests are leaves (nothing imports them), so they can close no cycle; an integration test may
// import from a higher folder than the code it tests.
const edges = importEdges(ROOT, sourceFiles(ROOT, ['lib', 'components', 'app']).filter((f) => !isTest(f)));

/** `lib/merge/methods/ties.ts` → `lib/merge`; `components/charts/ScoresPanel.tsx` → `components/charts`. */
function topFolder(file: string): string | null {
  const [root, folder] = file.split('/');
  return (root === 'lib' || root === 'components') && folder !== undefined && file.split('/').length > 2 ? `${root}/${folder}` : null;
}

describe('the import graph', () => {
  it('has no cycle between the top-level folders of lib/ and of components/', () => {
    const cycles = importCycles(edges, topFolder);
    expect(cycles, formatCycles(cycles)).toEqual([]);
  });

  it('has no cycle between files', () => {
    const cycles = importCycles(edges, (file) => file);
    expect(cycles, formatCycles(cycles)).toEqual([]);
  });

  it('keeps lib/ free of the UI, the tools and the test and bench support', () => {
    const outward = edges.filter((e) => e.from.startsWith('lib/') && !e.to.startsWith('lib/'));
    expect(outward.map((e) => `${e.from} → ${e.to}`)).toEqual([]);
  });

  it('keeps test and bench support out of the app', () => {
    const support = edges.filter((e) => /^(testing|bench|tools|e2e)\//.test(e.to));
    expect(support.map((e) => `${e.from} → ${e.to}`)).toEqual([]);
  });
});

describe('the cycle finder', () => {
  const edge = (from: string, to: string): ImportEdge => ({ from, to });

  it('finds a cycle between folders, whatever files close it, and names the imports', () => {
    const cycles = importCycles(
      [edge('lib/a/x.ts', 'lib/b/y.ts'), edge('lib/b/z.ts', 'lib/c/w.ts'), edge('lib/c/w.ts', 'lib/a/v.ts'), edge('lib/d/u.ts', 'lib/a/x.ts')],
      topFolder,
    );
    expect(cycles.map((c) => c.nodes)).toEqual([['lib/a', 'lib/b', 'lib/c']]);
    expect(cycles[0]!.imports).toHaveLength(3);
    expect(formatCycles(cycles)).toContain('lib/b/z.ts → lib/c/w.ts');
  });

  it('finds a cycle between two files of one folder, and none in a chain', () => {
    expect(importCycles([edge('lib/s/h.ts', 'lib/s/t.ts'), edge('lib/s/t.ts', 'lib/s/h.ts')], (f) => f)).toHaveLength(1);
    expect(importCycles([edge('lib/s/h.ts', 'lib/s/t.ts'), edge('lib/s/t.ts', 'lib/s/h.ts')], topFolder)).toEqual([]);
    expect(importCycles([edge('a.ts', 'b.ts'), edge('b.ts', 'c.ts')], (f) => f)).toEqual([]);
  });
});
