import { posix } from 'node:path';
import * as ts from 'typescript';

/** A source file of one app: its path relative to the app's `src/` (posix), and the module specifiers it imports. */
export interface SourceFile {
  path: string;
  imports: string[];
}

/** One import that crosses from one feature folder into another, kept as evidence for the edge. */
export interface FeatureImport {
  file: string;
  target: string;
}

/** Feature folder → the feature folders it imports, each with the first import that made the edge. */
export type FeatureGraph = Map<string, Map<string, FeatureImport>>;

/**
 * Every module specifier a file refers to: static imports and re-exports (type-only ones too, since a
 * type import still couples the folders), `import x = require()`, `require()` and dynamic `import()`.
 */
export function importSpecifiers(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((file) => file.fileName);
}

/** The feature folder a path (relative to `src/`) belongs to; undefined for the app root (files directly in `src/`). */
export function featureOf(path: string): string | undefined {
  const slash = path.indexOf('/');
  return slash === -1 ? undefined : path.slice(0, slash);
}

/**
 * The feature a relative specifier of `from` lands in, or undefined when it lands in the app root or outside
 * `src/` (another app, `migrations/`: other rules cover those). `../alerts` is the alerts folder's index, so a
 * one-segment target is a feature when it is a folder of the app.
 */
function targetFeature(from: string, specifier: string, folders: ReadonlySet<string>): { feature: string; target: string } | undefined {
  if (!specifier.startsWith('./') && !specifier.startsWith('../') && specifier !== '.' && specifier !== '..') return undefined;
  const target = posix.normalize(posix.join(posix.dirname(from), specifier));
  if (target === '.' || target === '..' || target.startsWith('../')) return undefined;
  const feature = featureOf(target) ?? (folders.has(target) ? target : undefined);
  return feature === undefined ? undefined : { feature, target };
}

/** The graph of feature folders: an edge A → B when a file in A imports a file in B (A ≠ B). The app root is no node. */
export function featureGraph(files: readonly SourceFile[]): FeatureGraph {
  const folders = new Set(files.map((file) => featureOf(file.path)).filter((feature) => feature !== undefined));
  const graph: FeatureGraph = new Map();
  for (const feature of [...folders].sort()) graph.set(feature, new Map());
  for (const file of [...files].sort((a, b) => a.path.localeCompare(b.path))) {
    const from = featureOf(file.path);
    if (from === undefined) continue;
    for (const specifier of file.imports) {
      const to = targetFeature(file.path, specifier, folders);
      if (!to || to.feature === from) continue;
      const edges = graph.get(from) ?? new Map<string, FeatureImport>();
      graph.set(from, edges);
      if (!edges.has(to.feature)) edges.set(to.feature, { file: file.path, target: to.target });
    }
  }
  return graph;
}

/** The shortest path of features from `from` to `to` (both included), neighbours taken in name order; undefined when none. */
function shortestPath(graph: FeatureGraph, from: string, to: string): string[] | undefined {
  const previous = new Map<string, string>([[from, from]]);
  const queue = [from];
  for (let node = queue.shift(); node !== undefined; node = queue.shift()) {
    if (node === to) {
      const path = [to];
      while (path[0] !== from) path.unshift(previous.get(path[0])!);
      return path;
    }
    for (const next of [...(graph.get(node)?.keys() ?? [])].sort()) {
      if (previous.has(next)) continue;
      previous.set(next, node);
      queue.push(next);
    }
  }
  return undefined;
}

/**
 * The import cycles between features: for every edge that lies on a cycle, the shortest cycle through it,
 * listed in import order from its alphabetically first feature; duplicates dropped, shortest first. Every edge
 * that has to go to break the cycles shows up in at least one of them, and the list stays as short as the graph
 * (enumerating every elementary cycle of a dense folder graph would not).
 */
export function findCycles(graph: FeatureGraph): string[][] {
  const cycles = new Map<string, string[]>();
  for (const [from, edges] of graph) {
    for (const to of edges.keys()) {
      const back = shortestPath(graph, to, from);
      if (!back) continue;
      const cycle = [from, ...back.slice(0, -1)];
      const first = cycle.indexOf([...cycle].sort()[0]);
      const rotated = [...cycle.slice(first), ...cycle.slice(0, first)];
      cycles.set(rotated.join('\u0000'), rotated);
    }
  }
  return [...cycles.values()].sort((a, b) => a.length - b.length || a.join('/').localeCompare(b.join('/')));
}

/** `apps/mapper: alerts → silences → alerts` */
export function describeCycle(app: string, cycle: readonly string[]): string {
  return `${app}: ${[...cycle, cycle[0]].join(' → ')}`;
}

/** The imports that make up a cycle's edges, one line each: `alerts/a.ts imports silences/b`. */
export function cycleEvidence(graph: FeatureGraph, cycle: readonly string[]): string[] {
  return cycle.map((from, i) => {
    const to = cycle[(i + 1) % cycle.length];
    const edge = graph.get(from)?.get(to);
    return edge ? `${edge.file} imports ${edge.target}` : `${from} → ${to}`;
  });
}
