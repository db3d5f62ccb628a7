import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { openDatabase } from '@firebreak/platform';
import { resolveDatabaseUrl, uniqueTestId } from '@firebreak/testing';
import { Notification } from '../notifications/notification';
import { NotifierConfig, SERVICE } from '../service';
import { CONTENT_CHARS_PER_STATEMENT, DeliveriesRepository } from './deliveries.repository';
import { NewDelivery } from './delivery.types';

/** Text that an array literal or JSON must carry through untouched. */
const AWKWARD = 'a "quoted" \\ back\\slash, {braced}, NULL, ünïcödé 🔥 \n new line';

function delivery(index: number, overrides: Partial<NewDelivery> = {}): NewDelivery {
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, 0, index));
  return {
    id: randomUUID(),
    announcementId: `announcement-${index}`,
    announcementSubject: 'alerts.notify',
    channel: 'ops',
    channelType: 'webhook',
    target: 'default',
    kind: 'firing',
    severity: 'critical',
    fingerprint: `fp-${index % 7}`,
    title: `alert ${index}`,
    content: { kind: 'firing', title: `alert ${index}`, details: [['started', at.toISOString()]] } as unknown as Notification,
    status: 'pending',
    receivedAt: at,
    // One announcement time for all: the insertion order is what orders them.
    orderedAt: new Date(Date.UTC(2026, 0, 1)),
    ...overrides,
  };
}

describe('DeliveriesRepository.insert', () => {
  const schema = uniqueTestId('t_notifier_insert');
  let db: DataSource;
  let repo: DeliveriesRepository;
  const now = new Date(Date.UTC(2026, 0, 2));

  beforeAll(async () => {
    db = await openDatabase(
      { url: await resolveDatabaseUrl(), schema, migrations: SERVICE.database!.migrations, poolSize: 2 },
      pino({ level: 'silent' }),
      1,
    );
    repo = new DeliveriesRepository(db, { dbSchema: schema } as NotifierConfig);
  }, 60_000);

  afterAll(async () => {
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db.destroy();
  });

  const stored = (ids: string[]) =>
    db.query<Array<Record<string, unknown>>>(`SELECT * FROM "${schema}".deliveries WHERE id = ANY($1) ORDER BY seq`, [ids]);

  it('splits a batch whose contents are too large for one jsonb into statements, keeping the order and every id', async () => {
    const rows = Array.from({ length: 7 }, (_, index) =>
      delivery(index, { content: { kind: 'firing', title: 'x'.repeat(1000) } as unknown as Notification }),
    );
    const statements: string[] = [];
    const manager = { query: (sql: string, parameters: unknown[]) => (statements.push(sql), db.manager.query(sql, parameters)) };
    repo.contentCharsPerStatement = 2500;
    try {
      expect(await repo.insert(manager as never, rows, now)).toEqual(rows.map((row) => row.id));
    } finally {
      repo.contentCharsPerStatement = CONTENT_CHARS_PER_STATEMENT;
    }
    expect(statements).toHaveLength(4);
    expect((await stored(rows.map((row) => row.id))).map((row) => row.id)).toEqual(rows.map((row) => row.id));
  });

  it('keeps the order given (the seq an alert’s queue is ordered by), beyond the old 2,000-row chunks', async () => {
    const rows = Array.from({ length: 2_500 }, (_, index) => delivery(index));
    // Not in id order: the insertion order must come from the list, not from a sort.
    rows.reverse();
    const inserted = await db.transaction((manager) => repo.insert(manager, rows, now));
    expect(inserted).toHaveLength(2_500);
    expect((await stored(rows.map((row) => row.id))).map((row) => row.id)).toEqual(rows.map((row) => row.id));
  }, 60_000);

  it('stores every field as given, awkward text and absent values included', async () => {
    const content = { kind: 'message', title: AWKWARD, details: [[AWKWARD, 'NULL']], nested: { empty: '', list: [] } };
    const rows = [
      delivery(1, {
        title: AWKWARD,
        content: content as unknown as Notification,
        lastError: AWKWARD,
        status: 'skipped',
        orderKey: 'approval:a-1',
        approvalId: 'a-1',
      }),
      delivery(2, { fingerprint: undefined }),
    ];
    await db.transaction((manager) => repo.insert(manager, rows, now));
    const [first, second] = await stored(rows.map((row) => row.id));
    expect(first).toMatchObject({
      announcement_id: 'announcement-1',
      title: AWKWARD,
      content,
      status: 'skipped',
      last_error: AWKWARD,
      fingerprint: 'fp-1',
      order_key: 'approval:a-1',
      approval_id: 'a-1',
      attempts: 0,
    });
    expect(new Date(first.received_at as string)).toEqual(rows[0].receivedAt);
    expect(new Date(first.next_attempt_at as string)).toEqual(now);
    expect(second).toMatchObject({ fingerprint: null, order_key: null, approval_id: null, last_error: null, status: 'pending' });
  });

  it('leaves a delivery already recorded alone and returns only the new ones', async () => {
    const [kept] = [delivery(3)];
    await db.transaction((manager) => repo.insert(manager, [kept], now));
    const fresh = delivery(4);
    const again = { ...kept, title: 'changed', content: { kind: 'firing', title: 'changed' } as unknown as Notification };
    const inserted = await db.transaction((manager) => repo.insert(manager, [again, fresh, again], now));
    expect(inserted).toEqual([fresh.id]);
    expect((await stored([kept.id]))[0]).toMatchObject({ title: 'alert 3' });
    expect(await db.transaction((manager) => repo.insert(manager, [], now))).toEqual([]);
  });
});
