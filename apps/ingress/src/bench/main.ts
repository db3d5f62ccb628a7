import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import autocannon from 'autocannon';
import { alertmanagerBody, webhookBody } from '@firebreak/testing';
import { natsServerCpuSeconds, Running, startAlertmanager, startIngress } from './processes';

/**
 * The ingress alone (nats-server on this box, every alert acked by JetStream before the 200) against
 * Alertmanager's new-alert ingest, alternated in the same run so both see the same machine.
 *   node dist/apps/ingress/src/bench/main.js [--duration=10] [--rounds=3] [--workers=1,2]
 *     [--baseline=<another build's dist/apps/ingress/src/main.js, measured in the same rounds>] [--cpu-prof=<dir>]
 * (after `npm run build`). --workers: FIREBREAK_INGRESS_WORKERS of each variant.
 */
const args = Object.fromEntries(
  process.argv
    .slice(2)
    .map((arg) => /^--([a-z-]+)=(.*)$/.exec(arg))
    .filter((match) => match !== null)
    .map((match) => [match[1], match[2]]),
);
const CONNECTIONS = 50;
const ALERTS_PER_REQUEST = 10;
const DURATION_SEC = Number(args.duration ?? 10);
const ROUNDS = Number(args.rounds ?? 3);
const WORKERS = [...(args.baseline ? ['baseline'] : []), ...(args.workers ?? '1,2').split(',').map((value) => value.trim())];
const TOKEN = 'bench-token-0123456789';
const INGRESS_MAIN = join(__dirname, '..', 'main.js');

interface Load {
  alertsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** CPU the server (all its processes) spent per accepted alert: steadier than alerts/s on a shared box. */
  cpuUsPerAlert?: number;
  /**
   * What else the same two cores spent per accepted alert: nats-server (storing and acking what the ingress
   * publishes; Alertmanager does not use it) and this process, the load generator (building the bodies, HTTP).
   */
  natsCpuUsPerAlert?: number;
  loadCpuUsPerAlert?: number;
}

async function load(url: string, headers: Record<string, string>, body: (sequence: number) => string): Promise<Load> {
  let sequence = 0;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION_SEC,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        setupRequest: (request) => ({ ...request, body: body(sequence++) }),
      },
    ],
  });
  const ok = result.requests.total - result.non2xx;
  return {
    alertsPerSec: Math.round((ok * ALERTS_PER_REQUEST) / DURATION_SEC),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

async function measure(
  start: () => Promise<Running>,
  path: string,
  headers: Record<string, string>,
  body: (run: string, sequence: number) => string,
): Promise<Load> {
  const running = await start();
  try {
    const run = `r${Date.now()}`;
    const cpuBefore = running.cpuSeconds();
    const natsBefore = natsServerCpuSeconds();
    const loadBefore = process.cpuUsage();
    const result = await load(`${running.url}${path}`, headers, (sequence) => body(run, sequence));
    const alerts = result.alertsPerSec * DURATION_SEC;
    const loadUsed = process.cpuUsage(loadBefore);
    const perAlert = (cpuUs: number) => (alerts > 0 ? Math.round(cpuUs / alerts) : undefined);
    return {
      ...result,
      cpuUsPerAlert: perAlert((running.cpuSeconds() - cpuBefore) * 1e6),
      natsCpuUsPerAlert: perAlert((natsServerCpuSeconds() - natsBefore) * 1e6),
      loadCpuUsPerAlert: perAlert(loadUsed.user + loadUsed.system),
    };
  } finally {
    await running.stop();
  }
}

const alertmanager = () =>
  measure(startAlertmanager, '/api/v2/alerts', {}, (run, sequence) => alertmanagerBody(run, sequence, ALERTS_PER_REQUEST));

const ingress = (variant: string) => {
  const baseline = variant === 'baseline';
  const workers = baseline ? '1' : variant;
  const profDir = args['cpu-prof'];
  const execArgv = profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
  const env = { FIREBREAK_WEBHOOK_TOKENS: TOKEN, FIREBREAK_INGRESS_WORKERS: workers };
  return measure(
    () => startIngress(baseline ? args.baseline : INGRESS_MAIN, env, execArgv),
    '/api/v1/alerts/alertmanager',
    { authorization: `Bearer ${TOKEN}` },
    (run, sequence) => webhookBody(run, sequence, ALERTS_PER_REQUEST),
  );
};

const spread = (values: number[]) => ({
  min: Math.min(...values),
  median: [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)],
  max: Math.max(...values),
});
const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;

async function main(): Promise<void> {
  const rounds: Array<{
    alertmanager: Load;
    ingress: Record<string, Load>;
    ratio: Record<string, number>;
    cpuRatio: Record<string, number>;
  }> = [];
  for (let round = 0; round < ROUNDS; round++) {
    const am = await alertmanager();
    const byWorkers: Record<string, Load> = {};
    const ratios: Record<string, number> = {};
    const cpuRatios: Record<string, number> = {};
    for (const workers of WORKERS) {
      byWorkers[workers] = await ingress(workers);
      ratios[workers] = ratio(byWorkers[workers].alertsPerSec, am.alertsPerSec);
      // Alertmanager's CPU per alert over the ingress's: above 1, the ingress is cheaper per alert.
      cpuRatios[workers] = ratio(am.cpuUsPerAlert ?? 0, byWorkers[workers].cpuUsPerAlert ?? 1);
    }
    rounds.push({ alertmanager: am, ingress: byWorkers, ratio: ratios, cpuRatio: cpuRatios });
    process.stderr.write(`round ${round + 1}: ${JSON.stringify(rounds[round])}\n`);
  }
  const summary = Object.fromEntries(
    WORKERS.map((workers) => [
      `workers=${workers}`,
      {
        ratioToAlertmanager: spread(rounds.map((r) => r.ratio[workers])),
        cpuPerAlertRatio: spread(rounds.map((r) => r.cpuRatio[workers])),
        p99Ms: spread(rounds.map((r) => r.ingress[workers].p99Ms)),
        alertsPerSec: spread(rounds.map((r) => r.ingress[workers].alertsPerSec)),
      },
    ]),
  );
  const machine = { cpus: cpus().length, loadavg: loadavg().map((value) => Math.round(value * 100) / 100), node: process.version };
  process.stdout.write(
    `${JSON.stringify({ connections: CONNECTIONS, alertsPerRequest: ALERTS_PER_REQUEST, durationSec: DURATION_SEC, machine, summary, rounds })}\n`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
