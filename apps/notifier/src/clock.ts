/** Time for every rate, retry and latency decision, so tests can move it instead of sleeping. */
export interface Clock {
  now(): Date;
}

export const CLOCK = Symbol('notifier:clock');

export const systemClock: Clock = { now: () => new Date() };
