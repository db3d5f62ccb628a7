import { resolveNatsUrl, uniqueTestId, webhookBody } from '@firebreak/testing';
import { startIngress, stopIngress } from '../testing/ingress-harness';

/**
 * CPU the ingress process spends per alert on the webhook route, in-process (Fastify's inject: no
 * sockets, no load generator competing for the cores, bodies built before the clock starts), so a
 * change to the route's own pipeline shows through a busy machine where main.ts's numbers swing ±30 %.
 * Every alert is still acked by JetStream (nats-server on NATS_URL or this box) before its 200.
 *   node dist/apps/ingress/src/bench/route-cpu.js [--requests=2000] [--concurrency=25]
 * To compare two builds, run each several times, alternately, and compare the medians.
 */
const args = Object.fromEntries(
  process.argv
    .slice(2)
    .map((arg) => /^--([a-z-]+)=(.*)$/.exec(arg))
    .filter((match) => match !== null)
    .map((match) => [match[1], match[2]]),
);
const REQUESTS = Number(args.requests ?? 2000);
const CONCURRENCY = Number(args.concurrency ?? 25);
const ALERTS_PER_REQUEST = 10;
const WARM_UP_REQUESTS = 300;
const TOKEN = 'bench-token-0123456789';

type App = Awaited<ReturnType<typeof startIngress>>;

/** Posts every body, CONCURRENCY at a time; the number that were not answered 200. */
async function post(app: App, bodies: string[]): Promise<number> {
  const fastify = app.getHttpAdapter().getInstance();
  let next = 0;
  let failed = 0;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };
  const worker = async () => {
    while (next < bodies.length) {
      const payload = bodies[next++];
      const response = await fastify.inject({ method: 'POST', url: '/api/v1/alerts/alertmanager', headers, payload });
      if (response.statusCode !== 200) failed++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return failed;
}

const bodies = (run: string, count: number) => Array.from({ length: count }, (_, index) => webhookBody(run, index, ALERTS_PER_REQUEST));

async function main(): Promise<void> {
  // eslint-disable-next-line no-restricted-syntax -- the in-process ingress's environment, as its own process would get it
  Object.assign(process.env, {
    NATS_URL: await resolveNatsUrl(),
    FIREBREAK_SUBJECT_PREFIX: uniqueTestId('routecpu'),
    FIREBREAK_WEBHOOK_TOKENS: TOKEN,
    LOG_LEVEL: 'error',
  });
  const app = await startIngress();
  try {
    const run = `r${Date.now()}`;
    await post(app, bodies(`${run}w`, WARM_UP_REQUESTS));
    const measured = bodies(run, REQUESTS);
    const before = process.cpuUsage();
    const failed = await post(app, measured);
    const cpu = process.cpuUsage(before);
    const alerts = (REQUESTS - failed) * ALERTS_PER_REQUEST;
    const cpuUsPerAlert = alerts > 0 ? Math.round((cpu.user + cpu.system) / alerts) : undefined;
    process.stdout.write(`${JSON.stringify({ requests: REQUESTS, alertsPerRequest: ALERTS_PER_REQUEST, failed, cpuUsPerAlert })}\n`);
  } finally {
    await stopIngress(app);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
