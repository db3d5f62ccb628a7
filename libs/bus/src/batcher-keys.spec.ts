import { Batcher } from './batcher';

interface Item {
  key: string;
  name: string;
  alone?: boolean;
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Each run waits for its gate, so a test decides when a batch finishes; `runs` lists the names per batch. */
function batcher(options: { maxSize?: number; maxInFlight?: number; fail?: (items: Item[]) => boolean } = {}) {
  const gates: Array<() => void> = [];
  const runs: string[][] = [];
  const b = new Batcher<Item, string>(
    async (items) => {
      runs.push(items.map((item) => item.name));
      await new Promise<void>((resolve) => gates.push(resolve));
      if (options.fail?.(items)) throw new Error('batch failed');
      return items.map((item) => `done ${item.name}`);
    },
    {
      maxSize: options.maxSize ?? 200,
      maxInFlight: options.maxInFlight ?? 4,
      key: (item) => item.key,
      alone: (item) => Boolean(item.alone),
    },
  );
  return { b, gates, runs };
}

describe('Batcher with a key that lets items share a batch: one key in arrival order, several of its items per batch', () => {
  it('puts a burst about one key into one batch, in the order it arrived', async () => {
    const { b, gates, runs } = batcher();
    const results = ['a1', 'a2', 'b1', 'a3', 'a4'].map((name) => b.submit({ key: name[0], name }));
    await flush();
    expect(runs).toEqual([['a1', 'a2', 'b1', 'a3', 'a4']]);
    gates[0]();
    expect(await Promise.all(results)).toEqual(['done a1', 'done a2', 'done b1', 'done a3', 'done a4']);
  });

  it('makes only the next batch with a key wait for the running one; other keys go meanwhile', async () => {
    const { b, gates, runs } = batcher();
    const first = b.submit({ key: 'a', name: 'a1' });
    await flush();
    const later = ['a2', 'c1', 'a3'].map((name) => b.submit({ key: name[0], name }));
    await flush();
    // a2 and a3 wait for a1's batch; c1 does not.
    expect(runs).toEqual([['a1'], ['c1']]);
    gates[1]();
    await later[1];
    expect(runs).toHaveLength(2);
    gates[0]();
    await first;
    await flush();
    expect(runs).toEqual([['a1'], ['c1'], ['a2', 'a3']]);
    gates[2]();
    expect(await Promise.all(later)).toEqual(['done a2', 'done c1', 'done a3']);
  });

  it('keeps an item that must be alone out of a batch holding its key, and what follows it behind', async () => {
    const { b, gates, runs } = batcher();
    const all = [
      { key: 'ap', name: 'request', alone: true },
      { key: 'ap', name: 'decision', alone: true },
      { key: 'x', name: 'x1' },
      { key: 'ap', name: 'after' },
    ].map((item) => b.submit(item));
    await flush();
    expect(runs).toEqual([['request', 'x1']]);
    gates[0]();
    await flush();
    expect(runs).toEqual([['request', 'x1'], ['decision']]);
    gates[1]();
    await flush();
    expect(runs).toEqual([['request', 'x1'], ['decision'], ['after']]);
    gates[2]();
    await Promise.all(all);
  });

  it('never splits a key across two running batches when a batch is full', async () => {
    const { b, gates, runs } = batcher({ maxSize: 2 });
    const all = ['a1', 'a2', 'a3', 'b1'].map((name) => b.submit({ key: name[0], name }));
    await flush();
    // a3 would fit the second batch, but a1 and a2 still run: it waits, b1 does not.
    expect(runs).toEqual([['a1', 'a2'], ['b1']]);
    gates[0]();
    gates[1]();
    await flush();
    expect(runs[2]).toEqual(['a3']);
    gates[2]();
    await Promise.all(all);
  });

  it('runs a failed batch again one item at a time, in order, so one bad item fails alone', async () => {
    const { b, gates, runs } = batcher({ fail: (items) => items.some((item) => item.name === 'bad') });
    const all = ['a1', 'bad', 'a2'].map((name) => b.submit({ key: 'a', name }).catch((error: Error) => error.message));
    await flush();
    gates[0]();
    for (let i = 1; i <= 3; i++) {
      await flush();
      gates[i]();
    }
    expect(runs).toEqual([['a1', 'bad', 'a2'], ['a1'], ['bad'], ['a2']]);
    expect(await Promise.all(all)).toEqual(['done a1', 'batch failed', 'done a2']);
  });
});
