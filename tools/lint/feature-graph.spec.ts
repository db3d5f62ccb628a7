import { cycleEvidence, describeCycle, featureGraph, featureOf, findCycles, importSpecifiers, SourceFile } from './feature-graph';

const file = (path: string, ...imports: string[]): SourceFile => ({ path, imports });
const cyclesOf = (files: SourceFile[]) => findCycles(featureGraph(files)).map((cycle) => describeCycle('apps/x', cycle));

describe('feature graph', () => {
  it('finds a cycle between two feature folders', () => {
    const files = [
      file('alerts/alerts.service.ts', '../silences/silences.service'),
      file('silences/silences.service.ts', '../alerts/alert-record'),
    ];
    expect(cyclesOf(files)).toEqual(['apps/x: alerts → silences → alerts']);
  });

  it('passes a DAG of features, however many imports it has', () => {
    const files = [
      file('alerts/alerts.service.ts', '../core/clock', '../silences/silence-matcher', './alert-record'),
      file('silences/silence-matcher.ts', '../core/labels'),
      file('silences/silences.module.ts', '../core/core.module', './silence-matcher'),
      file('core/clock.ts', './labels'),
      file('core/labels.ts'),
    ];
    expect(cyclesOf(files)).toEqual([]);
  });

  it('names a three-folder cycle in import order, from its first folder by name', () => {
    const files = [
      file('mappings/a.ts', '../runbooks/b'),
      file('runbooks/b.ts', '../escalation/c'),
      file('escalation/c.ts', '../mappings/a'),
    ];
    expect(cyclesOf(files)).toEqual(['apps/x: escalation → mappings → runbooks → escalation']);
  });

  it('says which imports make up each edge of a cycle', () => {
    const graph = featureGraph([file('a/one.ts', '../b/two'), file('a/three.ts', '../b/four'), file('b/two.ts', '../a')]);
    const [cycle] = findCycles(graph);
    expect(cycleEvidence(graph, cycle)).toEqual(['a/one.ts imports b/two', 'b/two.ts imports a']);
  });

  it('reports each edge on a cycle in its shortest cycle, without repeating a cycle', () => {
    // a ⇄ b, and b → c → a: two cycles share the edge a → b.
    const files = [file('a/x.ts', '../b/x'), file('b/x.ts', '../a/x', '../c/x'), file('c/x.ts', '../a/x')];
    expect(cyclesOf(files)).toEqual(['apps/x: a → b → a', 'apps/x: a → b → c → a']);
  });

  it('lets the app root import anything and be imported by anything', () => {
    const files = [
      file('app.module.ts', './alerts/alerts.module', './silences/silences.module'),
      file('alerts/alerts.module.ts', '../service', '../silences/silences.module'),
      file('silences/silences.module.ts', '../service', '../app.module'),
      file('service.ts'),
    ];
    expect(cyclesOf(files)).toEqual([]);
  });

  it('counts an import of a folder (its index) as an import of that feature', () => {
    const files = [file('alerts/a.ts', '..', '../silences'), file('silences/index.ts', '../alerts/a')];
    expect(cyclesOf(files)).toEqual(['apps/x: alerts → silences → alerts']);
  });

  it('ignores packages, libs and paths outside src/', () => {
    const files = [file('alerts/a.ts', '@firebreak/platform', 'node:path', '../../migrations/1-initial', '../../../notifier/src/x')];
    expect(featureGraph(files).get('alerts')).toEqual(new Map());
  });

  it('reads static, type-only, re-exported and dynamic imports', () => {
    const source = [
      "import { A } from './a';",
      "import type { B } from '../b/b';",
      "import { type C } from '../c/c';",
      "export { D } from '../d/d';",
      "export type { E } from '../e/e';",
      "const f = await import('../f/f');",
      "import g = require('../g/g');",
    ].join('\n');
    expect(importSpecifiers(source).sort()).toEqual(['../b/b', '../c/c', '../d/d', '../e/e', '../f/f', '../g/g', './a']);
  });

  it('puts files directly in src/ in the app root', () => {
    expect([featureOf('app.module.ts'), featureOf('alerts/alerts.module.ts'), featureOf('alerts/deep/x.ts')]).toEqual([
      undefined,
      'alerts',
      'alerts',
    ]);
  });
});
