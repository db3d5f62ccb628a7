import { ConcurrencyGate } from './concurrency-gate';

describe('ConcurrencyGate', () => {
  it('lets `limit` in at once and the rest in arrival order as places free up', async () => {
    const gate = new ConcurrencyGate(2);
    const order: string[] = [];
    const a = await gate.acquire(0);
    const b = await gate.acquire(0);
    expect(gate.active).toBe(2);
    const c = gate.acquire(10_000).then((release) => (order.push('c'), release));
    const d = gate.acquire(10_000).then((release) => (order.push('d'), release));
    expect(gate.waiting).toBe(2);
    a!();
    a!(); // a second release frees nothing more
    (await c)!();
    b!();
    (await d)!();
    expect(order).toEqual(['c', 'd']);
    expect(gate.active).toBe(0);
  });

  it('a waiter whose time ran out leaves the queue and takes no place', async () => {
    const gate = new ConcurrencyGate(1);
    const first = await gate.acquire(0);
    expect(await gate.acquire(0)).toBeUndefined();
    expect(await gate.acquire(5)).toBeUndefined();
    expect(gate.waiting).toBe(0);
    first!();
    expect(gate.active).toBe(0);
    expect(await gate.acquire(0)).toBeDefined();
  });
});
