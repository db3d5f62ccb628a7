import { RunSlots } from './run-slots';

describe('RunSlots', () => {
  it('never runs more than its size at once, and runs every job in arrival order', async () => {
    const slots = new RunSlots(3);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const releases: Array<() => void> = [];
    const jobs = Array.from({ length: 10 }, (_, i) =>
      slots.use(async () => {
        started.push(i);
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((resolve) => releases.push(resolve));
        running--;
        return i;
      }),
    );
    while (started.length < 10) {
      await new Promise((resolve) => setImmediate(resolve));
      expect(running).toBeLessThanOrEqual(3);
      releases.shift()?.();
    }
    releases.forEach((release) => release());
    expect(await Promise.all(jobs)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(peak).toBe(3);
    expect(slots.inUse).toBe(0);
  });

  it('frees the slot of a job that throws', async () => {
    const slots = new RunSlots(1);
    await expect(slots.use(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(slots.use(() => Promise.resolve('next'))).resolves.toBe('next');
    expect(slots.inUse).toBe(0);
  });
});
