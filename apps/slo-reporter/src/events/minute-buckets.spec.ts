import { bucketIncrements } from './minute-buckets';

const at = (iso: string) => new Date(iso);

describe('bucketIncrements: a batch of events as one addition per (signal, minute)', () => {
  it('sums the events of one signal and minute, each in the minute it happened', () => {
    expect(
      bucketIncrements([
        { signals: ['alerts.firing'], at: at('2025-06-02T10:00:59.999Z') },
        { signals: ['alerts.firing'], at: at('2025-06-02T10:00:00.000Z') },
        { signals: ['alerts.firing'], at: at('2025-06-02T10:01:00.000Z') },
      ]),
    ).toEqual([
      { signal: 'alerts.firing', bucket: Date.parse('2025-06-02T10:00:00Z'), count: 2 },
      { signal: 'alerts.firing', bucket: Date.parse('2025-06-02T10:01:00Z'), count: 1 },
    ]);
  });

  it('orders the increments by signal, then minute, whatever order the events came in', () => {
    const increments = bucketIncrements([
      { signals: ['notifications.delivered'], at: at('2025-06-02T10:05:00Z') },
      { signals: ['alerts.firing.critical', 'alerts.firing'], at: at('2025-06-02T10:07:00Z') },
      { signals: ['notifications.delivered'], at: at('2025-06-02T10:01:00Z') },
      { signals: ['alerts.firing'], at: at('2025-06-02T10:02:00Z') },
    ]);
    expect(increments.map(({ signal, bucket }) => [signal, new Date(bucket).toISOString().slice(11, 16)])).toEqual([
      ['alerts.firing', '10:02'],
      ['alerts.firing', '10:07'],
      ['alerts.firing.critical', '10:07'],
      ['notifications.delivered', '10:01'],
      ['notifications.delivered', '10:05'],
    ]);
  });

  it('counts an event once per signal, and an event of no signal towards nothing', () => {
    expect(
      bucketIncrements([
        { signals: ['alerts.firing', 'alerts.firing'], at: at('2025-06-02T10:00:00Z') },
        { signals: [], at: at('2025-06-02T10:00:00Z') },
      ]),
    ).toEqual([{ signal: 'alerts.firing', bucket: Date.parse('2025-06-02T10:00:00Z'), count: 1 }]);
  });
});
