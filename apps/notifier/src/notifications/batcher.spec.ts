import { Batcher } from './batcher';

describe('batcher', () => {
  it('runs items submitted in the same turn as one batch, in order, and answers each', async () => {
    const batches: number[][] = [];
    const batcher = new Batcher<number, string>(async (items) => {
      batches.push(items);
      return items.map((item) => `r${item}`);
    }, { maxSize: 10, maxInFlight: 1 });
    const results = await Promise.all([1, 2, 3].map((item) => batcher.submit(item)));
    expect(results).toEqual(['r1', 'r2', 'r3']);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('splits a burst by maxSize and keeps at most maxInFlight batches running', async () => {
    let running = 0;
    let most = 0;
    const sizes: number[] = [];
    const batcher = new Batcher<number, number>(async (items) => {
      running++;
      most = Math.max(most, running);
      sizes.push(items.length);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
      return items;
    }, { maxSize: 4, maxInFlight: 2 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => batcher.submit(i)));
    expect(sizes).toEqual([4, 4, 2]);
    expect(most).toBe(2);
  });

  it('runs a failed batch one by one, so only the poisonous item fails', async () => {
    const batcher = new Batcher<number, number>(async (items) => {
      if (items.includes(2)) throw new Error('bad item 2');
      return items.map((item) => item * 10);
    }, { maxSize: 10, maxInFlight: 1 });
    const results = await Promise.allSettled([1, 2, 3].map((item) => batcher.submit(item)));
    expect(results).toEqual([
      { status: 'fulfilled', value: 10 },
      { status: 'rejected', reason: new Error('bad item 2') },
      { status: 'fulfilled', value: 30 },
    ]);
  });
});
