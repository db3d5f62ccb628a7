import { AuditLog } from '@firebreak/platform';
import { NotifierHarness } from '../testing/notifier-harness';
import { BOT_TOKEN, N8N_TOKEN, notifierWithFakes, OPERATOR, ROUTING_KEY, VIEWER } from '../testing/provider-fakes';

describe('notifier channels API against real NATS, Postgres and the fake providers', () => {
  const { h, fakes } = notifierWithFakes('notifier_channels');
  const { telegram, slack, webhook } = fakes;

  const inject = (options: Parameters<NotifierHarness['inject']>[0]) => h.inject(options);

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
    expect(body.channels[0]).toMatchObject({
      targets: ['-1001', '-1002'],
      rateLimit: { perMinute: 6000, burst: 200 },
      fold: true,
      pending: 0,
    });
    expect(body.routes[0]).toEqual({
      matchers: ['severity="critical"'],
      channels: ['pagerduty', 'oncall-telegram', 'team-slack'],
      continue: false,
    });
    for (const secret of [BOT_TOKEN, ROUTING_KEY, N8N_TOKEN, slack.webhookUrl(), webhook.url]) expect(response.body).not.toContain(secret);
  });

  it('sends a test message for operators, audited, and refuses unknown and disabled channels', async () => {
    const test = await inject({
      method: 'POST',
      url: '/api/v1/channels/oncall-telegram/test',
      token: OPERATOR,
      payload: { text: 'hello <team> & co' },
    });
    expect(test.statusCode).toBe(200);
    expect(test.json()).toMatchObject({
      settled: true,
      deliveries: [expect.objectContaining({ status: 'sent', kind: 'test' }), expect.objectContaining({ status: 'sent', kind: 'test' })],
    });
    expect(telegram.messages).toHaveLength(2);
    expect(telegram.messages[0].text).toContain('hello &lt;team&gt; &amp; co');
    expect(await h.app.get(AuditLog).recent(5)).toContainEqual(
      expect.objectContaining({ actor: 'otto', action: 'channel.test', target: 'oncall-telegram' }),
    );
    expect((await inject({ method: 'POST', url: '/api/v1/channels/team-slack/test', token: VIEWER })).statusCode).toBe(403);
    const unknown = await inject({ method: 'POST', url: '/api/v1/channels/nope/test', token: OPERATOR });
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([404, 'not_found']);
    const disabled = await inject({ method: 'POST', url: '/api/v1/channels/later/test', token: OPERATOR });
    expect([disabled.statusCode, disabled.json().error]).toEqual([
      409,
      { code: 'channel_disabled', message: 'channel later is disabled: NOTIFIER_TEST_UNSET_URL is not set' },
    ]);
    const badBody = await inject({
      method: 'POST',
      url: '/api/v1/channels/team-slack/test',
      token: OPERATOR,
      payload: { text: 'x', extra: 1 },
    });
    expect(badBody.statusCode).toBe(400);
  });
});
