import type { Logger } from 'pino';
import { DependencyUnavailableError, TransactionalMessaging } from '@firebreak/bus';
import { FakeClock } from '@firebreak/testing';
import { Channel } from '../channel-config/channel-set';
import { SendOutcome } from '../providers/provider';
import { NotifierConfig } from '../service';
import { DeliveryOutcomesRepository } from './delivery-outcomes.repository';
import { ClaimedDelivery, DeliveryUpdate } from './delivery.types';
import { Attempt, OutcomeRecorder } from './outcome-recorder';
import { RateBucketsRepository } from './rate-buckets.repository';

const slack = { name: 'slack', type: 'slack' } as Channel;
const hook = { name: 'hook', type: 'webhook' } as Channel;
const config = {
  FIREBREAK_NOTIFY_MAX_ATTEMPTS: 3,
  FIREBREAK_NOTIFY_RETRY_BASE_MS: 1_000,
  FIREBREAK_NOTIFY_RETRY_MAX_MS: 60_000,
} as NotifierConfig;

const outage = () => new DependencyUnavailableError('postgres', { cause: new Error('connect ECONNREFUSED 127.0.0.1:5432') });
const refused = () => Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });

async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

function attempt(id: string, outcome: SendOutcome = { result: 'sent', status: 200, excerpt: `ok ${id}` }, attempts = 1): Attempt {
  const delivery = {
    id,
    seq: 1,
    announcementId: `announcement-${id}`,
    channelType: 'slack',
    target: 'default',
    kind: 'firing',
    severity: 'critical',
    fingerprint: `fp-${id}`,
    orderKey: `fp-${id}`,
    content: {},
    attempts,
    claimToken: `token-${id}-${attempts}`,
    receivedAt: new Date('2024-12-09T09:59:00.000Z'),
    orderedAt: new Date('2024-12-09T09:59:00.000Z'),
  } as unknown as ClaimedDelivery;
  return { delivery, outcome, answeredAt: new Date('2024-12-09T10:00:00.000Z') };
}

/**
 * The recorder's Postgres, in memory: `refuse` decides per write (the updates of one transaction)
 * whether it fails; a transaction that does not fail commits its updates, marks and events.
 */
function fakeStore() {
  const store = {
    refuse: (_updates: DeliveryUpdate[]): Error | undefined => undefined,
    /** Ids of rows claimed again since: their answers are fenced out. */
    fenced: new Set<string>(),
    /** A write waits for this gate when set. */
    gate: undefined as Promise<void> | undefined,
    committed: [] as DeliveryUpdate[][],
    events: [] as Array<{ subject: string; data: Record<string, unknown> }>,
    errors: [] as string[],
  };
  // The recorder writes one transaction at a time.
  let tx = { updates: [] as DeliveryUpdate[][], events: [] as typeof store.events };
  const deliveries = {
    async applyOutcomes(_manager: unknown, updates: DeliveryUpdate[]) {
      await store.gate;
      const error = store.refuse(updates);
      if (error) throw error;
      tx.updates.push(updates);
      return new Set(updates.filter((u) => !store.fenced.has(u.id)).map((u) => u.id));
    },
  } as unknown as DeliveryOutcomesRepository;
  const messaging = {
    async run<T>(work: (tx: unknown) => Promise<T>): Promise<T> {
      tx = { updates: [], events: [] };
      const stage = (subject: string, data: Record<string, unknown>) => tx.events.push({ subject, data });
      const result = await work({ manager: {}, stage, stageTrusted: stage });
      store.committed.push(...tx.updates);
      store.events.push(...tx.events);
      return result;
    },
  } as unknown as TransactionalMessaging;
  const noop = () => undefined;
  const logger = {
    info: noop,
    warn: noop,
    debug: noop,
    error: (_fields: unknown, message: string) => store.errors.push(message),
    child: () => logger,
  } as unknown as Logger;
  const buckets = { pause: async () => undefined } as unknown as RateBucketsRepository;
  return { store, messaging, deliveries, buckets, logger };
}

