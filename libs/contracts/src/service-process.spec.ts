import { spawnSync } from 'node:child_process';
import { serviceNodeArgs, YOUNG_GENERATION_MB } from './service-process';

describe('serviceNodeArgs', () => {
  /** V8's heap size limit (old generation plus young) in a node started with `args`. */
  function heapLimit(args: string[]): number {
    const script = "process.stdout.write(String(require('v8').getHeapStatistics().heap_size_limit))";
    const run = spawnSync(process.execPath, [...args, '-e', script], { encoding: 'utf8' });
    expect(run.stderr).toBe(''); // a flag this node does not know stops it with "bad option"
    return Number(run.stdout);
  }

  it('caps the young generation of a service, with a flag this node accepts and applies', () => {
    const args = serviceNodeArgs('mapper', undefined);
    expect(args).toEqual([`--max-semi-space-size=${YOUNG_GENERATION_MB}`]);
    expect(heapLimit(args)).toBeLessThan(heapLimit([]));
  });

  it("leaves the notifier at V8's default: its delivery path spent more CPU with the cap", () => {
    expect(serviceNodeArgs('notifier', undefined)).toEqual([]);
  });

  it("leaves an operator's own NODE_OPTIONS setting alone", () => {
    expect(serviceNodeArgs('mapper', '--max-semi-space-size=32 --enable-source-maps')).toEqual([]);
    expect(serviceNodeArgs('mapper', '--enable-source-maps')).toHaveLength(1);
  });
});
