import { Writable } from 'node:stream';
import pino from 'pino';
import { TransactionalMessaging } from '@firebreak/bus';
import { FakeClock } from '@firebreak/testing';
import { Channel } from '../channel-config/channel-set';
import { SendOutcome } from '../providers/provider';
import { NotifierConfig } from '../service';
import { DeliveryOutcomesRepository } from './delivery-outcomes.repository';
import { ClaimedDelivery, DeliveryUpdate } from './delivery.types';
import { OutcomeWriter } from './outcome-writer';
import { RateBucketsRepository } from './rate-buckets.repository';

const hook = { name: 'hook', type: 'webhook' } as Channel;
const config = {
  FIREBREAK_NOTIFY_MAX_ATTEMPTS: 2,
  FIREBREAK_NOTIFY_RETRY_BASE_MS: 1_000,
  FIREBREAK_NOTIFY_RETRY_MAX_MS: 60_000,
} as NotifierConfig;

function delivery(id: string, attempts: number): ClaimedDelivery {
  return {
    id,
    seq: 1,
    announcementId: `a-${id}`,
    channelType: 'webhook',
    target: 'default',
    kind: 'firing',
    severity: 'critical',
    fingerprint: `fp-${id}`,
    orderKey: `fp-${id}`,
    content: {},
    attempts,
    claimToken: `token-${id}`,
    receivedAt: new Date('2024-12-09T09:59:00.000Z'),
    orderedAt: new Date('2024-12-09T09:59:00.000Z'),
  } as unknown as ClaimedDelivery;
}

/** A writer whose transaction takes every update, logging JSON lines at `level` into `lines`. */
function writer(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  const messaging = {
    run: <T>(work: (tx: unknown) => Promise<T>) => work({ manager: {}, stage: () => undefined, stageTrusted: () => undefined }),
  } as unknown as TransactionalMessaging;
  const deliveries = {
    applyOutcomes: async (_manager: unknown, updates: DeliveryUpdate[]) => new Set(updates.map((u) => u.id)),
  } as unknown as DeliveryOutcomesRepository;
  const clock = new FakeClock(new Date('2024-12-09T10:00:00.000Z'));
  const logger = pino({ level }, stream);
  return { lines, writer: new OutcomeWriter(messaging, deliveries, {} as RateBucketsRepository, clock, config, logger) };
}

const answered = (id: string, attempts: number, outcome: SendOutcome) => ({
  delivery: delivery(id, attempts),
  outcome,
  answeredAt: new Date('2024-12-09T10:00:00.000Z'),
});
const ok: SendOutcome = { result: 'sent', status: 200, excerpt: 'ok' };
const down: SendOutcome = { result: 'retry', reason: 'server_error', status: 503, error: 'HTTP 503: down' };

describe('OutcomeWriter logging', () => {
  it('names the channel, delivery, fingerprint and attempt on each line it writes', async () => {
    const { lines, writer: w } = writer('debug');
    await w.record(hook, [answered('d1', 1, ok), answered('d2', 1, down), answered('d3', 2, down)]);
    await new Promise((resolve) => setImmediate(resolve));
    const line = (msg: string) => lines.find((l) => l.msg === msg);
    expect(line('delivered')).toMatchObject({ level: 20, channel: 'hook', deliveryId: 'd1', fingerprint: 'fp-d1', attempts: 1 });
    expect(line('delivery attempt failed; will retry')).toMatchObject({
      level: 40,
      channel: 'hook',
      deliveryId: 'd2',
      fingerprint: 'fp-d2',
      attempts: 1,
      error: 'HTTP 503: down',
    });
    expect(line('delivery failed for good; notifications.failed published')).toMatchObject({
      level: 50,
      channel: 'hook',
      deliveryId: 'd3',
      fingerprint: 'fp-d3',
      attempts: 2,
    });
  });

  it('writes no line for a sent delivery above debug, and still the failures', async () => {
    const { lines, writer: w } = writer('info');
    await w.record(hook, [answered('d1', 1, ok), answered('d2', 1, down)]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((l) => l.msg)).toEqual(['delivery attempt failed; will retry']);
    expect(lines[0]).toMatchObject({ deliveryId: 'd2', channel: 'hook' });
  });
});
