import { DependencyUnavailableError, EventPublisher, HandlerContext, SubjectNames } from '@firebreak/bus';
import { EventOf } from '@firebreak/contracts';
import { AlertIngestService } from './alert-ingest.service';
import { AlertsConsumer } from './alerts.consumer';

type Batch = EventOf<'alerts.received.batch'>;

/** A batch message of `size` alerts; the consumer only reads ids and data, and carries data unchanged. */
function batch(name: string, size: number): Batch {
  const alerts = Array.from({ length: size }, (_, index) => ({
    id: `${name}-${index}`,
    data: { alert: { fingerprint: `${name}${index}` } },
  }));
  return { id: name, time: '2026-12-07T00:00:00.000Z', data: { alerts } } as unknown as Batch;
}

const ctx = { log: { debug: () => undefined, warn: () => undefined } } as unknown as HandlerContext;

/**
 * The batch consumer's alert budget as the consumer uses it (the budget itself: alert-budget.spec.ts):
 * 2,048 alerts of batch messages in the intake at once, given back however the batch ends.
 */
describe('AlertsConsumer: alerts of batch messages in flight', () => {
  let started: string[];
  let finish: Map<string, (error?: Error) => void>;
  let consumer: AlertsConsumer;

  beforeEach(() => {
    started = [];
    finish = new Map();
    const ingest = {
      ingest: (event: { id: string }) =>
        new Promise<void>((resolve, reject) => {
          started.push(event.id);
          finish.set(event.id, (error) => (error ? reject(error) : resolve()));
        }),
    } as unknown as AlertIngestService;
    consumer = new AlertsConsumer(ingest, {} as EventPublisher, {} as SubjectNames);
  });

  const settle = (prefix: string, error?: Error) => {
    for (const [id, done] of finish) if (id.startsWith(`${prefix}-`)) done(error);
  };
  const tick = () => new Promise((resolve) => setImmediate(resolve));

  it('holds a batch back while 2,048 alerts of earlier ones are in flight, and lets it in when they settle', async () => {
    const first = consumer.receivedBatch(batch('a', 1500), ctx);
    const second = consumer.receivedBatch(batch('b', 600), ctx);
    await tick();
    expect(started.filter((id) => id.startsWith('b-'))).toHaveLength(0);
    settle('a');
    await first;
    await tick();
    expect(started.filter((id) => id.startsWith('b-'))).toHaveLength(600);
    settle('b');
    await second;
  });

  it('gives the budget back when the batch fails on an outage, so the redelivery and others are not starved', async () => {
    const failing = consumer.receivedBatch(batch('a', 2048), ctx);
    const waiting = consumer.receivedBatch(batch('b', 10), ctx);
    await tick();
    expect(started.filter((id) => id.startsWith('b-'))).toHaveLength(0);
    settle('a', new DependencyUnavailableError('postgres', { cause: new Error('down') }));
    await expect(failing).rejects.toBeInstanceOf(DependencyUnavailableError);
    await tick();
    expect(started.filter((id) => id.startsWith('b-'))).toHaveLength(10);
    settle('b');
    await waiting;
  });

  it('lets a batch larger than the whole budget in alone, after the ones ahead of it', async () => {
    const small = consumer.receivedBatch(batch('a', 100), ctx);
    const huge = consumer.receivedBatch(batch('b', 5000), ctx);
    await tick();
    expect(started.filter((id) => id.startsWith('b-'))).toHaveLength(0);
    settle('a');
    await small;
    await tick();
    expect(started.filter((id) => id.startsWith('b-'))).toHaveLength(5000);
    settle('b');
    await huge;
  });
});
