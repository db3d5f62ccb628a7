import { InProgressHeartbeat } from './in-progress';

const message = () => ({
  beats: 0,
  working() {
    this.beats++;
  },
});

describe('InProgressHeartbeat: one timer for every message in progress', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('acks each held message every period, from its hold until its release, whenever it was held', () => {
    const heartbeat = new InProgressHeartbeat(1000);
    const early = message();
    const late = message();
    heartbeat.hold(early);
    jest.advanceTimersByTime(600);
    heartbeat.hold(late);
    jest.advanceTimersByTime(400);
    // The late one's first ack comes 400 ms after its hold: sooner than a period, never later.
    expect([early.beats, late.beats]).toEqual([1, 1]);
    jest.advanceTimersByTime(2000);
    expect([early.beats, late.beats]).toEqual([3, 3]);
    heartbeat.release(early);
    jest.advanceTimersByTime(1000);
    expect([early.beats, late.beats]).toEqual([3, 4]);
  });

  it('stops its timer at the first tick that finds nothing held, and starts one again for the next message', () => {
    const heartbeat = new InProgressHeartbeat(1000);
    const first = message();
    heartbeat.hold(first);
    heartbeat.release(first);
    jest.advanceTimersByTime(1000);
    expect(jest.getTimerCount()).toBe(0);
    const next = message();
    heartbeat.hold(next);
    jest.advanceTimersByTime(1000);
    expect(next.beats).toBe(1);
    expect(first.beats).toBe(0);
  });

  it('still acks the others when one message cannot be acked (its connection closing)', () => {
    const heartbeat = new InProgressHeartbeat(1000);
    const broken = {
      working() {
        throw new Error('connection closed');
      },
    };
    const fine = message();
    heartbeat.hold(broken);
    heartbeat.hold(fine);
    jest.advanceTimersByTime(1000);
    expect(fine.beats).toBe(1);
  });
});
