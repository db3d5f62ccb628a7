import {
  transitionFor,
  DecisionContext,
  heldTimeOf,
  IncomingState,
  isClamped,
  isNewer,
  orderingTime,
  StoredState,
  trustedTime,
} from './alert-transition';

const T0 = Date.parse('2024-05-01T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);
const WINDOW = 5 * 60_000;
const SKEW = 5 * 60_000;
const FAR = new Date('9999-12-31T23:59:59Z');

const context = (nowMinutes: number, silenced = false, episodeByStartsAt = true): DecisionContext => ({
  now: at(nowMinutes),
  dedupWindowMs: WINDOW,
  silenced,
  episodeByStartsAt,
  maxClockSkewMs: SKEW,
});
const firing = (startsMin: number, receivedMin = startsMin): IncomingState => ({
  status: 'firing',
  startsAt: at(startsMin),
  endsAt: null,
  receivedAt: at(receivedMin),
});
const resolved = (startsMin: number, endsMin: number, receivedMin = endsMin): IncomingState => ({
  status: 'resolved',
  startsAt: at(startsMin),
  endsAt: at(endsMin),
  receivedAt: at(receivedMin),
});

function stored(status: StoredState['status'], startsMin: number, extra: Partial<StoredState> = {}): StoredState {
  return {
    status,
    startsAt: at(startsMin),
    eventAt: at(startsMin),
    eventReceivedAt: at(startsMin),
    lastAnnouncedAt: at(startsMin),
    ...extra,
  };
}

describe('deciding what an alert event does (dedup and lifecycle)', () => {
  it('opens and announces a first firing, or opens it silenced without a word', () => {
    expect(transitionFor(null, firing(0), context(0))).toEqual({ type: 'open', to: 'firing', announce: 'firing' });
    expect(transitionFor(null, firing(0), context(0, true))).toEqual({ type: 'open', to: 'silenced', announce: null });
  });

  it('folds a repeat inside the dedup window, and announces a repeat once the window has passed', () => {
    const held = stored('firing', 0, { lastAnnouncedAt: at(0) });
    expect(transitionFor(held, firing(0, 1), context(4.99))).toEqual({ type: 'repeat', to: 'firing', announce: null, deduplicated: true });
    expect(transitionFor(held, firing(0, 5), context(5))).toEqual({
      type: 'repeat',
      to: 'firing',
      announce: 'repeat',
      deduplicated: false,
    });
  });

  it('never re-announces an acknowledged alert', () => {
    expect(transitionFor(stored('acknowledged', 0), firing(0, 60), context(60))).toEqual({
      type: 'repeat',
      to: 'acknowledged',
      announce: null,
      deduplicated: true,
    });
  });

  it('silences a firing alert when a silence starts matching it, and lets it fire when the silence is gone', () => {
    expect(transitionFor(stored('firing', 0), firing(0, 1), context(1, true))).toMatchObject({
      type: 'repeat',
      to: 'silenced',
      announce: null,
    });
    expect(transitionFor(stored('silenced', 0, { lastAnnouncedAt: null }), firing(0, 2), context(2, true))).toMatchObject({
      to: 'silenced',
      announce: null,
      deduplicated: true,
    });
    // Never announced: people hear of it now, as a first firing.
    expect(transitionFor(stored('silenced', 0, { lastAnnouncedAt: null }), firing(0, 9), context(9))).toMatchObject({
      to: 'firing',
      announce: 'firing',
    });
    // Announced before the silence: a reminder, but only outside the window.
    expect(transitionFor(stored('silenced', 0, { lastAnnouncedAt: at(0) }), firing(0, 2), context(2))).toMatchObject({
      to: 'firing',
      announce: null,
    });
    expect(transitionFor(stored('silenced', 0, { lastAnnouncedAt: at(0) }), firing(0, 6), context(6))).toMatchObject({
      to: 'firing',
      announce: 'repeat',
    });
  });

  it('closes an announced alert with an announcement, and a never-announced one quietly', () => {
    expect(transitionFor(stored('firing', 0), resolved(0, 10), context(10))).toEqual({ type: 'close', announce: true });
    expect(transitionFor(stored('acknowledged', 0), resolved(0, 10), context(10))).toEqual({ type: 'close', announce: true });
    expect(transitionFor(stored('silenced', 0, { lastAnnouncedAt: null }), resolved(0, 10), context(10))).toEqual({
      type: 'close',
      announce: false,
    });
  });

  it('announces a resolution once: a second resolve of a resolved alert is recorded, not announced', () => {
    const held = stored('resolved', 0, { eventAt: at(10), eventReceivedAt: at(10) });
    expect(transitionFor(held, resolved(0, 10, 11), context(11))).toEqual({ type: 'record_resolved', first: false });
    expect(transitionFor(held, resolved(0, 10, 9), context(11))).toMatchObject({ type: 'stale' });
  });

  it('keeps a resolved alert resolved when its own stale firing arrives late', () => {
    const held = stored('resolved', 0, { eventAt: at(10), eventReceivedAt: at(10) });
    expect(transitionFor(held, firing(0, 12), context(12))).toMatchObject({ type: 'stale' });
  });

  it('opens a new episode when it fires again after the resolution', () => {
    const held = stored('resolved', 0, { eventAt: at(10), eventReceivedAt: at(10) });
    expect(transitionFor(held, firing(15), context(15))).toEqual({ type: 'open', to: 'firing', announce: 'firing' });
  });

  it('ignores a late resolution of an earlier episode while a newer one fires', () => {
    expect(transitionFor(stored('firing', 15), resolved(0, 10, 16), context(16))).toMatchObject({ type: 'stale' });
  });

  it('ignores a late firing of an earlier episode, and opens one that started later', () => {
    expect(transitionFor(stored('firing', 15), firing(0, 16), context(16))).toMatchObject({ type: 'stale' });
    expect(transitionFor(stored('acknowledged', 0), firing(20), context(20))).toEqual({ type: 'open', to: 'firing', announce: 'firing' });
  });

  it('treats a fresh startsAt from a detector, SLO burn or tool as the active episode firing again, not a new page', () => {
    const notAlertmanager = (now: number) => context(now, false, false);
    expect(transitionFor(stored('firing', 0), firing(1), notAlertmanager(1))).toEqual({
      type: 'repeat',
      to: 'firing',
      announce: null,
      deduplicated: true,
    });
    expect(transitionFor(stored('firing', 0), firing(6), notAlertmanager(6))).toEqual({
      type: 'repeat',
      to: 'firing',
      announce: 'repeat',
      deduplicated: false,
    });
    expect(transitionFor(stored('acknowledged', 0), firing(20), notAlertmanager(20))).toEqual({
      type: 'repeat',
      to: 'acknowledged',
      announce: null,
      deduplicated: true,
    });
    // Its episode ends with a resolution; a firing after that is a new one.
    expect(transitionFor(stored('resolved', 0, { eventAt: at(10) }), firing(12), notAlertmanager(12))).toEqual({
      type: 'open',
      to: 'firing',
      announce: 'firing',
    });
  });

  it('records a first sighting that is already resolved without announcing it', () => {
    expect(transitionFor(null, resolved(0, 10), context(10))).toEqual({ type: 'record_resolved', first: true });
  });

  it('orders by the event time first, then by when it was received', () => {
    const held = stored('resolved', 0, { eventAt: at(10), eventReceivedAt: at(10) });
    expect(isNewer(firing(10, 11), held, SKEW)).toBe(true);
    expect(isNewer(firing(10, 10), held, SKEW)).toBe(false);
    expect(isNewer(firing(9, 30), held, SKEW)).toBe(false);
    // A resolve without endsAt counts from when it was received.
    expect(isNewer({ status: 'resolved', startsAt: at(0), endsAt: null, receivedAt: at(11) }, held, SKEW)).toBe(true);
  });
});

describe('times a sender gave that cannot be trusted (FIREBREAK_MAX_CLOCK_SKEW, 5 minutes here)', () => {
  const withStart = (startsAt: Date, receivedMin: number): IncomingState => ({
    status: 'firing',
    startsAt,
    endsAt: null,
    receivedAt: at(receivedMin),
  });
  const withEnd = (startsAt: Date, endsAt: Date, receivedMin: number): IncomingState => ({
    status: 'resolved',
    startsAt,
    endsAt,
    receivedAt: at(receivedMin),
  });
  /** What the machine stores after opening an episode sent with `startsAt`, received at `receivedMin`. */
  const opened = (startsAt: Date, receivedMin: number, extra: Partial<StoredState> = {}): StoredState => ({
    status: 'firing',
    startsAt,
    eventAt: trustedTime(startsAt, at(receivedMin), SKEW),
    eventReceivedAt: at(receivedMin),
    lastAnnouncedAt: at(receivedMin),
    ...extra,
  });

  it('trusts a time up to the skew past its receipt, and orders a later one as the receipt itself', () => {
    expect(trustedTime(at(15), at(10), SKEW)).toEqual(at(15));
    expect(trustedTime(at(15.01), at(10), SKEW)).toEqual(at(10));
    expect(trustedTime(FAR, at(10), SKEW)).toEqual(at(10));
    expect(trustedTime(at(-60), at(10), SKEW)).toEqual(at(-60));
  });

  it.each<[string, StoredState, IncomingState, number, Partial<ReturnType<typeof transitionFor>>]>([
    // A sender whose clock runs 10 minutes ahead: repeat, repeat, close, then a new episode, not open, open, stale.
    ['10 min ahead: a re-send inside the window', opened(at(10), 0), withStart(at(10), 1), 1, { type: 'repeat', announce: null }],
    ['10 min ahead: a re-send past the window', opened(at(10), 0), withStart(at(10), 6), 6, { type: 'repeat', announce: 'repeat' }],
    ['10 min ahead: its resolution', opened(at(10), 0), withEnd(at(10), at(30), 20), 20, { type: 'close', announce: true }],
    [
      '10 min ahead: its next episode',
      opened(at(10), 0, { status: 'resolved', eventAt: at(20), eventReceivedAt: at(20) }),
      withStart(at(35), 25),
      25,
      { type: 'open', announce: 'firing' },
    ],
    [
      '10 min ahead: a copy of the resolved firing an HA peer sends late',
      opened(at(10), 0, { status: 'resolved', eventAt: at(20), eventReceivedAt: at(20) }),
      withStart(at(10), 21),
      21,
      { type: 'stale' },
    ],
    // startsAt in 9999: the same episode on every re-send, and an honest resolution a minute later closes it.
    ['startsAt 9999: a re-send', opened(FAR, 0), withStart(FAR, 6), 6, { type: 'repeat', announce: 'repeat' }],
    ['startsAt 9999: the resolution a minute later', opened(FAR, 0), withEnd(FAR, at(1), 1), 1, { type: 'close', announce: true }],
    ['startsAt 9999: a newer episode while it is held', opened(FAR, 0), withStart(at(3), 3), 3, { type: 'open' }],
    ['startsAt 9999 stored by an older release', opened(FAR, 0, { eventAt: FAR }), withEnd(FAR, at(1), 1), 1, { type: 'close' }],
    // endsAt in 9999 on the resolution: the next firing is a new episode, not stale forever.
    [
      'endsAt 9999: the next episode',
      opened(at(0), 0, { status: 'resolved', eventAt: at(10), eventReceivedAt: at(10) }),
      withStart(at(12), 12),
      12,
      { type: 'open', announce: 'firing' },
    ],
    [
      'endsAt 9999 stored by an older release: the next episode',
      opened(at(0), 0, { status: 'resolved', eventAt: FAR, eventReceivedAt: at(10) }),
      withStart(at(12), 12),
      12,
      { type: 'open', announce: 'firing' },
    ],
    [
      'endsAt 9999: a second resolution of it, received later',
      opened(at(0), 0, { status: 'resolved', eventAt: at(10), eventReceivedAt: at(10) }),
      withEnd(at(0), FAR, 11),
      11,
      { type: 'record_resolved' },
    ],
    // Within the skew a sender's time is its own: a resolution 4 minutes "ahead" still orders after an earlier one.
    ['within the skew: kept as sent', opened(at(0), 0), withEnd(at(0), at(14), 10), 10, { type: 'close' }],
  ])('%s', (_what, held, incoming, nowMinutes, expected) => {
    expect(transitionFor(held, incoming, context(nowMinutes))).toMatchObject(expected);
  });

  it('still ignores what is older than a clamped time: an honest resolution received before a 9999 firing', () => {
    const held = opened(FAR, 10);
    expect(transitionFor(held, withEnd(at(0), at(5), 5), context(10))).toMatchObject({ type: 'stale' });
  });

  // Times in seconds from T0, for the boundary rows below.
  const sec = (seconds: number) => new Date(T0 + seconds * 1000);
  const SKEW_S = SKEW / 1000;

  it.each<[string, StoredState, IncomingState, Partial<ReturnType<typeof transitionFor>>]>([
    // Alertmanager 5m10s ahead. The firing (real 0 s) is delivered 20 s late: 4m50s ahead, kept as sent.
    // Its resolve (real 60 s) is delivered in 1 s: 5m09s ahead, clamped. It must still close the episode.
    [
      '5m10s ahead: a firing delivered 20 s late, then its resolve delivered at once',
      { status: 'firing', startsAt: sec(310), eventAt: sec(310), eventReceivedAt: sec(20), lastAnnouncedAt: sec(20) },
      { status: 'resolved', startsAt: sec(310), endsAt: sec(370), receivedAt: sec(61) },
      { type: 'close', announce: true },
    ],
    // The same sender: a resolve delivered late (kept as sent), then a new episode delivered at once (clamped).
    [
      '5m10s ahead: a resolve delivered 20 s late, then the next episode delivered at once',
      { status: 'resolved', startsAt: sec(310), eventAt: sec(370), eventReceivedAt: sec(80), lastAnnouncedAt: sec(20) },
      { status: 'firing', startsAt: sec(430), endsAt: null, receivedAt: sec(121) },
      { type: 'open', announce: 'firing' },
    ],
    [
      'a resolve exactly at the skew past its receipt, after a firing just inside it',
      { status: 'firing', startsAt: sec(SKEW_S + 59), eventAt: sec(SKEW_S + 59), eventReceivedAt: sec(60), lastAnnouncedAt: sec(60) },
      { status: 'resolved', startsAt: sec(SKEW_S + 59), endsAt: sec(SKEW_S + 60), receivedAt: sec(60) },
      { type: 'close' },
    ],
    [
      'a resolve 1 ms past the skew, after a firing just inside it',
      { status: 'firing', startsAt: sec(SKEW_S + 59), eventAt: sec(SKEW_S + 59), eventReceivedAt: sec(60), lastAnnouncedAt: sec(60) },
      { status: 'resolved', startsAt: sec(SKEW_S + 59), endsAt: sec(SKEW_S + 60.001), receivedAt: sec(60) },
      { type: 'close' },
    ],
    [
      'an endsAt in 9999 received after a firing just inside the skew',
      { status: 'firing', startsAt: sec(SKEW_S + 59), eventAt: sec(SKEW_S + 59), eventReceivedAt: sec(60), lastAnnouncedAt: sec(60) },
      { status: 'resolved', startsAt: sec(SKEW_S + 59), endsAt: FAR, receivedAt: sec(61) },
      { type: 'close' },
    ],
    [
      'an honest resolve a second after a 9999 firing',
      { status: 'firing', startsAt: FAR, eventAt: sec(60), eventReceivedAt: sec(60), lastAnnouncedAt: sec(60) },
      { status: 'resolved', startsAt: FAR, endsAt: sec(61), receivedAt: sec(61) },
      { type: 'close' },
    ],
  ])('%s', (_what, held, incoming, expected) => {
    expect(transitionFor(held, incoming, context(incoming.receivedAt.getTime() / 60_000 - T0 / 60_000))).toMatchObject(expected);
  });

  it('orders a time past the skew as receipt + skew when it arrives (no jump at the limit) and holds it as its receipt', () => {
    const receivedAt = sec(60);
    const sent = (seconds: number): IncomingState => ({ status: 'firing', startsAt: sec(seconds), endsAt: null, receivedAt });
    expect(orderingTime(sent(60 + SKEW_S), SKEW)).toEqual(sec(60 + SKEW_S));
    expect(isClamped(sent(60 + SKEW_S), SKEW)).toBe(false);
    expect(orderingTime(sent(60 + SKEW_S + 0.001), SKEW)).toEqual(sec(60 + SKEW_S));
    expect(isClamped(sent(60 + SKEW_S + 0.001), SKEW)).toBe(true);
    expect(orderingTime({ ...sent(0), startsAt: FAR }, SKEW)).toEqual(sec(60 + SKEW_S));
    expect(heldTimeOf({ ...sent(0), startsAt: FAR }, SKEW)).toEqual(receivedAt);
    expect(heldTimeOf(sent(60 + SKEW_S), SKEW)).toEqual(sec(60 + SKEW_S));
    // Non-decreasing in the sent time, whatever it is.
    const times = [-600, 0, 60, 200, 359.999, 360, 360.001, 400, 1e9].map((seconds) => orderingTime(sent(seconds), SKEW).getTime());
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('keeps the order of one sender whose events are received in the order sent, whatever its clock and delivery delays', () => {
    const offsets = [-600, 0, 60, 290, 300, 310, 600, 3600];
    const delays = [0, 0.5, 1, 20, 60, 299, 301, 900];
    const gaps = [0.001, 1, 10, 60, 600];
    let checked = 0;
    for (const offset of offsets)
      for (const firstDelay of delays)
        for (const secondDelay of delays)
          for (const gap of gaps) {
            const firingReceived = firstDelay;
            const resolveReceived = gap + secondDelay;
            if (resolveReceived <= firingReceived) continue;
            const firing: IncomingState = { status: 'firing', startsAt: sec(offset), endsAt: null, receivedAt: sec(firingReceived) };
            const held: StoredState = {
              status: 'firing',
              startsAt: firing.startsAt,
              eventAt: heldTimeOf(firing, SKEW),
              eventReceivedAt: firing.receivedAt,
              lastAnnouncedAt: firing.receivedAt,
            };
            const resolve: IncomingState = {
              status: 'resolved',
              startsAt: sec(offset),
              endsAt: sec(gap + offset),
              receivedAt: sec(resolveReceived),
            };
            expect({ offset, firstDelay, secondDelay, gap, newer: isNewer(resolve, held, SKEW) }).toMatchObject({ newer: true });
            checked++;
          }
    expect(checked).toBeGreaterThan(1000);
  });
});
