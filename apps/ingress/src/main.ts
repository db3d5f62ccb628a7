import cluster from 'node:cluster';
import { z } from 'zod';
import { createLogger, loadEnv, runService } from '@firebreak/platform';
import { ingressWorkerCount } from './workers/worker-count';
import { announceReady, joinClusterMetrics } from './workers/cluster-metrics';
import { runPrimary } from './workers/primary';

const DESCRIPTION =
  'The webhook edge: Alertmanager, custom alerts and n8n incidents in, one alerts.received.batch per request out, acknowledged by JetStream before the answer.';

/** What the primary reads before any worker (and its full config) exists. */
const PRIMARY_ENV = z
  .object({ FIREBREAK_INGRESS_WORKERS: z.string().optional(), LOG_LEVEL: z.string().default('info') })
  .transform((env, ctx) => {
    try {
      return { workers: ingressWorkerCount(env.FIREBREAK_INGRESS_WORKERS), logLevel: env.LOG_LEVEL };
    } catch (error) {
      ctx.issues.push({
        code: 'custom',
        message: (error as Error).message,
        input: env.FIREBREAK_INGRESS_WORKERS,
        path: ['FIREBREAK_INGRESS_WORKERS'],
      });
      return z.NEVER;
    }
  });

async function startWorker(): Promise<void> {
  if (cluster.isWorker) joinClusterMetrics();
  // Loaded here, not at the top: the primary never needs the Nest app.
  const { AppModule } = await import('./app.module.js');
  const { webhookBodyLimit } = await import('./service.js');
  await runService(AppModule, { app: 'ingress', description: DESCRIPTION, bodyLimit: webhookBodyLimit });
  // Listening now: the primary may ask it for its metrics (before, a scrape would wait on it).
  if (cluster.isWorker) announceReady();
}

function main(): void {
  if (cluster.isWorker) return void startWorker();
  let settings: { workers: number; logLevel: string };
  try {
    settings = loadEnv(PRIMARY_ENV);
  } catch (error) {
    process.stderr.write(`ingress failed to start: ${(error as Error).message}\n`);
    process.exit(1);
  }
  if (settings.workers === 1) return void startWorker();
  runPrimary(settings.workers, createLogger('ingress', settings.logLevel));
}

main();
