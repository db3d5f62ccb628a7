import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import pino from 'pino';
import { DataOf, EventOf } from '@firebreak/contracts';
import { createDataSource, migrate, table } from '@firebreak/platform';
import { FakePagerDuty, resolveDatabaseUrl, resolveNatsUrl, uniqueTestId, waitFor } from '@firebreak/testing';
import { Initial1732300000000 } from '../../migrations/1732300000000-initial';
import { Deliveries1732400000000 } from '../../migrations/1732400000000-deliveries';
import { OutboxRetries1764633600000 } from '../../migrations/1764633600000-outbox-retries';
import { AppModule } from '../app.module';
import { DeliveriesRepository } from '../delivery/deliveries.repository';
import { DeliveryHistoryRepository } from '../delivery/delivery-history.repository';
import { fromApprovalRequested } from '../notifications/from-events';
import { fingerprint, NotifierHarness } from '../testing/notifier-harness';

const OPERATOR = 'operator-token-1';
const dedupKey = (approvalId: string) => `firebreak-approval-${approvalId}`;

function requestEvent(approvalId: string, time: Date): EventOf<'runbooks.approval.requested'> {
  const data: DataOf<'runbooks.approval.requested'> = {
    approvalId,
    executionId: `ex-${approvalId}`,
    runbookId: 'service_unavailable',
    stepId: 'restart',
    severity: 'critical',
    summary: 'Restart the api pods?',
    expiresAt: '2030-01-01T00:00:00.000Z',
  };
  return { id: randomUUID(), time: time.toISOString(), data } as EventOf<'runbooks.approval.requested'>;
}

const decided = (approvalId: string): DataOf<'runbooks.approval.decided'> => ({
  approvalId,
  executionId: `ex-${approvalId}`,
  decision: 'approved',
  decidedBy: 'otto',
  decidedAt: new Date().toISOString(),
});

interface OldRow {
  id?: string;
  subject?: string;
  channel: string;
  fingerprint: string | null;
  kind: string;
  content: unknown;
  status: 'pending' | 'sent';
  orderedAt: Date;
}

/**
 * A delivery written the way the previous release writes it (its INSERT, word for word in its
 * columns): before the upgrade, or by one of its replicas still running during a rolling deploy.
 */
async function oldReplicaInsert(db: DataSource | EntityManager, schema: string, row: OldRow): Promise<string> {
  const id = row.id ?? randomUUID();
  await db.query(
    `INSERT INTO ${table(schema, 'deliveries')} (id, announcement_id, announcement_subject, channel, channel_type, target, kind, severity, fingerprint,
       title, content, status, last_error, received_at, ordered_at, next_attempt_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, 'pagerduty', 'default', $5, 'critical', $6, 'old', $7::jsonb, $8, NULL, $9, $9, $9, $9, $9)`,
    [
      id,
      randomUUID(),
      row.subject ?? 'alerts.notify',
      row.channel,
      row.kind,
      row.fingerprint,
      JSON.stringify(row.content),
      row.status,
      row.orderedAt,
    ],
  );
  return id;
}

/**
 * The upgrade to claims/order/approvals, on a schema the previous release created and filled, with
 * the previous release's replicas still writing during the rollout; and the edges of an approval
 * whose decision comes late (clock skew between executor replicas, pruning).
 */
