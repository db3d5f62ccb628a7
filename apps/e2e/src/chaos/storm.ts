import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort, resolveDatabaseUrl, TcpProxy, uniqueTestId, waitFor } from '@firebreak/testing';
import { ROOT } from '../stack';
import { PrivateNats, ServiceProcess } from './processes';
import { duplicates } from './duplicates';
import { CountingReceiver } from './receiver';
import { AlertmanagerLikeSender, sleep, SenderStats } from './sender';

const TOKEN = 'chaos-webhook-token-0001';
/** The webhook channel's sends in flight: what one `kill -9` of the notifier can repeat at most. */
export const CHANNEL_CONCURRENCY = 4;
const NOTIFY_HTTP_TIMEOUT_MS = 5_000;
const APPS = ['ingress', 'mapper', 'notifier'] as const;
type App = (typeof APPS)[number];

export interface ChaosOptions {
  /** Unique critical alerts: each fires once, then resolves once. */
  alerts: number;
  /** How long Postgres stays cut off behind the proxy. */
  postgresCutMs: number;
  /** How long nats-server stays dead before it is restarted on its store. */
  natsDownMs: number;
  /** Sender pace, alerts per second (10 per request), and requests in flight. */
  alertsPerSec: number;
  inFlight: number;
  /** How long to wait for every delivery after the last request was accepted. */
  drainTimeoutMs: number;
  log?: (message: string) => void;
}

export interface FaultRecord {
  name: string;
  phase: 'firing' | 'resolved';
  /** When it began and when every service was ready again, in ms since the storm began. */
  atMs: number;
  recoveredMs: number;
}

export interface ChaosResult {
  alerts: number;
  drained: boolean;
  sender: SenderStats;
  lost: { firing: number; resolved: number; sample: string[] };
  duplicated: {
    firing: number;
    resolved: number;
    total: number;
    /** Duplicates whose idempotency-key is the one their first delivery carried. */
    sameIdempotencyKey: number;
    otherIdempotencyKey: number;
    /** By fault: the one begun within 2 s after the first delivery, else the one under way then; `none` outside every fault. */
    byFault: Record<string, number>;
  };
  notifierKills: number;
  channelConcurrency: number;
  /** channelConcurrency × notifierKills: the most a correct notifier can repeat. */
  duplicatesAllowed: number;
  notifier: { pending: number; failed: number; other: number };
  timingsMs: { firingSend: number; firingDrain: number; resolveSend: number; drain: number; total: number };
  faults: FaultRecord[];
}

interface Fault {
  name: string;
  /** Triggered once this share of the phase's requests has been started. */
  at: number;
  act: () => Promise<void>;
}

function channelsYaml(url: string): string {
  return [
    'channels:',
    `  - { name: chaos-hook, type: webhook, url: "${url}", rateLimit: { perMinute: 100000, burst: 10000 }, fold: false, concurrency: ${CHANNEL_CONCURRENCY} }`,
    'routes:',
    '  - { matchers: [], channels: [chaos-hook] }',
    '',
  ].join('\n');
}

