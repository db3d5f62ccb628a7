import { createCoalescer } from './coalesce';

describe('createCoalescer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs the first request at once and folds a burst into one trailing run', async () => {
    const runs: string[] = [];
    const coalescer = createCoalescer((key) => void runs.push(key), 1500);
    for (let i = 0; i < 150; i++) coalescer.request('alerts');
    expect(runs).toEqual(['alerts']);
    await jest.advanceTimersByTimeAsync(1499);
    expect(runs).toEqual(['alerts']);
    await jest.advanceTimersByTimeAsync(1);
    expect(runs).toEqual(['alerts', 'alerts']);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(runs).toEqual(['alerts', 'alerts']);
  });

  it('keeps at most one run per window while events keep coming', async () => {
    const runs: number[] = [];
    const coalescer = createCoalescer(() => void runs.push(Date.now()), 1500);
    for (let ms = 0; ms < 6000; ms += 100) {
      coalescer.request('alerts');
      await jest.advanceTimersByTimeAsync(100);
    }
    await jest.advanceTimersByTimeAsync(1500);
    expect(runs.length).toBeGreaterThanOrEqual(4);
    expect(runs.length).toBeLessThanOrEqual(6);
    runs.slice(1).forEach((at, i) => expect(at - runs[i]).toBeGreaterThanOrEqual(1500));
  });

  it('waits for a slow run to finish before the next one, and still runs it', async () => {
    const started: number[] = [];
    let finish: () => void = () => undefined;
    const coalescer = createCoalescer(() => {
      started.push(Date.now());
      return new Promise<void>((resolve) => (finish = resolve));
    }, 1500);
    const t0 = Date.now();
    coalescer.request('alerts');
    coalescer.request('alerts');
    await jest.advanceTimersByTimeAsync(5000);
    expect(started).toEqual([t0]);
    finish();
    await jest.advanceTimersByTimeAsync(0);
    expect(started).toEqual([t0, t0 + 5000]);
  });

  it('keeps keys apart and runs nothing after a quiet window', async () => {
    const runs: string[] = [];
    const coalescer = createCoalescer((key) => void runs.push(key), 1500);
    coalescer.request('alerts');
    coalescer.request('executions');
    await jest.advanceTimersByTimeAsync(2000);
    expect(runs).toEqual(['alerts', 'executions']);
    coalescer.request('alerts');
    expect(runs).toEqual(['alerts', 'executions', 'alerts']);
  });

  it('survives a run that throws and drops pending runs on dispose', async () => {
    const runs: string[] = [];
    const coalescer = createCoalescer((key) => {
      runs.push(key);
      throw new Error('boom');
    }, 1500);
    coalescer.request('alerts');
    coalescer.request('alerts');
    coalescer.dispose();
    await jest.advanceTimersByTimeAsync(5000);
    expect(runs).toEqual(['alerts']);
    coalescer.request('alerts');
    expect(runs).toEqual(['alerts', 'alerts']);
  });
});
