import { FakeClock } from './fake-clock';

describe('FakeClock', () => {
  const start = new Date('2025-01-01T00:00:00.000Z');

  it('stands still until it is moved', async () => {
    const clock = new FakeClock(start);
    expect(clock.now()).toEqual(start);
    await clock.advance(1_500);
    expect(clock.now()).toEqual(new Date('2025-01-01T00:00:01.500Z'));
    expect(clock.elapsedMs()).toBe(1_500);
  });

  it('wakes sleepers in order of their due time as time passes them', async () => {
    const clock = new FakeClock(start);
    const woke: string[] = [];
    void clock.sleep(300).then(() => woke.push('300'));
    void clock.sleep(100).then(() => woke.push('100'));
    void clock.sleep(1_000).then(() => woke.push('1000'));
    await clock.advance(500);
    expect(woke).toEqual(['100', '300']);
    await clock.advance(500);
    expect(woke).toEqual(['100', '300', '1000']);
    expect(clock.sleeps).toEqual([300, 100, 1_000]);
  });

  it('rejects a sleep when its signal aborts, with the abort reason', async () => {
    const clock = new FakeClock(start);
    const controller = new AbortController();
    const sleeping = clock.sleep(10_000, controller.signal);
    controller.abort(new Error('cancelled by operator'));
    await expect(sleeping).rejects.toThrow('cancelled by operator');
  });

  it('runs a promise that waits on the clock to the end in virtual time', async () => {
    const clock = new FakeClock(start);
    const work = async () => {
      await clock.sleep(600_000);
      await clock.sleep(4_000);
      return clock.now().toISOString();
    };
    await expect(clock.run(work())).resolves.toBe('2025-01-01T00:10:04.000Z');
  });

  it('says so when a promise waits on something other than the clock', async () => {
    const clock = new FakeClock(start);
    await expect(clock.run(new Promise(() => undefined))).rejects.toThrow(/something other than the clock/);
  });

  it('set() jumps the wall clock without waking sleepers', async () => {
    const clock = new FakeClock(start);
    let woke = false;
    void clock.sleep(1_000).then(() => (woke = true));
    clock.set(new Date('2025-06-01T00:00:00.000Z'));
    await clock.advance(0);
    expect(clock.now()).toEqual(new Date('2025-06-01T00:00:00.000Z'));
    expect(woke).toBe(false);
  });
});
