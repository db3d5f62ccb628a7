import { randomUUID } from 'node:crypto';
import { CloudEvent, NotificationDelivered } from '@firebreak/contracts';
import { AuditLog } from '@firebreak/platform';
import { resolveDatabaseUrl, resolveNatsUrl, uniqueTestId, waitFor } from '@firebreak/testing';
import { AppModule } from '../app.module';
import { alertNotify, fingerprint, NotifierHarness } from '../testing/notifier-harness';
import { BOT_TOKEN, CHANNELS_YAML, N8N_TOKEN, OPERATOR, ProviderFakes, ROUTING_KEY, VIEWER } from '../testing/provider-fakes';

describe('notifier API and announcements against real NATS, Postgres and the fake providers', () => {
  const fakes = new ProviderFakes();
  const { telegram, slack, webhook } = fakes;
  const h = new NotifierHarness(uniqueTestId('notifier_api'), uniqueTestId('notifier_api'), NotifierHarness.writeConfig(CHANNELS_YAML));
  let delivered: Array<CloudEvent<NotificationDelivered>> = [];

  beforeAll(async () => {
    await fakes.start();
    Object.assign(process.env, { ...fakes.env(), NATS_URL: await resolveNatsUrl(), DATABASE_URL: await resolveDatabaseUrl(), FIREBREAK_SUBJECT_PREFIX: h.prefix, FIREBREAK_DB_SCHEMA: h.schema, FIREBREAK_CONFIG_DIR: h.configDir });
    await h.start(AppModule, process.env.NATS_URL!);
    delivered = await h.collect('notifications.delivered');
  });

  afterAll(async () => {
    await h.stop(await resolveDatabaseUrl());
    await fakes.stop();
  });

  beforeEach(() => fakes.reset());

  const announce = (data: Parameters<NotifierHarness['announce']>[0]) => h.announce(data);
  const settled = (fp: string, count: number) => h.settled(fp, count, VIEWER);
  const history = (query: string) => h.history(query, VIEWER);
  const inject = (options: Parameters<NotifierHarness['inject']>[0]) => h.inject(options);

  it('publishes notifications.delivered with the latency from the ingress receipt, and counts it', async () => {
    const fp = fingerprint();
    const data = alertNotify('firing', fp, 'critical');
    data.receivedAt = new Date(Date.now() - 2_000).toISOString();
    await announce(data);
    const items = await settled(fp, 4);
    const pd = items.find((i) => i.channel === 'pagerduty')!;
    await waitFor(() => delivered.some((e) => e.data.deliveryId === pd.id), { message: 'no notifications.delivered' });
    const event = delivered.find((e) => e.data.deliveryId === pd.id)!;
    expect(event.data).toMatchObject({ channel: 'pagerduty', channelType: 'pagerduty', fingerprint: fp, kind: 'firing', severity: 'critical', attempts: 1, target: 'default' });
    expect(event.data.latencyMs).toBeGreaterThanOrEqual(2_000);
    const sentMetric = /firebreak_notifications_sent_total\{channel="pagerduty",severity="critical"\} [1-9]/;
    await waitFor(async () => sentMetric.test((await inject({ method: 'GET', url: '/metrics' })).body), { message: 'delivery not counted' });
    const metrics = (await inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/firebreak_notification_delivery_latency_seconds_bucket\{le="\+Inf",channel="pagerduty"\} \d+/);
  });

  it('sends runbook messages to the channels they name, and approval requests by severity', async () => {
    const fp = fingerprint();
    await h.publisher.publish('notifications.requested', { requestId: randomUUID(), channels: ['team-slack'], severity: 'info', title: 'Cache cleared', text: 'Step 2 done', labels: {}, fingerprint: fp, runbookId: 'high_error_rate' });
    await h.publisher.publish('runbooks.approval.requested', {
      approvalId: 'ap-1', executionId: 'ex-1', runbookId: 'service_unavailable', stepId: 'restart', fingerprint: fp, severity: 'warning', summary: 'Restart the api pods?', expiresAt: '2030-01-01T00:00:00.000Z',
    });
    await settled(fp, 2);
    const texts = slack.messages.map((m) => m.text);
    expect(texts).toHaveLength(2);
    expect(texts).toEqual(
      expect.arrayContaining([
        expect.stringContaining('🔵 INFO | runbook high_error_rate — MESSAGE: Cache cleared'),
        expect.stringContaining('⏳ WARNING | runbook service_unavailable — APPROVAL NEEDED: step restart waits for approval'),
      ]),
    );
  });

  it('lists deliveries by channel, status and fingerprint with cursor pagination, for viewers only', async () => {
    const fp = fingerprint();
    await announce(alertNotify('firing', fp, 'critical'));
    await settled(fp, 4);
    expect((await inject({ method: 'GET', url: '/api/v1/notifications' })).statusCode).toBe(401);
    const first = await history(`fingerprint=${fp}&limit=3`);
    expect(first.items).toHaveLength(3);
    const second = await history(`fingerprint=${fp}&limit=3&cursor=${first.nextCursor}`);
    expect(second).toEqual({ items: [expect.objectContaining({ fingerprint: fp })], nextCursor: null });
    expect(new Set([...first.items, ...second.items].map((i) => i.id)).size).toBe(4);
    const slackOnly = await history(`fingerprint=${fp}&channel=team-slack&status=sent`);
    expect(slackOnly.items).toEqual([expect.objectContaining({ channel: 'team-slack', status: 'sent', attempts: 1, responseStatus: 200, responseExcerpt: 'ok', kind: 'firing' })]);
    const one = await inject({ method: 'GET', url: `/api/v1/notifications/${slackOnly.items[0].id}`, token: VIEWER });
    expect(one.json()).toMatchObject({ id: slackOnly.items[0].id, title: `summary of ${fp}` });
    const bad = await inject({ method: 'GET', url: '/api/v1/notifications?status=lost&limit=0', token: VIEWER });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/status: .*; limit: /);
    expect((await inject({ method: 'GET', url: '/api/v1/notifications?cursor=bm9wZQ', token: VIEWER })).json().error.message).toMatch(/^cursor: /);
  });

  it('shows channels enabled or disabled and why, never a secret', async () => {
    const response = await inject({ method: 'GET', url: '/api/v1/channels', token: VIEWER });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.channels.map((c: { name: string; type: string; enabled: boolean }) => [c.name, c.type, c.enabled])).toEqual([
      ['oncall-telegram', 'telegram', true],
      ['team-slack', 'slack', true],
      ['pagerduty', 'pagerduty', true],
      ['n8n', 'webhook', true],
      ['later', 'webhook', false],
    ]);
    expect(body.channels[4].disabledReason).toBe('NOTIFIER_TEST_UNSET_URL is not set');
    expect(body.channels[0]).toMatchObject({ targets: ['-1001', '-1002'], rateLimit: { perMinute: 6000, burst: 200 }, fold: true, pending: 0 });
    expect(body.routes[0]).toEqual({ matchers: ['severity="critical"'], channels: ['pagerduty', 'oncall-telegram', 'team-slack'], continue: false });
    for (const secret of [BOT_TOKEN, ROUTING_KEY, N8N_TOKEN, slack.webhookUrl(), webhook.url]) expect(response.body).not.toContain(secret);
  });

  it('sends a test message for operators, audited, and refuses unknown and disabled channels', async () => {
    const test = await inject({ method: 'POST', url: '/api/v1/channels/oncall-telegram/test', token: OPERATOR, payload: { text: 'hello <team> & co' } });
    expect(test.statusCode).toBe(200);
    expect(test.json()).toMatchObject({ settled: true, deliveries: [expect.objectContaining({ status: 'sent', kind: 'test' }), expect.objectContaining({ status: 'sent', kind: 'test' })] });
    expect(telegram.messages).toHaveLength(2);
    expect(telegram.messages[0].text).toContain('hello &lt;team&gt; &amp; co');
    expect(await h.app.get(AuditLog).recent(5)).toContainEqual(expect.objectContaining({ actor: 'otto', action: 'channel.test', target: 'oncall-telegram' }));
    expect((await inject({ method: 'POST', url: '/api/v1/channels/team-slack/test', token: VIEWER })).statusCode).toBe(403);
    const unknown = await inject({ method: 'POST', url: '/api/v1/channels/nope/test', token: OPERATOR });
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([404, 'not_found']);
    const disabled = await inject({ method: 'POST', url: '/api/v1/channels/later/test', token: OPERATOR });
    expect([disabled.statusCode, disabled.json().error]).toEqual([409, { code: 'channel_disabled', message: 'channel later is disabled: NOTIFIER_TEST_UNSET_URL is not set' }]);
    const badBody = await inject({ method: 'POST', url: '/api/v1/channels/team-slack/test', token: OPERATOR, payload: { text: 'x', extra: 1 } });
    expect(badBody.statusCode).toBe(400);
  });
});
