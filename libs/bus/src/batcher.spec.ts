import { Batcher } from './batcher';
import { DependencyUnavailableError } from './errors';

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

describe('Batcher with a key', () => {
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
    expect(r.calls).toEqual([
      [1, 2],
      [3, 4],
    ]);
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

describe('Batcher without a key', () => {
  it('runs items submitted in the same turn as one batch, in order, and answers each', async () => {
    const batches: number[][] = [];
    const batcher = new Batcher<number, string>(
      async (items) => {
        batches.push(items);
        return items.map((item) => `r${item}`);
      },
      { maxSize: 10, maxInFlight: 1 },
    );
    const results = await Promise.all([1, 2, 3].map((item) => batcher.submit(item)));
    expect(results).toEqual(['r1', 'r2', 'r3']);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('splits a burst by maxSize and keeps at most maxInFlight batches running', async () => {
    let running = 0;
    let most = 0;
    const sizes: number[] = [];
    const batcher = new Batcher<number, number>(
      async (items) => {
        running++;
        most = Math.max(most, running);
        sizes.push(items.length);
        await new Promise((resolve) => setImmediate(resolve));
        running--;
        return items;
      },
      { maxSize: 4, maxInFlight: 2 },
    );
    await Promise.all(Array.from({ length: 10 }, (_, i) => batcher.submit(i)));
    expect(sizes).toEqual([4, 4, 2]);
    expect(most).toBe(2);
  });

  it('runs a failed batch one by one, so only the poisonous item fails', async () => {
    const batcher = new Batcher<number, number>(
      async (items) => {
        if (items.includes(2)) throw new Error('bad item 2');
        return items.map((item) => item * 10);
      },
      { maxSize: 10, maxInFlight: 1 },
    );
    const results = await Promise.allSettled([1, 2, 3].map((item) => batcher.submit(item)));
    expect(results).toEqual([
      { status: 'fulfilled', value: 10 },
      { status: 'rejected', reason: new Error('bad item 2') },
      { status: 'fulfilled', value: 30 },
    ]);
  });

  it('lets items that a key would keep apart share a batch, in submission order', async () => {
    const batches: string[][] = [];
    const batcher = new Batcher<string, string>(
      async (items) => {
        batches.push(items);
        return items;
      },
      { maxSize: 10, maxInFlight: 1 },
    );
    await Promise.all(['a', 'a', 'b', 'a'].map((item) => batcher.submit(item)));
    expect(batches).toEqual([['a', 'a', 'b', 'a']]);
  });
});

describe('Batcher on an outage', () => {
  const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

  /** A run that fails every batch of more than one item, and then the items `failing` says, with its error. */
  function batcherFailing(failing: (item: number) => unknown) {
    const runs: number[][] = [];
    const batcher = new Batcher<number, number>(
      async (items) => {
        runs.push(items);
        if (items.length > 1) throw new DependencyUnavailableError('postgres', { cause: new Error('Connection terminated unexpectedly') });
        const error = failing(items[0]);
        if (error) throw error;
        return items;
      },
      { maxSize: 10, maxInFlight: 1 },
    );
    return { runs, batcher };
  }

  it.each([
    ['Postgres unavailable', () => new DependencyUnavailableError('postgres', { cause: refused() })],
    ['a refused connection, unwrapped', refused],
    ['too many connections (53300)', () => ({ code: '53300', message: 'sorry, too many clients already' })],
  ])('fails the rest of the batch at once when its first item alone meets an outage too: %s', async (_name, outage) => {
    const error = outage();
    const { runs, batcher } = batcherFailing(() => error);
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map((n) => batcher.submit(n)));
    expect(outcomes).toEqual([1, 2, 3, 4].map(() => ({ status: 'rejected', reason: error })));
    expect(runs).toEqual([[1, 2, 3, 4], [1]]);
  });

  it("runs every item alone after the batch's connection alone died (its first item alone succeeds)", async () => {
    const { runs, batcher } = batcherFailing(() => undefined);
    expect(await Promise.all([1, 2, 3].map((n) => batcher.submit(n)))).toEqual([1, 2, 3]);
    expect(runs).toEqual([[1, 2, 3], [1], [2], [3]]);
  });

  it('fails the items after one that met an outage alone, and keeps what the ones before it did', async () => {
    const error = refused();
    const { runs, batcher } = batcherFailing((item) => (item >= 2 ? error : undefined));
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map((n) => batcher.submit(n)));
    expect(outcomes).toEqual([{ status: 'fulfilled', value: 1 }, ...[2, 3, 4].map(() => ({ status: 'rejected', reason: error }))]);
    expect(runs).toEqual([[1, 2, 3, 4], [1], [2]]);
  });

  it('still runs every item after a deadlock, even reported as Postgres unavailable: the next attempt may win it', async () => {
    const deadlock = new DependencyUnavailableError('postgres', { cause: { name: 'QueryFailedError', driverError: { code: '40P01' } } });
    const { runs, batcher } = batcherFailing((item) => (item === 1 ? deadlock : undefined));
    const outcomes = await Promise.allSettled([1, 2, 3].map((n) => batcher.submit(n)));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(runs).toEqual([[1, 2, 3], [1], [2], [3]]);
  });

  it('frees the keys of a batch failed by an outage, so later items of those keys run', async () => {
    let down = true;
    const runs: string[][] = [];
    const batcher = new Batcher<string, string>(
      async (items) => {
        runs.push(items);
        if (down) throw refused();
        return items;
      },
      { maxSize: 10, maxInFlight: 1, key: (item) => item },
    );
    await expect(Promise.all(['a', 'b'].map((item) => batcher.submit(item)))).rejects.toThrow('ECONNREFUSED');
    down = false;
    expect(await Promise.all(['a', 'b'].map((item) => batcher.submit(item)))).toEqual(['a', 'b']);
    expect(runs).toEqual([['a', 'b'], ['a'], ['a', 'b']]);
  });
});
