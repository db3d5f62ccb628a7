import cluster, { Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { serveClusterMetrics } from './cluster-metrics';

// A worker that dies this soon after it started counts as failing to start; this many in a row and
// the primary gives up (exit 1), so whoever started the ingress sees it down rather than a restart loop.
const QUICK_EXIT_MS = 10_000;
const MAX_QUICK_EXITS = 5;

/**
 * The ingress primary: forks `count` workers that share one listening port (node:cluster; the
 * primary hands each new connection to the next worker), restarts one that dies, serves the summed
 * metrics, and on SIGTERM stops every worker gracefully (each drains its in-flight requests) and
 * exits once they all have. It parses and publishes nothing itself.
 */
export function runPrimary(count: number, logger: Logger): void {
  let stopping = false;
  let quickExits = 0;
  const startedAt = new Map<Worker, number>();

  const fork = () => startedAt.set(cluster.fork(), Date.now());

  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (startedAt.get(worker) ?? 0);
    startedAt.delete(worker);
    // process.exit() with no code exits with process.exitCode: 1 once the primary gave up.
    if (stopping) {
      if (startedAt.size === 0) process.exit();
      return;
    }
    quickExits = lived < QUICK_EXIT_MS ? quickExits + 1 : 0;
    if (quickExits >= MAX_QUICK_EXITS) {
      logger.fatal({ code, signal, quickExits }, 'ingress workers keep dying right after they start; stopping the ingress');
      process.exitCode = 1;
      stopAll('SIGTERM');
      return;
    }
    // Its accepted alerts are in JetStream already; requests it held unanswered get a reset and the
    // sender retries them (the same event ids: JetStream drops what had got through).
    logger.error({ pid: worker.process.pid, code, signal }, 'an ingress worker died; starting another');
    fork();
  });

  const stopAll = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const worker of startedAt.keys()) worker.process.kill(signal);
    if (startedAt.size === 0) process.exit();
  };
  process.once('SIGTERM', () => {
    logger.info({ workers: startedAt.size }, 'ingress stopping its workers');
    stopAll('SIGTERM');
  });
  // A terminal's Ctrl-C reaches the workers too (one process group); a second signal would make
  // them skip draining, so the primary only waits for them.
  process.once('SIGINT', () => {
    stopping = true;
    if (startedAt.size === 0) process.exit();
  });

  serveClusterMetrics();
  for (let index = 0; index < count; index++) fork();
  logger.info({ workers: count, pid: process.pid }, 'ingress primary started its workers on one port');
}
