import { systemClock } from './clock';

describe('systemClock', () => {
  it('tells the current time', () => {
    const before = Date.now();
    const now = systemClock.now().getTime();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('sleeps at least the time asked', async () => {
    const started = Date.now();
    await systemClock.sleep(20);
    expect(Date.now() - started).toBeGreaterThanOrEqual(19);
  });

  it('rejects a sleep at once when the signal is already aborted', async () => {
    await expect(systemClock.sleep(60_000, AbortSignal.abort(new Error('shutting down')))).rejects.toThrow('shutting down');
  });

  it('rejects a sleep when the signal aborts during it', async () => {
    const controller = new AbortController();
    const sleeping = systemClock.sleep(60_000, controller.signal);
    controller.abort('stop');
    await expect(sleeping).rejects.toThrow('stop');
  });
});
