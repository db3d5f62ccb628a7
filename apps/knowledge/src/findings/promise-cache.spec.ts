import { PromiseCache } from './promise-cache';

describe('PromiseCache', () => {
  let now = 0;
  const cache = () => new PromiseCache<number>(1000, 3, () => now);
  beforeEach(() => (now = 0));

  it('shares one read between callers within its ttl and reads again after it', async () => {
    const reads = jest.fn(async () => 1);
    const c = cache();
    expect(await Promise.all([c.get('a', reads), c.get('a', reads)])).toEqual([1, 1]);
    now = 999;
    await c.get('a', reads);
    expect(reads).toHaveBeenCalledTimes(1);
    now = 1000;
    await c.get('a', reads);
    expect(reads).toHaveBeenCalledTimes(2);
  });

  it('keeps no failed read: callers sharing it all fail, the next caller reads again', async () => {
    const c = cache();
    const failing = () => new Promise<number>((_, reject) => setTimeout(() => reject(new Error('down')), 5));
    const shared = await Promise.allSettled([c.get('z', failing), c.get('z', failing)]);
    expect(shared.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    expect(await c.get('z', async () => 2)).toBe(2);
  });

  it('keeps at most maxEntries, dropping the oldest', async () => {
    const c = cache();
    for (const key of ['a', 'b', 'c', 'd']) await c.get(key, async () => 1);
    const reads = jest.fn(async () => 2);
    expect(await c.get('b', reads)).toBe(1);
    expect(await c.get('a', reads)).toBe(2);
    expect(reads).toHaveBeenCalledTimes(1);
  });

  it('a read that outlived its ttl and then fails does not evict the read that replaced it', async () => {
    const c = cache();
    let rejectFirst!: (error: Error) => void;
    const first = c.get('s', () => new Promise<number>((_, reject) => (rejectFirst = reject)));
    now = 2000;
    const second = c.get('s', async () => 7);
    rejectFirst(new Error('late'));
    await expect(first).rejects.toThrow('late');
    expect(await second).toBe(7);
    expect(await c.get('s', async () => 8)).toBe(7);
  });
});
