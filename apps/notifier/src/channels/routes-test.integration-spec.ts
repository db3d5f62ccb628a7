import { notifierWithFakes, OPERATOR, VIEWER } from '../testing/provider-fakes';

describe('notifier: POST /api/v1/routes/test through the real routing (real NATS, Postgres)', () => {
  const { h, fakes } = notifierWithFakes('notif_routes');
  const test = (payload: unknown, token = VIEWER) => h.inject({ method: 'POST', url: '/api/v1/routes/test', token, payload });

  it('follows the routes in order: a critical alert stops at the first route and reaches three channels', async () => {
    const response = await test({ labels: { alertname: 'HighErrorRate', severity: 'critical', service: 'api' } });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.severity).toBe('critical');
    expect(body.channels).toEqual(['pagerduty', 'oncall-telegram', 'team-slack']);
    expect(body.routes.map((r: { matched: boolean; why: string }) => [r.matched, r.why])).toEqual([
      [true, 'matched; stops here'],
      [false, 'not reached: routes[0] matched and does not continue'],
      [false, 'not reached: routes[0] matched and does not continue'],
      [false, 'not reached: routes[0] matched and does not continue'],
    ]);
    expect(body.channelStates).toEqual([
      { name: 'pagerduty', type: 'pagerduty', enabled: true },
      { name: 'oncall-telegram', type: 'telegram', enabled: true },
      { name: 'team-slack', type: 'slack', enabled: true },
    ]);
    // A question, not a notification: nothing went out.
    expect(fakes.pagerduty.events).toHaveLength(0);
    expect(fakes.telegram.messages).toHaveLength(0);
  });

  it('says why each route was passed over, normalises the severity label, and shows a disabled channel with its reason', async () => {
    const warning = (await test({ labels: { team: 'db', severity: 'warn' } })).json();
    expect(warning.severity).toBe('warning');
    expect(warning.routes.map((r: { why: string }) => r.why)).toEqual([
      'severity="critical" does not match (severity is "warning")',
      'severity warning is below minSeverity error',
      'matched; stops here',
      'not reached: routes[2] matched and does not continue',
    ]);
    expect(warning.channels).toEqual(['team-slack']);

    const automation = (await test({ labels: { team: 'automation' }, severity: 'info' })).json();
    expect(automation.routes[3]).toMatchObject({ matched: true, matchers: ['team="automation"'] });
    expect(automation.routes[0].why).toBe('severity="critical" does not match (severity is "info")');
    expect(automation.channelStates).toEqual([
      { name: 'n8n', type: 'webhook', enabled: true },
      { name: 'later', type: 'webhook', enabled: false, disabledReason: 'NOTIFIER_TEST_UNSET_URL is not set' },
    ]);

    const nowhere = (await test({ labels: { team: 'web' }, severity: 'info' })).json();
    expect([nowhere.channels, nowhere.channelStates]).toEqual([[], []]);
  });

  it('treats hostile labels as data and refuses bad bodies with 400', async () => {
    const hostile = await test({ labels: { team: '.*', alertname: '<b>x</b>"; DROP TABLE x; --', severity: 'critical|info' } });
    expect(hostile.statusCode).toBe(200);
    // `critical|info` is not a severity Firebreak knows, so it reads as warning; `.*` is a value, not a regex.
    expect(hostile.json()).toMatchObject({ severity: 'warning', channels: ['team-slack'] });

    for (const payload of [
      { labels: { 'bad-name': 'x' } },
      { labels: { '0abc': 'x' } },
      { labels: { a: 'x'.repeat(1025) } },
      { labels: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`l${i}`, 'v'])) },
      { labels: { a: 1 } },
      { labels: {}, severity: 'urgent' },
      { labels: {}, extra: true },
      {},
    ]) {
      const response = await test(payload);
      expect([response.statusCode, response.json().error.code]).toEqual([400, expect.any(String)]);
    }
    expect(JSON.stringify((await test({ labels: { 'bad-name': 'x' } })).json().error)).toContain('bad-name');
    expect((await test({ labels: {} }, OPERATOR)).statusCode).toBe(200);
    expect((await test({ labels: {} }, 'not-a-token-at-all')).statusCode).toBe(401);
  });
});
