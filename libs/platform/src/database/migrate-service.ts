import { ConfigError } from '../config/config-error';
import { createLogger } from '../logging/create-logger';
import { buildConfig, ServiceOptions } from '../config/service-config';
import { openDatabase } from './database';
import { z } from 'zod';

/** `migrate.ts` of a stateful service: apply its migrations to its schema and exit. */
export async function migrateService<Shape extends z.ZodRawShape>(options: ServiceOptions<Shape>): Promise<void> {
  try {
    if (!options.database) throw new Error(`${options.app} keeps no state`);
    const config = buildConfig(options);
    const logger = createLogger(options.app, config.LOG_LEVEL);
    const dataSource = await openDatabase(
      {
        url: config.DATABASE_URL,
        schema: config.dbSchema,
        migrations: options.database.migrations,
        applicationName: `firebreak-${options.app}-migrate`,
      },
      logger,
      1,
    );
    await dataSource.destroy();
    logger.info({ schema: config.dbSchema }, 'schema is up to date');
  } catch (error) {
    process.stderr.write(
      `${options.app} migration failed: ${error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  }
}
