import type { Logger } from 'pino';
import { Poller } from './poller';

function recordingLogger() {
  const lines: Array<{ level: string; msg: string }> = [];
  const at = (level: string) => (_fields: unknown, msg: string) => lines.push({ level, msg });
  return { lines, logger: { warn: at('warn'), info: at('info') } as unknown as Logger };
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('Poller', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('ticks every interval once started, and not before', async () => {
    const { logger } = recordingLogger();
    let ticks = 0;
    const poller = new Poller({ name: 'test', intervalMs: 1_000, jitter: 0, logger, tick: async () => void ticks++ });
    await jest.advanceTimersByTimeAsync(5_000);
    expect(ticks).toBe(0);
    poller.start();
    await jest.advanceTimersByTimeAsync(3_000);
    expect(ticks).toBe(3);
    await poller.stop();
    await jest.advanceTimersByTimeAsync(5_000);
    expect(ticks).toBe(3);
  });

  it('never runs two ticks at once: a slow tick delays the next', async () => {
    const { logger } = recordingLogger();
    let concurrent = 0;
    let most = 0;
    const slow = deferred();
    const poller = new Poller({
      name: 'test',
      intervalMs: 100,
      jitter: 0,
      logger,
      tick: async () => {
        concurrent++;
        most = Math.max(most, concurrent);
        await slow.promise;
        concurrent--;
      },
    });
    poller.start();
    await jest.advanceTimersByTimeAsync(1_000);
    void poller.tickNow();
    expect(most).toBe(1);
    slow.resolve();
    await poller.stop();
  });

  it('stop() waits for the tick in flight to finish', async () => {
    const { logger } = recordingLogger();
    const gate = deferred();
    let finished = false;
    const poller = new Poller({
      name: 'test',
      intervalMs: 100,
      jitter: 0,
      logger,
      tick: async () => {
        await gate.promise;
        finished = true;
      },
    });
    poller.start();
    await jest.advanceTimersByTimeAsync(100);
    let stopped = false;
    const stopping = poller.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(finished).toBe(true);
  });

  it('logs a streak of failures once, and its recovery once', async () => {
    const { logger, lines } = recordingLogger();
    let failuresLeft = 5;
    const poller = new Poller({
      name: 'sweeper',
      intervalMs: 100,
      jitter: 0,
      logger,
      tick: async () => {
        if (failuresLeft-- > 0) throw new Error('connection refused');
      },
    });
    poller.start();
    await jest.advanceTimersByTimeAsync(1_000);
    await poller.stop();
    expect(lines.map((line) => line.level)).toEqual(['warn', 'info']);
    expect(lines[1].msg).toMatch(/recovered/);
  });

  it('keeps polling after a failing tick', async () => {
    const { logger } = recordingLogger();
    let ticks = 0;
    const poller = new Poller({
      name: 'test',
      intervalMs: 100,
      jitter: 0,
      logger,
      tick: async () => {
        ticks++;
        throw new Error('always');
      },
    });
    poller.start();
    await jest.advanceTimersByTimeAsync(1_000);
    await poller.stop();
    expect(ticks).toBe(10);
  });

  it('spreads waits by the jitter around the interval', async () => {
    const { logger } = recordingLogger();
    const at: number[] = [];
    const randoms = [0, 1, 0.5];
    const poller = new Poller({
      name: 'test',
      intervalMs: 1_000,
      jitter: 0.2,
      logger,
      random: () => randoms.shift() ?? 0.5,
      tick: async () => void at.push(Date.now()),
    });
    const started = Date.now();
    poller.start();
    await jest.advanceTimersByTimeAsync(3_000);
    await poller.stop();
    expect(at.map((time) => time - started)).toEqual([800, 2_000, 3_000]);
  });

  it('tickNow() runs a tick at once and keeps the schedule going', async () => {
    const { logger } = recordingLogger();
    let ticks = 0;
    const poller = new Poller({ name: 'test', intervalMs: 1_000, jitter: 0, logger, tick: async () => void ticks++ });
    poller.start();
    await poller.tickNow();
    expect(ticks).toBe(1);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(ticks).toBe(2);
    await poller.stop();
  });

  it('refuses an interval that is not positive', () => {
    const { logger } = recordingLogger();
    expect(() => new Poller({ name: 'bad', intervalMs: 0, logger, tick: async () => undefined })).toThrow(/intervalMs must be positive/);
  });
});
