import { INestApplication } from '@nestjs/common';
import { createService } from '@firebreak/platform';
import { resolveDatabaseUrl, resolveNatsUrl } from '@firebreak/testing';
import { AppModule } from '../app.module';

export interface BenchExecutorOptions {
  /** Subject prefix and database schema: the run's own. */
  id: string;
  runbooksDir: string;
  httpAllow: string;
  workerConcurrency?: number;
}

/** The executor in this process for a benchmark, configured through the environment as a deployed one is. */
export async function startBenchExecutor(options: BenchExecutorOptions): Promise<INestApplication> {
  Object.assign(process.env, {
    NATS_URL: await resolveNatsUrl(),
    DATABASE_URL: await resolveDatabaseUrl(),
    FIREBREAK_SUBJECT_PREFIX: options.id,
    FIREBREAK_DB_SCHEMA: options.id,
    FIREBREAK_RUNBOOKS_DIR: options.runbooksDir,
    FIREBREAK_CONFIG_DIR: options.runbooksDir,
    FIREBREAK_RUNBOOK_HTTP_ALLOW: options.httpAllow,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
    ...(options.workerConcurrency ? { FIREBREAK_WORKER_CONCURRENCY: String(options.workerConcurrency) } : {}),
  });
  const app = await createService(AppModule, { app: 'runbook-executor', description: 'bench' });
  await app.init();
  return app;
}
