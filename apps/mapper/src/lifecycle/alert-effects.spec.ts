import { AlertEffects } from './alert-effects';

function clockReading(...times: number[]) {
  let index = 0;
  return { now: () => new Date(times[Math.min(index++, times.length - 1)]) };
}

describe('the time an alert change is stamped with', () => {
  // Only the clock matters here; the transaction and repositories are not touched.
  const effects = (clock: { now(): Date }) => new AlertEffects({ manager: {} } as never, {} as never, clock);

  it('moves to the moment the rows were locked, so a transaction that waited is not stamped before the one it waited for', () => {
    const fx = effects(clockReading(100, 250));
    expect(fx.now.getTime()).toBe(100);
    fx.locked();
    expect(fx.now.getTime()).toBe(250);
  });

  it('never moves backwards', () => {
    const fx = effects(clockReading(300, 200));
    fx.locked();
    expect(fx.now.getTime()).toBe(300);
  });
});
