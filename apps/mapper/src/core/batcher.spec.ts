import { Batcher } from './batcher';

interface Item {
  key: string;
  n: number;
}

function recorder(fail: (items: Item[]) => boolean = () => false) {
  const calls: number[][] = [];
  let release: (() => void) | undefined;
  let gate: Promise<void> | undefined;
  const run = async (items: Item[]) => {
    calls.push(items.map((item) => item.n));
    if (gate) await gate;
    if (fail(items)) throw new Error(`failed ${items.map((item) => item.n).join(',')}`);
    return items.map((item) => item.n * 10);
  };
  return {
    calls,
    run,
    hold() {
      gate = new Promise<void>((resolve) => (release = resolve));
    },
    release() {
      gate = undefined;
      release?.();
    },
  };
}

const item = (key: string, n: number): Item => ({ key, n });

describe('Batcher', () => {
  it('runs what is submitted in one turn of the event loop as one batch, in order, answering each item', async () => {
    const r = recorder();
    const batcher = new Batcher(r.run, { maxSize: 10, maxInFlight: 2, key: (i: Item) => i.key });
    const results = await Promise.all([1, 2, 3].map((n) => batcher.submit(item(`k${n}`, n))));
    expect(results).toEqual([10, 20, 30]);
    expect(r.calls).toEqual([[1, 2, 3]]);
  });

  it('splits at maxSize and runs at most maxInFlight batches at once', async () => {
    const r = recorder();
    r.hold();
    const batcher = new Batcher(r.run, { maxSize: 2, maxInFlight: 2, key: (i: Item) => i.key });
    const pending = Promise.all([1, 2, 3, 4, 5].map((n) => batcher.submit(item(`k${n}`, n))));
    await new Promise((resolve) => setImmediate(resolve));
    expect(r.calls).toEqual([[1, 2], [3, 4]]);
    r.release();
    expect(await pending).toEqual([10, 20, 30, 40, 50]);
    expect(r.calls).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('never puts two items of one key in a batch or in two running batches, and keeps their order', async () => {
    const r = recorder();
    r.hold();
    const batcher = new Batcher(r.run, { maxSize: 10, maxInFlight: 4, key: (i: Item) => i.key });
    const pending = Promise.all([item('a', 1), item('a', 2), item('b', 3), item('a', 4)].map((i) => batcher.submit(i)));
    await new Promise((resolve) => setImmediate(resolve));
    expect(r.calls).toEqual([[1, 3]]);
    r.release();
    await pending;
    expect(r.calls).toEqual([[1, 3], [2], [4]]);
  });

  it('runs the items of a failed batch one by one, so only the poisonous one fails', async () => {
    const r = recorder((items) => items.some((i) => i.n === 2));
    const batcher = new Batcher(r.run, { maxSize: 10, maxInFlight: 1, key: (i: Item) => i.key });
    const outcomes = await Promise.allSettled([1, 2, 3].map((n) => batcher.submit(item(`k${n}`, n))));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason.message).toBe('failed 2');
    expect(r.calls).toEqual([[1, 2, 3], [1], [2], [3]]);
  });
});
