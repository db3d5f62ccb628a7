import { spawnSync } from 'node:child_process';
import { nodeArgs, runbookVarsWithIngress, YOUNG_GENERATION_MB } from './services';

describe('runbookVarsWithIngress', () => {
  it("points the demo runbook at this stack's ingress when the operator did not", () => {
    expect(runbookVarsWithIngress(undefined)).toBe('firebreak_ingress_url=http://127.0.0.1:8080');
    expect(runbookVarsWithIngress('team=sre, region=eu')).toBe('team=sre,region=eu,firebreak_ingress_url=http://127.0.0.1:8080');
  });

  it("keeps the operator's own value", () => {
    expect(runbookVarsWithIngress('firebreak_ingress_url=http://10.0.0.5:9000,team=sre')).toBe(
      'firebreak_ingress_url=http://10.0.0.5:9000,team=sre',
    );
  });
});

describe('nodeArgs', () => {
  /** V8's heap size limit (old generation plus young) in a node started with `args`. */
  function heapLimit(args: string[]): number {
    const script = "process.stdout.write(String(require('v8').getHeapStatistics().heap_size_limit))";
    const run = spawnSync(process.execPath, [...args, '-e', script], { encoding: 'utf8' });
    expect(run.stderr).toBe(''); // a flag this node does not know stops it with "bad option"
    return Number(run.stdout);
  }

  it('caps the young generation of a service, with a flag this node accepts and applies', () => {
    const args = nodeArgs('mapper', undefined);
    expect(args).toEqual([`--max-semi-space-size=${YOUNG_GENERATION_MB}`]);
    expect(heapLimit(args)).toBeLessThan(heapLimit([]));
  });

  it("leaves the notifier at V8's default: its delivery path spent more CPU with the cap", () => {
    expect(nodeArgs('notifier', undefined)).toEqual([]);
  });

  it("leaves an operator's own NODE_OPTIONS setting alone", () => {
    expect(nodeArgs('mapper', '--max-semi-space-size=32 --enable-source-maps')).toEqual([]);
    expect(nodeArgs('mapper', '--enable-source-maps')).toHaveLength(1);
  });
});
