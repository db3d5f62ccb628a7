import { DataSource } from 'typeorm';
import { resolveDatabaseUrl, uniqueTestId } from '@firebreak/testing';
import { messagingTablesUpSql, outboxDeletePublishedDownSql, outboxDeletePublishedUpSql, outboxRetriesUpSql } from './messaging-tables';

/** The migration to deleting published rows, on an outbox as the code before it left it. */
describe('outbox migration to deleting published rows', () => {
  let schema: string;
  let dataSource: DataSource;

  beforeAll(async () => {
    schema = uniqueTestId('outbox_tables');
    dataSource = await new DataSource({ type: 'postgres', url: await resolveDatabaseUrl(), schema }).initialize();
    await dataSource.query(`CREATE SCHEMA "${schema}"`);
    for (const sql of [...messagingTablesUpSql(schema), ...outboxRetriesUpSql(schema)]) await dataSource.query(sql);
  });

  afterAll(async () => {
    if (dataSource?.isInitialized) {
      await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await dataSource.destroy();
    }
  });

  async function indexes(): Promise<string[]> {
    const rows: Array<{ indexname: string }> = await dataSource.query(
      `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'outbox' ORDER BY indexname`,
      [schema],
    );
    return rows.map((row) => row.indexname);
  }

  it('removes the rows marked sent and their index, keeping unsent and dead rows; down brings the index back', async () => {
    await dataSource.query(
      `INSERT INTO "${schema}".outbox (id, subject, event, sent_at, dead_at) VALUES
        ('sent', 'alerts.received', '{}', now(), NULL),
        ('unsent', 'alerts.received', '{}', NULL, NULL),
        ('dead', 'alerts.received', '{}', NULL, now())`,
    );
    expect(await indexes()).toEqual(['outbox_due_idx', 'outbox_pkey', 'outbox_sent_idx']);

    for (const sql of outboxDeletePublishedUpSql(schema)) await dataSource.query(sql);
    expect(await dataSource.query(`SELECT id FROM "${schema}".outbox ORDER BY id`)).toEqual([{ id: 'dead' }, { id: 'unsent' }]);
    expect(await indexes()).toEqual(['outbox_due_idx', 'outbox_pkey']);

    for (const sql of outboxDeletePublishedDownSql(schema)) await dataSource.query(sql);
    expect(await indexes()).toEqual(['outbox_due_idx', 'outbox_pkey', 'outbox_sent_idx']);
  });
});