describe('notifier approvals across the upgrade, clock skew and pruning', () => {
  const pagerduty = new FakePagerDuty();
  const schema = uniqueTestId('notifier_upgrade');
  let h: NotifierHarness;
  let db: DataSource;
  const before = randomUUID();
  const beforeFp = fingerprint();

  beforeAll(async () => {
    await pagerduty.start();
    const databaseUrl = await resolveDatabaseUrl();
    // The schema as the previous release left it, with an approval waiting for its decision.
    const old = createDataSource({
      url: databaseUrl,
      schema,
      migrations: [Initial1732300000000, Deliveries1732400000000, OutboxRetries1764633600000],
    });
    await old.initialize();
    await migrate(old, pino({ level: 'silent' }));
    await oldReplicaInsert(old, schema, {
      subject: 'runbooks.approval.requested',
      channel: 'pd',
      fingerprint: null,
      kind: 'message',
      content: fromApprovalRequested(requestEvent(before, new Date(Date.now() - 3_600_000))),
      status: 'sent',
      orderedAt: new Date(Date.now() - 3_600_000),
    });
    await old.destroy();

    const channels = `channels:
  - { name: pd, type: pagerduty, routingKey: "${'P'.repeat(32)}", rateLimit: { perMinute: 6000, burst: 200 } }
routes:
  - { matchers: ['severity="critical"'], channels: [pd] }
`;
    h = new NotifierHarness(uniqueTestId('notifier_upgrade'), schema, NotifierHarness.writeConfig(channels));
    Object.assign(process.env, {
      NATS_URL: await resolveNatsUrl(),
      DATABASE_URL: databaseUrl,
      FIREBREAK_SUBJECT_PREFIX: h.prefix,
      FIREBREAK_DB_SCHEMA: h.schema,
      FIREBREAK_CONFIG_DIR: h.configDir,
      FIREBREAK_API_TOKENS: `${OPERATOR}:operator:otto`,
      FIREBREAK_NOTIFY_POLL_MS: '50',
      LOG_LEVEL: 'silent',
      PAGERDUTY_EVENTS_URL: pagerduty.eventsUrl,
    });
    await h.start(AppModule, process.env.NATS_URL!);
    db = h.app.get(DataSource);
  });

  afterAll(async () => {
    await h?.stop(await resolveDatabaseUrl());
    await pagerduty.stop();
  });

  beforeEach(() => pagerduty.reset());

  const resolves = () => pagerduty.events.filter((e) => e.event_action === 'resolve').map((e) => e.dedup_key);
  const publishDecision = (approvalId: string) =>
    h.publisher.publish('runbooks.approval.decided', decided(approvalId), { id: randomUUID(), subject: beforeFp });

  it('resolves the page of an approval requested before the upgrade', async () => {
    const [page] = await db.query(
      `SELECT requested_at IS NOT NULL AS requested, cardinality(request_delivery_ids) AS n FROM ${table(schema, 'approval_pages')} WHERE approval_id = $1`,
      [before],
    );
    expect(page).toEqual({ requested: true, n: 1 });
    await publishDecision(before);
    await waitFor(() => resolves().includes(dedupKey(before)), { message: 'the pre-upgrade approval page was not resolved' });
  });

  it('resolves the page of an approval a replica of the previous release took during the rollout', async () => {
    const during = randomUUID();
    await oldReplicaInsert(db, schema, {
      subject: 'runbooks.approval.requested',
      channel: 'pd',
      fingerprint: null,
      kind: 'message',
      content: fromApprovalRequested(requestEvent(during, new Date())),
      status: 'sent',
      orderedAt: new Date(),
    });
    await publishDecision(during);
    await waitFor(() => resolves().includes(dedupKey(during)), { message: 'the approval page of an old replica was not resolved' });
    expect(resolves()).toEqual([dedupKey(during)]);
  });

  it('keeps the order of rows an old replica writes (no order key) and shares the order marks with it', async () => {
    const repo = h.app.get(DeliveriesRepository);
    const fp = fingerprint();
    const at = Date.now() - 60_000;
    // A channel no loop of this replica serves: only the test claims. The resolve's row is inserted first.
    await oldReplicaInsert(db, schema, {
      channel: 'elsewhere',
      fingerprint: fp,
      kind: 'resolved',
      content: {},
      status: 'pending',
      orderedAt: new Date(at + 1_000),
    });
    const trigger = await oldReplicaInsert(db, schema, {
      channel: 'elsewhere',
      fingerprint: fp,
      kind: 'firing',
      content: {},
      status: 'pending',
      orderedAt: new Date(at),
    });
    const claim = () => db.transaction((manager) => repo.claimDue(manager, 'elsewhere', 10, new Date(), new Date(Date.now() + 60_000)));
    expect((await claim()).map((d) => [d.id, d.orderKey])).toEqual([[trigger, fp]]);

    // The previous release marks what it sent in alert_marks.fingerprint; this release reads the same marks.
    const late = await oldReplicaInsert(db, schema, {
      channel: 'elsewhere',
      fingerprint: fingerprint(),
      kind: 'firing',
      content: {},
      status: 'pending',
      orderedAt: new Date(at),
    });
    const [{ fingerprint: lateFp }] = await db.query(`SELECT fingerprint FROM ${table(schema, 'deliveries')} WHERE id = $1`, [late]);
    await db.query(
      `INSERT INTO ${table(schema, 'alert_marks')} (channel, target, fingerprint, sent_ordered_at, updated_at)
       SELECT $1, u.target, u.fingerprint, max(u.ordered_at), $5 FROM unnest($2::text[], $3::text[], $4::timestamptz[]) AS u(target, fingerprint, ordered_at)
        GROUP BY u.target, u.fingerprint
       ON CONFLICT (channel, target, fingerprint) DO UPDATE
         SET sent_ordered_at = GREATEST(${table(schema, 'alert_marks')}.sent_ordered_at, EXCLUDED.sent_ordered_at), updated_at = EXCLUDED.updated_at`,
      ['elsewhere', ['default'], [lateFp], [new Date(at + 5_000)], new Date()],
    );
    const round = await db.transaction((manager) =>
      repo.claimOntoWire(manager, 'elsewhere', 10, new Date(), new Date(Date.now() + 60_000), { tokens: 10, refilledAt: new Date() }),
    );
    expect(round).toEqual({ deliveries: [], superseded: 1 });
    const [row] = await db.query(`SELECT status FROM ${table(schema, 'deliveries')} WHERE id = $1`, [late]);
    expect(row).toEqual({ status: 'skipped' });
  });

  it('sends the resolve after its request when the decider clock runs behind the requester', async () => {
    const approvalId = randomUUID();
    const requested = requestEvent(approvalId, new Date());
    await h.publisher.publish('runbooks.approval.requested', requested.data, { id: requested.id, time: new Date(requested.time) });
    await waitFor(() => pagerduty.events.length === 1, { message: 'the request was not sent' });
    // The executor replica that decided runs ten minutes behind the one that asked.
    await h.publisher.publish('runbooks.approval.decided', decided(approvalId), { id: randomUUID(), time: new Date(Date.now() - 600_000) });
    await waitFor(() => pagerduty.incidents().get(dedupKey(approvalId))?.status === 'resolved', {
      message: 'the decision was ordered before its request and not sent',
    });
    expect(pagerduty.events.map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
  });

  it('keeps an undecided approval across pruning, so a decision later than the history window still resolves it', async () => {
    const repo = h.app.get(DeliveryHistoryRepository);
    const approvalId = randomUUID();
    const requested = requestEvent(approvalId, new Date());
    await h.publisher.publish('runbooks.approval.requested', requested.data, { id: requested.id });
    await waitFor(() => pagerduty.events.length === 1, { message: 'the request was not sent' });
    const count = async () => {
      const [row] = await db.query(
        `SELECT (SELECT count(*)::int FROM ${table(schema, 'deliveries')} WHERE approval_id = $1) AS deliveries,
                (SELECT count(*)::int FROM ${table(schema, 'approval_pages')} WHERE approval_id = $1) AS pages`,
        [approvalId],
      );
      return row as { deliveries: number; pages: number };
    };
    // Everything settled is past the history window.
    const farFuture = () => new Date(Date.now() + 400 * 86_400_000);
    await repo.prune(farFuture());
    expect(await count()).toEqual({ deliveries: 1, pages: 1 });

    await publishDecision(approvalId);
    await waitFor(() => pagerduty.incidents().get(dedupKey(approvalId))?.status === 'resolved', {
      message: 'the late decision resolved nothing',
    });
    await waitFor(
      async () => {
        const [row] = await db.query(
          `SELECT count(*)::int AS n FROM ${table(schema, 'deliveries')} WHERE approval_id = $1 AND status <> 'sent'`,
          [approvalId],
        );
        return row.n === 0;
      },
      { message: 'the decision was not sent' },
    );
    // Decided: now its request, its decision and its page go.
    await repo.prune(farFuture());
    expect(await count()).toEqual({ deliveries: 0, pages: 0 });
  });
});
