import pino from 'pino';
import { DataSource } from 'typeorm';
import { FakeClock } from '@firebreak/testing';
import { Channel } from '../channel-config/channel-set';
import { ProviderRegistry } from '../providers/provider-registry';
import { NotifierConfig } from '../service';
import { BacklogFolder } from './backlog-folder';
import { ClaimLeases } from './claim-leases';
import { DeliveriesRepository } from './deliveries.repository';
import { ClaimedDelivery } from './delivery.types';
import { DeliveryDispatcher } from './delivery-dispatcher';
import { OutcomeRecorder } from './outcome-recorder';
import { RateBucketsRepository } from './rate-buckets.repository';

const POLL_MS = 500;
const channel = { name: 'team-slack', type: 'slack', fold: false, config: { concurrency: 4 } } as unknown as Channel;
const config = {
  FIREBREAK_NOTIFY_POLL_MS: POLL_MS,
  FIREBREAK_NOTIFY_HTTP_TIMEOUT_MS: 10_000,
  FIREBREAK_NOTIFY_BATCH_SIZE: 50,
} as NotifierConfig;
const leases = () =>
  new ClaimLeases({} as DataSource, new FakeClock(), { ...config, dbSchema: 'notifier' } as NotifierConfig, pino({ level: 'silent' }));

describe('delivery dispatcher', () => {
  const looked: string[] = [];
  const claims: number[] = [];
  const recorder = { backedUp: false };
  const deliveries = {
    nextDueAt: async (name: string) => {
      looked.push(name);
      return null;
    },
  } as unknown as DeliveriesRepository;
  const dataSource = {
    transaction: async () => {
      claims.push(1);
      throw new Error('no claim expected');
    },
  } as unknown as DataSource;
  const dispatcher = new DeliveryDispatcher(
    dataSource,
    deliveries,
    {} as RateBucketsRepository,
    {} as BacklogFolder,
    {} as ProviderRegistry,
    recorder as unknown as OutcomeRecorder,
    leases(),
    new FakeClock(),
    config,
    pino({ level: 'silent' }),
  );

  beforeEach(() => {
    looked.length = 0;
    claims.length = 0;
  });

  it('claims nothing, and does not even look, while the recorder holds answers Postgres could not take', async () => {
    recorder.backedUp = true;
    expect(await dispatcher.round(channel, 4)).toEqual({ waitMs: POLL_MS });
    expect([looked, claims]).toEqual([[], []]);
  });

  it('looks for due deliveries again once those answers are written', async () => {
    recorder.backedUp = false;
    expect(await dispatcher.round(channel, 4)).toEqual({ waitMs: POLL_MS });
    expect([looked, claims]).toEqual([['team-slack'], []]);
  });
});

describe('delivery dispatcher, a channel draining a backlog', () => {
  const clock = new FakeClock();
  const looked: string[] = [];
  const claimedBatches: number[] = [];
  let due: Date | null = null;
  let pending: ClaimedDelivery[] = [];
  const deliveries = {
    nextDueAt: async (name: string) => {
      looked.push(name);
      return due;
    },
    claimOntoWire: async (_manager: unknown, _channel: string, limit: number) => {
      claimedBatches.push(limit);
      return { deliveries: pending.splice(0, limit), superseded: 0 };
    },
  } as unknown as DeliveriesRepository;
  const buckets = {
    lock: async () => ({ state: { tokens: 100, refilledAt: clock.now().getTime() }, pausedUntil: null }),
    save: async () => undefined,
  } as unknown as RateBucketsRepository;
  const dataSource = { transaction: async <T>(work: (manager: unknown) => Promise<T>) => work({}) } as unknown as DataSource;
  const providers = { for: () => ({ send: async () => ({ result: 'sent' }) }) } as unknown as ProviderRegistry;
  const recorder = { backedUp: false, submit: async () => undefined } as unknown as OutcomeRecorder;
  const draining = { ...channel, config: { concurrency: 4, rateLimit: { perMinute: 6000, burst: 100 } } } as unknown as Channel;
  const dispatcher = new DeliveryDispatcher(
    dataSource,
    deliveries,
    buckets,
    {} as BacklogFolder,
    providers,
    recorder,
    leases(),
    clock,
    config,
    pino({ level: 'silent' }),
  );

  beforeEach(() => {
    looked.length = 0;
    claimedBatches.length = 0;
  });

  it('claims without the look for due rows while its last round claimed something', async () => {
    pending = [{ id: 'd1' }, { id: 'd2' }] as ClaimedDelivery[];
    const round = await dispatcher.round(draining, 4, { busy: true });
    await Promise.all(round.sends ?? []);
    expect([round.waitMs, round.sends?.length, looked, claimedBatches]).toEqual([0, 2, [], [4]]);
  });

  it('still finds a retry due before the next poll when a busy round claims nothing', async () => {
    pending = [];
    due = new Date(clock.now().getTime() + 30);
    expect(await dispatcher.round(draining, 4, { busy: true })).toEqual({ waitMs: 30 });
    expect([looked, claimedBatches]).toEqual([['team-slack'], [4]]);
  });

  it('looks first when the last round claimed nothing, and claims nothing before the next due time', async () => {
    due = new Date(clock.now().getTime() + 30);
    expect(await dispatcher.round(draining, 4)).toEqual({ waitMs: 30 });
    expect([looked, claimedBatches]).toEqual([['team-slack'], []]);
  });
});
