import { FakePagerDuty, FakeSlack, FakeTelegram, FakeWebhook, resolveDatabaseUrl, resolveNatsUrl, uniqueTestId } from '@firebreak/testing';
import { AppModule } from '../app.module';
import { NotifierHarness } from './notifier-harness';

export const BOT_TOKEN = '123456:test-token';
export const ROUTING_KEY = 'R'.repeat(32);
export const N8N_TOKEN = 'n8n-secret-token';
export const VIEWER = 'viewer-token-1';
export const OPERATOR = 'operator-token-1';

const FAST = 'rateLimit: { perMinute: 6000, burst: 200 }';

/** The shipped routes, plus a minSeverity rule and a disabled channel; secrets by ${ENV} as in production. */
export const CHANNELS_YAML = `
channels:
  - { name: oncall-telegram, type: telegram, botToken: "\${TELEGRAM_BOT_TOKEN}", chatIds: ["-1001", "-1002"], ${FAST} }
  - { name: team-slack, type: slack, webhookUrl: "\${SLACK_WEBHOOK_URL}", ${FAST} }
  - { name: pagerduty, type: pagerduty, routingKey: "\${PAGERDUTY_ROUTING_KEY}", ${FAST} }
  - { name: n8n, type: webhook, url: "\${N8N_WEBHOOK_URL}", headers: { Authorization: "Bearer \${N8N_TOKEN}" }, ${FAST} }
  - { name: later, type: webhook, url: "\${NOTIFIER_TEST_UNSET_URL}" }
routes:
  - { matchers: ['severity="critical"'], channels: [pagerduty, oncall-telegram, team-slack] }
  - { matchers: ['team="db"'], channels: [n8n], minSeverity: error }
  - { matchers: ['severity=~"warning|error"'], channels: [team-slack], minSeverity: warning }
  - { matchers: ['team="automation"'], channels: [n8n, later] }
`;

/** The four providers as real HTTP servers, and the environment that points the notifier at them. */
export class ProviderFakes {
  readonly telegram = new FakeTelegram({ validToken: BOT_TOKEN });
  readonly slack = new FakeSlack();
  readonly pagerduty = new FakePagerDuty();
  readonly webhook = new FakeWebhook();
  private readonly all = [this.telegram, this.slack, this.pagerduty, this.webhook];

  async start(): Promise<void> {
    await Promise.all(this.all.map((fake) => fake.start()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.all.map((fake) => fake.stop()));
  }

  reset(): void {
    this.all.forEach((fake) => fake.reset());
  }

  env(): Record<string, string> {
    return {
      TELEGRAM_API_URL: this.telegram.url,
      PAGERDUTY_EVENTS_URL: this.pagerduty.eventsUrl,
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      SLACK_WEBHOOK_URL: this.slack.webhookUrl(),
      PAGERDUTY_ROUTING_KEY: ROUTING_KEY,
      N8N_WEBHOOK_URL: `${this.webhook.url}/webhook/firebreak`,
      N8N_TOKEN,
      FIREBREAK_API_TOKENS: `${VIEWER}:viewer:vera,${OPERATOR}:operator:otto`,
      FIREBREAK_NOTIFY_POLL_MS: '50',
      LOG_LEVEL: 'silent',
    };
  }
}

/**
 * A spec file's notifier on CHANNELS_YAML with every provider faked: started before its tests, the
 * fakes reset before each, everything removed after. Hooks a spec adds run after these.
 */
export function notifierWithFakes(name: string): { h: NotifierHarness; fakes: ProviderFakes } {
  const fakes = new ProviderFakes();
  const h = new NotifierHarness(uniqueTestId(name), uniqueTestId(name), NotifierHarness.writeConfig(CHANNELS_YAML));

  beforeAll(async () => {
    await fakes.start();
    Object.assign(process.env, {
      ...fakes.env(),
      NATS_URL: await resolveNatsUrl(),
      DATABASE_URL: await resolveDatabaseUrl(),
      FIREBREAK_SUBJECT_PREFIX: h.prefix,
      FIREBREAK_DB_SCHEMA: h.schema,
      FIREBREAK_CONFIG_DIR: h.configDir,
    });
    await h.start(AppModule, process.env.NATS_URL!);
  });

  afterAll(async () => {
    await h.stop(await resolveDatabaseUrl());
    await fakes.stop();
  });

  beforeEach(() => fakes.reset());
  return { h, fakes };
}
