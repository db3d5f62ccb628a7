import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@firebreak/testing';
import { CountingReceiver } from '../chaos/receiver';
import { App, ROOT, Stack } from '../stack';
import { deliveryStats, DeliveryStats } from './deliveries';

export const TOKEN = 'bench-token-0123456789';
const WEBHOOK_PATH = '/api/v1/alerts/alertmanager';

/**
 * One webhook channel that takes everything: no rate limit, no folding, 256 sends on the wire (the
 * default of 4 suits a chat channel, not a machine at 1,000 alerts/s).
 */
function channelsYaml(url: string): string {
  return [
    'channels:',
    `  - { name: bench-hook, type: webhook, url: "${url}", rateLimit: { perMinute: 100000, burst: 10000 }, concurrency: 256, fold: false }`,
    'routes:',
    '  - { matchers: [], channels: [bench-hook] }',
    '',
  ].join('\n');
}

/** The repo's escalation policy with every level off: the bench counts the first announcement only. */
function quietEscalation(): Record<string, string> {
  const file = join(ROOT, 'config', 'escalation.yaml');
  if (!existsSync(file)) return {};
  return { 'escalation.yaml': readFileSync(file, 'utf8').replace(/^(\s+(critical|error|warning|info)):.*$/gm, '$1: none') };
}

/**
 * Built services as processes (see Stack) whose notifier delivers to a local webhook receiver that
 * counts each alert's deliveries: the ingress → mapper → notifier pipeline by default, or the whole
 * stack with `apps`.
 */
export class BenchPipeline {
  readonly receiver = new CountingReceiver();
  stack?: Stack;

  constructor(private readonly apps: readonly App[] = ['ingress', 'mapper', 'notifier']) {}

  /** Pipelines started and not yet stopped: what an interrupted run must still remove. */
  static readonly running = new Set<BenchPipeline>();

  /** Starts the receiver and the services; on failure stops what did start, then throws. */
  async start(): Promise<void> {
    BenchPipeline.running.add(this);
    try {
      await this.startAll();
    } catch (error) {
      await this.stop().catch(() => undefined);
      throw error;
    }
  }

  private async startAll(): Promise<void> {
    await this.receiver.start();
    this.stack = new Stack({
      apps: [],
      env: { FIREBREAK_WEBHOOK_TOKENS: TOKEN, LOG_LEVEL: 'error' },
      configFiles: { 'channels.yaml': channelsYaml(this.receiver.url), ...quietEscalation() },
    });
    await this.stack.start();
    // One after the other: Stack gives each service 60 s to be ready, and seven Nest apps starting at
    // once on a busy 2-core machine can take longer than that between them.
    for (const app of this.apps) await this.startService(app);
  }

  /** A second chance for a service that was not ready within Stack's 60 s (the machine is shared). */
  private async startService(app: App): Promise<void> {
    try {
      await this.stack!.startService(app);
    } catch (error) {
      if (!String(error).includes('not ready')) throw error;
      await this.stack!.stopService(app, 'SIGTERM');
      await this.stack!.startService(app);
    }
  }

  get webhookUrl(): string {
    return `${this.stack!.url('ingress')}${WEBHOOK_PATH}`;
  }

  /** Waits until every alert sent has been delivered (or `timeoutMs` passed), then counts. */
  async settle(sentAt: ReadonlyMap<string, number>, timeoutMs: number): Promise<DeliveryStats & { drained: boolean }> {
    const drained = await waitFor(() => deliveryStats(sentAt, this.receiver.deliveries).missing === 0, {
      timeoutMs,
      intervalMs: 100,
    }).then(
      () => true,
      () => false,
    );
    return { ...deliveryStats(sentAt, this.receiver.deliveries), drained };
  }

  /** Waits until nothing has reached the channel for `quietMs` (an earlier part's backlog is through). */
  async quiet(quietMs = 2_000, timeoutMs = 60_000): Promise<boolean> {
    let seen = -1;
    let since = Date.now();
    return waitFor(
      () => {
        if (this.receiver.requests !== seen) [seen, since] = [this.receiver.requests, Date.now()];
        return Date.now() - since >= quietMs;
      },
      { timeoutMs, intervalMs: 200 },
    ).then(
      () => true,
      () => false,
    );
  }

  async stop(): Promise<void> {
    BenchPipeline.running.delete(this);
    await this.stack?.cleanUp();
    await this.receiver.stop();
  }
}
