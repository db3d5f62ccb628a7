import pino from 'pino';
import { DataSource } from 'typeorm';
import { FakeClock } from '@firebreak/testing';
import { Channel } from '../channel-config/channel-set';
import { ProviderRegistry } from '../providers/provider-registry';
import { NotifierConfig } from '../service';
import { BacklogFolder } from './backlog-folder';
import { DeliveriesRepository } from './deliveries.repository';
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