describe('outcome recorder', () => {
  let clock: FakeClock;
  let fake: ReturnType<typeof fakeStore>;
  let recorder: OutcomeRecorder;
  const writtenIds = () => fake.store.committed.map((updates) => updates.map((u) => u.id));

  beforeEach(() => {
    clock = new FakeClock();
    fake = fakeStore();
    recorder = new OutcomeRecorder(fake.messaging, fake.deliveries, fake.buckets, clock, config, fake.logger);
  });

  /** The first write meets an outage, so everything submitted meanwhile is written in one micro-batch after it. */
  function batchAfterOutage(): void {
    let calls = 0;
    const later = fake.store.refuse;
    fake.store.refuse = (updates) => (calls++ === 0 ? outage() : later(updates));
  }

  it("settles a send's submit only once its answer is written, so a crash can repeat no more than the channel's concurrency", async () => {
    let away = true;
    fake.store.refuse = () => (away ? outage() : undefined);
    let written = false;
    void recorder.submit(slack, attempt('a1')).then(() => (written = true));
    await flush();
    await clock.advance(250);
    expect(written).toBe(false);
    away = false;
    await clock.advance(500);
    expect(written).toBe(true);
  });

  it('lets sends still waiting for their write end when shutdown gives up on Postgres, and says how many are lost', async () => {
    fake.store.refuse = () => outage();
    let ended = false;
    void recorder.submit(slack, attempt('a1')).then(() => (ended = true));
    await flush();
    expect(recorder.abandon()).toBe(1);
    await flush();
    expect(ended).toBe(true);
    // A send that answers after shutdown gave up holds nothing up either.
    let late = false;
    void recorder.submit(slack, attempt('a2')).then(() => (late = true));
    await flush();
    expect(late).toBe(true);
  });

  it('is not backed up while answers merely wait for the next micro-batch', async () => {
    let open!: () => void;
    fake.store.gate = new Promise<void>((resolve) => (open = resolve));
    void recorder.submit(slack, attempt('a1'));
    void recorder.submit(slack, attempt('a2'));
    await flush();
    expect([recorder.unwritten, recorder.backedUp]).toEqual([1, false]);
    open();
    await flush();
    expect([recorder.unwritten, recorder.backedUp]).toEqual([0, false]);
    expect(writtenIds()).toEqual([['a1'], ['a2']]);
  });

  it('is backed up from a write Postgres was away for until the answers it kept are written', async () => {
    let away = true;
    fake.store.refuse = () => (away ? outage() : undefined);
    void recorder.submit(slack, attempt('a1'));
    await flush();
    expect([recorder.unwritten, recorder.backedUp]).toEqual([1, true]);
    await clock.advance(250);
    expect(recorder.backedUp).toBe(true);
    away = false;
    await clock.advance(500);
    expect([recorder.unwritten, recorder.backedUp]).toEqual([0, false]);
    expect(writtenIds()).toEqual([['a1']]);
  });

  it('tries again at most a second apart while Postgres is away', async () => {
    let failures = 0;
    fake.store.refuse = () => (failures++ < 7 ? outage() : undefined);
    void recorder.submit(slack, attempt('a1'));
    await clock.run(recorder.drain(60_000));
    expect(clock.sleeps.filter((ms) => ms !== 100)).toEqual([250, 500, 1_000, 1_000, 1_000, 1_000, 1_000]);
    expect(writtenIds()).toEqual([['a1']]);
  });

  it("puts back only the answers an outage kept from being written, not a channel's answers already written", async () => {
    batchAfterOutage();
    let hookAway = 1;
    const first = fake.store.refuse;
    fake.store.refuse = (updates) => first(updates) ?? (updates.some((u) => u.id === 'h1') && hookAway-- > 0 ? outage() : undefined);
    void recorder.submit(slack, attempt('s1'));
    await flush();
    void recorder.submit(slack, attempt('s2'));
    void recorder.submit(hook, attempt('h1'));
    await clock.run(recorder.drain(60_000));
    expect(writtenIds()).toEqual([['s1', 's2'], ['h1']]);
    expect(fake.store.events.map((e) => e.data.deliveryId)).toEqual(['s1', 's2', 'h1']);
    expect(recorder.backedUp).toBe(false);
  });

  it('writes a micro-batch Postgres refuses one answer at a time, and the refused answer without its texts', async () => {
    batchAfterOutage();
    const first = fake.store.refuse;
    fake.store.refuse = (updates) => first(updates) ?? (updates.some((u) => u.responseExcerpt === 'bad') ? refused() : undefined);
    void recorder.submit(slack, attempt('a1'));
    await flush();
    void recorder.submit(slack, attempt('bad', { result: 'sent', status: 200, excerpt: 'bad' }));
    void recorder.submit(slack, attempt('a2'));
    await clock.run(recorder.drain(60_000));
    expect(writtenIds()).toEqual([['a1'], ['bad'], ['a2']]);
    const bad = fake.store.committed[1][0];
    expect(bad).toEqual({
      id: 'bad',
      claimToken: 'token-bad-1',
      attempts: 1,
      status: 'sent',
      sentAt: expect.any(Date),
      responseStatus: 200,
    });
    expect(fake.store.events.map((e) => [e.subject, e.data.deliveryId])).toEqual([
      ['notifications.delivered', 'a1'],
      ['notifications.delivered', 'bad'],
      ['notifications.delivered', 'a2'],
    ]);
    expect(fake.store.errors).toEqual([]);
  });

  it('writes a lone answer Postgres refuses once more without its excerpt and error text', async () => {
    const rejected: SendOutcome = { result: 'reject', status: 400, error: 'HTTP 400: refused text', excerpt: 'refused text' };
    fake.store.refuse = (updates) => (updates.some((u) => u.lastError?.includes('refused text')) ? refused() : undefined);
    void recorder.submit(slack, attempt('r1', rejected));
    await clock.run(recorder.drain(60_000));
    expect(fake.store.committed).toEqual([
      [
        {
          id: 'r1',
          claimToken: 'token-r1-1',
          attempts: 1,
          status: 'failed',
          responseStatus: 400,
          lastError: 'the error text could not be stored',
        },
      ],
    ]);
    expect(fake.store.events).toEqual([
      { subject: 'notifications.failed', data: expect.objectContaining({ deliveryId: 'r1', error: 'the error text could not be stored' }) },
    ]);
  });

  it('drops, with an error log, only an answer Postgres refuses even without its texts', async () => {
    batchAfterOutage();
    const first = fake.store.refuse;
    fake.store.refuse = (updates) => first(updates) ?? (updates.some((u) => u.id === 'poison') ? refused() : undefined);
    void recorder.submit(slack, attempt('a1'));
    await flush();
    void recorder.submit(slack, attempt('poison'));
    void recorder.submit(slack, attempt('a2'));
    await clock.run(recorder.drain(60_000));
    expect(writtenIds()).toEqual([['a1'], ['a2']]);
    expect(fake.store.errors).toEqual([
      'writing a delivery outcome failed; it is dropped and the delivery will be sent again after its lease',
    ]);
    expect([recorder.unwritten, recorder.backedUp]).toEqual([0, false]);
  });

  it('keeps for later what an outage met while writing one at a time left unwritten', async () => {
    batchAfterOutage();
    let away = false;
    const first = fake.store.refuse;
    fake.store.refuse = (updates) => {
      const error = first(updates);
      if (error) return error;
      if (updates.length > 1) return refused();
      if (updates[0].id === 'a2' && !away) return ((away = true), outage());
      return undefined;
    };
    void recorder.submit(slack, attempt('a0'));
    await flush();
    void recorder.submit(slack, attempt('a1'));
    void recorder.submit(slack, attempt('a2'));
    void recorder.submit(slack, attempt('a3'));
    await clock.run(recorder.drain(60_000));
    expect(writtenIds()).toEqual([['a0'], ['a1'], ['a2'], ['a3']]);
    expect(fake.store.events.map((e) => e.data.deliveryId)).toEqual(['a0', 'a1', 'a2', 'a3']);
    expect([recorder.unwritten, recorder.backedUp]).toEqual([0, false]);
  });

  it('does not announce an answer fenced out by a newer claim of its row', async () => {
    fake.store.fenced.add('stale');
    void recorder.submit(slack, attempt('stale'));
    await flush();
    void recorder.submit(slack, attempt('fresh'));
    await clock.run(recorder.drain(60_000));
    expect(fake.store.events.map((e) => e.data.deliveryId)).toEqual(['fresh']);
  });

  it('carries the attempt it answers, and stores texts without NUL or lone surrogates', async () => {
    const outcome: SendOutcome = { result: 'reject', status: 400, error: `HTTP 400: ${'x'.repeat(1_989)}😀`, excerpt: 'no\u0000pe\uD83D' };
    void recorder.submit(slack, attempt('r1', outcome, 2));
    await clock.run(recorder.drain(60_000));
    const [[update]] = fake.store.committed;
    expect(update).toMatchObject({ id: 'r1', claimToken: 'token-r1-2', attempts: 2, status: 'failed', responseExcerpt: 'nope' });
    // Cut at 2000 units without splitting the pair that straddles the limit.
    expect(update.lastError).toBe(`HTTP 400: ${'x'.repeat(1_989)}`);
    expect(fake.store.events[0].data.error).toBe(update.lastError);
  });
});
