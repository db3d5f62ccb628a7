import { RefreshingValue } from './refreshing-value';

/** A load the test answers by hand, and a clock it moves. */
function setup() {
  let now = 0;
  const answers: Array<() => Promise<number>> = [];
  const loads: number[] = [];
  const stale: unknown[] = [];
  let recovered = 0;
  const value = new RefreshingValue(
    () => {
      loads.push(now);
      const next = answers.shift();
      return next ? next() : Promise.reject(new Error('no answer scripted'));
    },
    { maxAgeMs: 1_000, onStale: (error) => stale.push(error), onRecovered: () => recovered++, now: () => now },
  );
  return {
    value,
    loads,
    stale,
    recovered: () => recovered,
    answer: (result: number | Error) => answers.push(() => (result instanceof Error ? Promise.reject(result) : Promise.resolve(result))),
    advance: (ms: number) => (now += ms),
  };
}

const outage = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

describe('a value refreshed from Postgres', () => {
  it('loads once, then serves from memory until it is older than maxAgeMs', async () => {
    const t = setup();
    t.answer(1);
    expect(await t.value.get()).toBe(1);
    t.advance(1_000);
    expect(await t.value.get()).toBe(1);
    expect(t.loads).toHaveLength(1);
    t.advance(1);
    t.answer(2);
    expect(await t.value.get()).toBe(2);
    expect(t.loads).toHaveLength(2);
  });

  it('fails the very first read with the load error: there is no good value to serve yet', async () => {
    const t = setup();
    const error = outage();
    t.answer(error);
    await expect(t.value.get()).rejects.toBe(error);
    expect(t.value.peek()).toBeUndefined();
    expect(t.stale).toHaveLength(0);
    t.answer(5);
    expect(await t.value.get()).toBe(5);
  });

  it('serves the last good value while refreshes fail, tries again at every read, and reports once per failure streak', async () => {
    const t = setup();
    t.answer(1);
    await t.value.get();
    t.advance(2_000);
    const first = outage();
    t.answer(first);
    t.answer(outage());
    t.answer(outage());
    expect(await t.value.get()).toBe(1);
    expect(await t.value.get()).toBe(1);
    expect(await t.value.get()).toBe(1);
    expect(t.loads).toHaveLength(4);
    expect(t.stale).toEqual([first]);
    expect(t.recovered()).toBe(0);

    t.answer(2);
    expect(await t.value.get()).toBe(2);
    expect(t.recovered()).toBe(1);
    // A new streak is reported again.
    t.advance(2_000);
    t.answer(outage());
    expect(await t.value.get()).toBe(2);
    expect(t.stale).toHaveLength(2);
  });

  it('loads again after invalidate(), even within maxAgeMs', async () => {
    const t = setup();
    t.answer(1);
    await t.value.get();
    t.value.invalidate();
    t.answer(2);
    expect(await t.value.get()).toBe(2);
  });

  it('shares one load between concurrent reads', async () => {
    let release!: (value: number) => void;
    let loads = 0;
    const pending = new Promise<number>((resolve) => (release = resolve));
    const value = new RefreshingValue(() => (loads++, pending), { maxAgeMs: 1_000 });
    const reads = [value.get(), value.get(), value.get()];
    release(7);
    expect(await Promise.all(reads)).toEqual([7, 7, 7]);
    expect(loads).toBe(1);
  });
});
