import type { Logger } from 'pino';
import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { redactUrl } from '@firebreak/bus';

export type MigrationClass = new () => MigrationInterface;

export interface DatabaseOptions {
  url: string;
  schema: string;
  migrations: MigrationClass[];
  entities?: Array<new (...args: never[]) => unknown>;
  poolSize?: number;
  /** Postgres `application_name` of every connection: who holds a session in pg_stat_activity (`firebreak-<app>`). */
  applicationName?: string;
}

/** The schema a migration runs in: each service's tables live in its own. */
export function schemaOf(queryRunner: QueryRunner): string {
  return (queryRunner.connection.options as { schema?: string }).schema ?? 'public';
}

export function createDataSource(options: DatabaseOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    entities: options.entities ?? [],
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    applicationName: options.applicationName,
    extra: { max: options.poolSize ?? 20, connectionTimeoutMillis: 5_000 },
  });
}

/** Connects (waiting for Postgres when it is not up yet), creates the schema and runs migrations. */
export async function openDatabase(options: DatabaseOptions, logger: Logger, attempts = Number.POSITIVE_INFINITY): Promise<DataSource> {
  const dataSource = createDataSource(options);
  for (let attempt = 1; ; attempt++) {
    try {
      await dataSource.initialize();
      break;
    } catch (error) {
      if (attempt >= attempts) throw error;
      logger.warn({ database: redactUrl(options.url), attempt, err: error }, 'Postgres is not reachable yet; retrying');
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 250 * 2 ** attempt)));
    }
  }
  await migrate(dataSource, logger);
  return dataSource;
}

export async function migrate(dataSource: DataSource, logger: Logger): Promise<void> {
  const schema = (dataSource.options as { schema: string }).schema;
  // Two replicas starting at once must not both run the migrations: a session-level advisory lock.
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [`firebreak-migrate-${schema}`]);
    await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length) logger.info({ schema, migrations: applied.map((m) => m.name) }, 'migrations applied');
  } finally {
    await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [`firebreak-migrate-${schema}`]).catch(() => undefined);
    await runner.release();
  }
}