/**
 * The storm of issue 8: unique critical alerts through the ingress from an Alertmanager-like sender,
 * with `kill -9` of the mapper, the notifier and the ingress, nats-server killed and restarted on its
 * store and Postgres cut off while they fire; the notifier killed once more while they resolve.
 * Counted at a webhook receiver per fingerprint and kind.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const log = options.log ?? (() => undefined);
  const began = Date.now();
  const since = () => Date.now() - began;
  const prefix = uniqueTestId('chaos');
  const workDir = mkdtempSync(join(tmpdir(), 'firebreak-chaos-'));
  const configDir = join(workDir, 'config');
  const databaseUrl = await resolveDatabaseUrl();
  const receiver = new CountingReceiver();
  const nats = new PrivateNats(await freePort(), join(workDir, 'jetstream'));
  const target = new URL(databaseUrl);
  const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
  const services = new Map<App, ServiceProcess>();
  const schemaOf = (app: App) => `${prefix}_${app}`;
  const faults: FaultRecord[] = [];
  let notifierKills = 0;

  try {
    await receiver.start();
    if (existsSync(join(ROOT, 'config'))) cpSync(join(ROOT, 'config'), configDir, { recursive: true });
    writeFileSync(join(configDir, 'channels.yaml'), channelsYaml(receiver.url));
    // The storm counts firing and resolved announcements only: no escalation while it runs.
    const escalation = join(configDir, 'escalation.yaml');
    if (existsSync(escalation))
      writeFileSync(escalation, readFileSync(escalation, 'utf8').replace(/^(\s+(critical|error|warning|info)):.*$/gm, '$1: none'));
    await nats.start();
    await proxy.start();
    const proxied = new URL(databaseUrl);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    const env = {
      NATS_URL: nats.url,
      DATABASE_URL: proxied.toString(),
      FIREBREAK_SUBJECT_PREFIX: prefix,
      FIREBREAK_CONFIG_DIR: configDir,
      FIREBREAK_HTTP_HOST: '127.0.0.1',
      FIREBREAK_WEBHOOK_TOKENS: TOKEN,
      FIREBREAK_AUTOMATION_ENABLED: 'false',
      FIREBREAK_NOTIFY_HTTP_TIMEOUT_MS: String(NOTIFY_HTTP_TIMEOUT_MS),
      LOG_LEVEL: 'warn',
    };
    for (const app of APPS) services.set(app, new ServiceProcess(app, await freePort(), { ...env, FIREBREAK_DB_SCHEMA: schemaOf(app) }));
    await Promise.all([...services.values()].map((service) => service.start()));
    log(`stack ready after ${since()} ms (prefix ${prefix}, nats ${nats.url}, postgres via :${proxy.port})`);

    const service = (app: App) => services.get(app)!;
    const allReady = () => Promise.all([...services.values()].map((s) => s.waitReady(90_000)));
    const crash = (app: App) => async () => {
      await service(app).kill9();
      if (app === 'notifier') notifierKills++;
      await service(app).start();
    };
    const killNats = async () => {
      await nats.kill9();
      await sleep(options.natsDownMs);
      await nats.start();
    };
    const cutPostgres = async () => {
      await proxy.cut();
      await sleep(options.postgresCutMs);
      await proxy.restore();
    };

    const sender = new AlertmanagerLikeSender(`${service('ingress').url}/api/v1/alerts/alertmanager`, TOKEN, prefix, options.alerts);
    const fingerprints = sender.alerts.map((alert) => alert.fingerprint);
    const missing = (kind: string) => fingerprints.filter((fingerprint) => receiver.count(fingerprint, kind) === 0);

    const storm = async (phase: 'firing' | 'resolved', plan: Fault[]) => {
      const total = sender.requestCount;
      let done = 0;
      const gate = () => (done + 1 < plan.length ? Math.ceil(plan[done + 1].at * total) : total);
      const sending = sender.phase({ status: phase, inFlight: options.inFlight, requestsPerSec: options.alertsPerSec / 10, gate });
      const faulting = (async () => {
        for (const fault of plan) {
          await waitFor(() => sender.started >= Math.ceil(fault.at * total), { timeoutMs: 600_000, intervalMs: 20 });
          const atMs = since();
          log(`${phase}: ${fault.name} (${sender.started}/${total} requests started)`);
          await fault.act();
          await allReady();
          faults.push({ name: fault.name, phase, atMs, recoveredMs: since() });
          log(`${phase}: ${fault.name} recovered in ${since() - atMs} ms`);
          done++;
        }
      })();
      await Promise.all([sending, faulting]);
    };

    const firingStart = Date.now();
    await storm('firing', [
      { name: 'kill -9 mapper', at: 0.1, act: crash('mapper') },
      { name: 'kill -9 notifier', at: 0.25, act: crash('notifier') },
      { name: 'kill -9 ingress', at: 0.4, act: crash('ingress') },
      { name: 'nats-server killed', at: 0.55, act: killNats },
      { name: 'postgres cut', at: 0.7, act: cutPostgres },
    ]);
    const firingSent = Date.now();
    log(`firing: all ${sender.requestCount} requests accepted after ${firingSent - firingStart} ms; waiting for delivery`);
    let drained = await waitFor(() => missing('firing').length === 0, { timeoutMs: options.drainTimeoutMs, intervalMs: 200 }).then(
      () => true,
      () => false,
    );
    const firingDelivered = Date.now();
    log(`firing: ${drained ? 'all delivered' : `${missing('firing').length} not delivered`} after ${firingDelivered - firingSent} ms`);

    const resolveStart = Date.now();
    if (drained) await storm('resolved', [{ name: 'kill -9 notifier', at: 0.3, act: crash('notifier') }]);
    const resolveSent = Date.now();

    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    const deliveryStates = async () => {
      const rows = (
        await db.query<{ status: string; n: string }>(
          `SELECT status, count(*) AS n FROM "${schemaOf('notifier')}".deliveries GROUP BY status`,
        )
      ).rows;
      const of = (status: string) => Number(rows.find((row) => row.status === status)?.n ?? 0);
      return { pending: of('pending'), failed: of('failed') };
    };
    let states = { pending: -1, failed: 0 };
    if (drained) {
      log(`resolved: all ${sender.requestCount} requests accepted after ${resolveSent - resolveStart} ms; waiting for drain`);
      drained = await waitFor(
        async () => {
          if (missing('firing').length + missing('resolved').length > 0) return false;
          states = await deliveryStates();
          return states.pending === 0;
        },
        { timeoutMs: options.drainTimeoutMs, intervalMs: 500 },
      ).then(
        () => true,
        () => false,
      );
    }
    const drainedAt = Date.now();
    // Anything still on its way shows up in the counts.
    await sleep(2_000);
    states = await deliveryStates();
    await db.end();
    log(`drain ${drained ? 'complete' : 'timed out'} after ${drainedAt - resolveSent} ms`);

    return {
      alerts: options.alerts,
      drained,
      sender: sender.stats,
      lost: {
        firing: missing('firing').length,
        resolved: missing('resolved').length,
        sample: [...missing('firing').map((f) => `${f} firing`), ...missing('resolved').map((f) => `${f} resolved`)].slice(0, 10),
      },
      duplicated: duplicates(receiver, faults, began),
      notifierKills,
      channelConcurrency: CHANNEL_CONCURRENCY,
      duplicatesAllowed: CHANNEL_CONCURRENCY * notifierKills,
      notifier: { ...states, other: receiver.other },
      timingsMs: {
        firingSend: firingSent - firingStart,
        firingDrain: firingDelivered - firingSent,
        resolveSend: resolveSent - resolveStart,
        drain: drainedAt - resolveSent,
        total: Date.now() - began,
      },
      faults,
    };
  } catch (error) {
    const tails = [...services.values()].map((s) => `--- ${s.app} ---\n${s.output(15)}`).join('\n');
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${tails}\n--- nats ---\n${nats.output(10)}`, {
      cause: error,
    });
  } finally {
    await Promise.all([...services.values()].map((s) => s.stop()));
    await nats.stop();
    await proxy.stop();
    await receiver.stop();
    await dropSchemas(databaseUrl, APPS.map(schemaOf)).catch(() => undefined);
    rmSync(workDir, { recursive: true, force: true });
  }
}

async function dropSchemas(databaseUrl: string, schemas: string[]): Promise<void> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    for (const schema of schemas) await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await db.end();
  }
}
