import pino from 'pino';
import { DataSource } from 'typeorm';
import { openDatabase } from '@firebreak/platform';
import { resolveDatabaseUrl, uniqueTestId } from '@firebreak/testing';
import { SERVICE } from '../src/service';

/**
 * Two replicas starting at once, while some other session of the database has a transaction open: both must come up.
 * An index built CONCURRENTLY waits for every older snapshot in the database, and the replica waiting for the
 * migration lock holds one, so such a migration hung both (and any open transaction anywhere blocked the start).
 */
describe('notifier migrations', () => {
  it('finish for two replicas starting together while another transaction is open', async () => {
    const url = await resolveDatabaseUrl();
    const schema = uniqueTestId('t_notifier_migrate');
    const logger = pino({ level: 'silent' });
    const other = new DataSource({ type: 'postgres', url });
    await other.initialize();
    const open = other.createQueryRunner();
    await open.connect();
    await open.startTransaction();
    await open.query('SELECT 1');
    const opened: DataSource[] = [];
    try {
      const options = { url, schema, migrations: SERVICE.database!.migrations, poolSize: 2 };
      opened.push(...(await Promise.all([openDatabase(options, logger, 1), openDatabase(options, logger, 1)])));
      const indexes = await opened[0].query(
        `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND indexname IN ('deliveries_head_idx', 'deliveries_follow_ups_due_idx')`,
        [schema],
      );
      expect(indexes).toHaveLength(2);
    } finally {
      await open.rollbackTransaction();
      await open.release();
      for (const dataSource of opened) await dataSource.destroy();
      await other.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await other.destroy();
    }
  }, 60_000);
});
