import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { EventOf } from '@firebreak/contracts';
import { TransactionalMessaging } from '@firebreak/bus';
import { Channel } from '../channel-config/channel-set';
import { ChannelRegistry } from '../channel-config/channel-registry';
import { DeliveryService, NewDelivery } from '../delivery/delivery.service';
import { alertNotify } from '../testing/notifier-harness';
import { decisionOrderedAt } from './approval-rows';
import { IntakeService } from './intake.service';

const pd = { name: 'pd', type: 'pagerduty', enabled: true, targets: ['default'], config: {} } as unknown as Channel;
const ctx = { consumer: 'notifier-alerts-notify', log: pino({ level: 'silent' }) };

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

function notify(kind: 'firing' | 'resolved', fp: string): EventOf<'alerts.notify'> {
  return { id: randomUUID(), time: new Date().toISOString(), data: alertNotify(kind, fp, 'critical') } as EventOf<'alerts.notify'>;
}

/**
 * The intake's transactions, in memory: each write waits for its own gate, so a test decides the
 * order in which they commit; `committed` lists the kinds of the rows each write added.
 */
function intake() {
  const gates: Array<() => void> = [];
  const committed: string[][] = [];
  const messaging = {
    async run<T>(work: (tx: unknown) => Promise<T>): Promise<T> {
      await new Promise<void>((resolve) => gates.push(resolve));
      return work({ manager: {} });
    },
    claimInbox: async (_manager: unknown, _consumer: string, ids: string[]) => new Set(ids),
  } as unknown as TransactionalMessaging;
  const delivery = {
    add: async (_manager: unknown, rows: NewDelivery[]) => void committed.push(rows.map((row) => `${row.fingerprint}:${row.kind}`)),
    wake: () => undefined,
  } as unknown as DeliveryService;
  const registry = { route: () => ['pd'], get: () => pd, all: () => [pd] } as unknown as ChannelRegistry;
  const service = new IntakeService(registry, messaging, delivery, { now: () => new Date(), sleep: async () => undefined });
  return { service, gates, committed };
}

describe('intake order: announcements about one alert are written in the order they arrived', () => {
  it('does not start writing a resolve while the write of its trigger still runs, and writes other alerts meanwhile', async () => {
    const { service, gates, committed } = intake();
    const trigger = service.announceAlert(notify('firing', 'a'), ctx);
    await flush();
    expect(gates).toHaveLength(1);

    // The trigger's transaction has not committed yet: the resolve must wait for it, another alert need not.
    const resolve = service.announceAlert(notify('resolved', 'a'), ctx);
    const other = service.announceAlert(notify('firing', 'b'), ctx);
    await flush();
    expect(gates).toHaveLength(2);
    gates[1]();
    await other;
    expect(committed).toEqual([['b:firing']]);

    gates[0]();
    await trigger;
    await flush();
    expect(gates).toHaveLength(3);
    gates[2]();
    await resolve;
    expect(committed).toEqual([['b:firing'], ['a:firing'], ['a:resolved']]);
  });

  it('writes a burst of announcements about one alert in one transaction, in the order they arrived', async () => {
    const { service, gates, committed } = intake();
    const kinds = ['firing', 'resolved', 'firing', 'resolved', 'firing'] as const;
    const all = kinds.map((kind) => service.announceAlert(notify(kind, 'a'), ctx));
    await flush();
    expect(gates).toHaveLength(1);
    gates[0]();
    await Promise.all(all);
    expect(committed).toEqual([kinds.map((kind) => `a:${kind}`)]);
  });

  it('keeps an approval decision behind its request', async () => {
    const { service, gates } = intake();
    const request = {
      id: randomUUID(),
      time: new Date().toISOString(),
      data: {
        approvalId: 'ap-1',
        executionId: 'ex-1',
        runbookId: 'r',
        stepId: 's',
        severity: 'critical',
        summary: 'x',
        expiresAt: new Date().toISOString(),
      },
    } as EventOf<'runbooks.approval.requested'>;
    const decided = {
      id: randomUUID(),
      time: new Date().toISOString(),
      data: { approvalId: 'ap-1', executionId: 'ex-1', decision: 'approved', decidedAt: new Date().toISOString() },
    } as EventOf<'runbooks.approval.decided'>;
    void service.announceApproval(request, ctx);
    await flush();
    void service.announceDecision(decided, ctx);
    await flush();
    expect(gates).toHaveLength(1);
  });
});

describe("decision order: a decision sorts after its request whatever the executors' clocks say", () => {
  const request = new Date('2026-01-01T10:00:00.000Z');

  it("keeps the decision's own time when it is later than the request", () => {
    expect(decisionOrderedAt(new Date('2026-01-01T10:05:00.000Z'), request)).toEqual(new Date('2026-01-01T10:05:00.000Z'));
  });

  it("puts it one millisecond after the request when the decider's clock ran behind (or at the same instant)", () => {
    expect(decisionOrderedAt(new Date('2026-01-01T09:50:00.000Z'), request)).toEqual(new Date('2026-01-01T10:00:00.001Z'));
    expect(decisionOrderedAt(request, request)).toEqual(new Date('2026-01-01T10:00:00.001Z'));
  });
});
