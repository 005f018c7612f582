/**
 * The repository's import graph, read from the source with TypeScript's own import scanner
 * (every `import`, `import type`, `export … from` and `import()`), and the cycles in it, at
 * the level of files or of folders. Only the repository's own modules count: relative paths
 * and `@/…`; packages are left out.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** One import of one file, both as repository-relative paths (`lib/merge/planner.ts`). */
export interface ImportEdge {
  readonly from: string;
  readonly to: string;
}

const SOURCE = /\.(ts|tsx)$/;

/** The .ts and .tsx files under `folders` (repository-relative), sorted. */
export function sourceFiles(root: string, folders: readonly string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (SOURCE.test(entry.name)) files.push(path);
    }
  };
  for (const folder of folders) if (existsSync(join(root, folder))) walk(folder);
  return files.sort();
}

/** The file an import specifier names, repository-relative; null for a package. */
export function resolveImport(root: string, from: string, specifier: string): string | null {
  let base: string;
  if (specifier.startsWith('@/')) base = join(root, specifier.slice(2));
  else if (specifier.startsWith('.')) base = resolve(root, dirname(from), specifier);
  else return null;
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts'), join(base, 'index.tsx')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return relative(root, candidate);
  }
  throw new Error(`${from}: cannot resolve the import "${specifier}"`);
}

export function importEdges(root: string, files: readonly string[]): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const from of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(join(root, from), 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      const to = resolveImport(root, from, fileName);
      if (to !== null) edges.push({ from, to });
    }
  }
  return edges;
}

/** A cycle: the nodes that reach one another, and the imports that close it (at most a few per pair). */
export interface ImportCycle {
  readonly nodes: readonly string[];
  readonly imports: readonly ImportEdge[];
}

/**
 * The cycles among nodes, where `nodeOf` maps a file to its node (itself, or its folder); an
 * import within one node is no cycle. Each strongly connected component of two or more nodes
 * is one cycle (Tarjan's algorithm).
 */
export function importCycles(edges: readonly ImportEdge[], nodeOf: (file: string) => string | null): ImportCycle[] {
  const graph = new Map<string, Map<string, ImportEdge[]>>();
  for (const edge of edges) {
    const a = nodeOf(edge.from);
    const b = nodeOf(edge.to);
    if (a === null || b === null || a === b) continue;
    let out = graph.get(a);
    if (!out) graph.set(a, (out = new Map()));
    out.set(b, [...(out.get(b) ?? []), edge]);
    if (!graph.has(b)) graph.set(b, new Map());
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: ImportCycle[] = [];
  const connect = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)!.keys()) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length < 2) return;
    const members = new Set(component);
    const imports = component.flatMap((a) => [...graph.get(a)!].filter(([b]) => members.has(b)).flatMap(([, list]) => list.slice(0, 3)));
    cycles.push({ nodes: component.sort(), imports });
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) connect(node);
  return cycles;
}

export function formatCycles(cycles: readonly ImportCycle[]): string {
  return cycles.map((c) => `${c.nodes.join(' ⇄ ')}\n${c.imports.map((e) => `    ${e.from} → ${e.to}`).join('\n')}`).join('\n');
}
