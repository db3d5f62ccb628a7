import { CronSchedule, IntervalSchedule } from './schedule';

const at = (iso: string) => new Date(iso);

describe('schedules', () => {
  it('an interval tick is the epoch-aligned start of the interval now is in', () => {
    expect(new IntervalSchedule(60_000).currentTick(at('2025-03-01T12:03:42Z'))).toEqual(at('2025-03-01T12:03:00Z'));
  });

  it('cron: the first call already has the tick that came due before the replica started (restarts lose no tick)', () => {
    const schedule = new CronSchedule('*/15 * * * *');
    expect(schedule.currentTick(at('2025-03-01T12:07:00Z'))).toEqual(at('2025-03-01T12:00:00Z'));
    expect(schedule.currentTick(at('2025-03-01T12:14:59Z'))).toEqual(at('2025-03-01T12:00:00Z'));
    expect(schedule.currentTick(at('2025-03-01T12:15:00Z'))).toEqual(at('2025-03-01T12:15:00Z'));
    expect(schedule.currentTick(at('2025-03-01T12:47:00Z'))).toEqual(at('2025-03-01T12:45:00Z'));
  });

  it('cron: a time exactly on the pattern is its own tick; sparse patterns are found far back', () => {
    expect(new CronSchedule('0 3 * * *').currentTick(at('2025-03-01T03:00:00Z'))).toEqual(at('2025-03-01T03:00:00Z'));
    expect(new CronSchedule('0 3 * * *').currentTick(at('2025-03-01T02:59:00Z'))).toEqual(at('2025-02-28T03:00:00Z'));
    expect(new CronSchedule('0 0 1 1 *').currentTick(at('2025-03-01T12:00:00Z'))).toEqual(at('2025-01-01T00:00:00Z'));
    expect(new CronSchedule('0 0 29 2 *').currentTick(at('2025-03-01T12:00:00Z'))).toEqual(at('2024-02-29T00:00:00Z'));
  });

  it('cron: a clock set back finds the tick before the new time', () => {
    const schedule = new CronSchedule('0 * * * *');
    expect(schedule.currentTick(at('2025-03-01T12:30:00Z'))).toEqual(at('2025-03-01T12:00:00Z'));
    expect(schedule.currentTick(at('2025-03-01T10:30:00Z'))).toEqual(at('2025-03-01T10:00:00Z'));
  });
});
