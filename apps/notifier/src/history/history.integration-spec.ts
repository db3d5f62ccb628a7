import { CloudEvent, NotificationDelivered } from '@firebreak/contracts';
import { waitFor } from '@firebreak/testing';
import { alertNotify, fingerprint, NotifierHarness } from '../testing/notifier-harness';
import { notifierWithFakes, VIEWER } from '../testing/provider-fakes';

describe('notifier delivery history and its events against real NATS, Postgres and the fake providers', () => {
  const { h } = notifierWithFakes('notifier_api');
  let delivered: Array<CloudEvent<NotificationDelivered>> = [];

  beforeAll(async () => {
    delivered = await h.collect('notifications.delivered');
  });

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
    expect(event.data).toMatchObject({
      channel: 'pagerduty',
      channelType: 'pagerduty',
      fingerprint: fp,
      kind: 'firing',
      severity: 'critical',
      attempts: 1,
      target: 'default',
    });
    expect(event.data.latencyMs).toBeGreaterThanOrEqual(2_000);
    const sentMetric = /firebreak_notifications_sent_total\{channel="pagerduty",severity="critical"\} [1-9]/;
    await waitFor(async () => sentMetric.test((await inject({ method: 'GET', url: '/metrics' })).body), {
      message: 'delivery not counted',
    });
    const metrics = (await inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/firebreak_notification_delivery_latency_seconds_bucket\{le="\+Inf",channel="pagerduty"\} \d+/);
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
    expect(slackOnly.items).toEqual([
      expect.objectContaining({
        channel: 'team-slack',
        status: 'sent',
        attempts: 1,
        responseStatus: 200,
        responseExcerpt: 'ok',
        kind: 'firing',
      }),
    ]);
    const one = await inject({ method: 'GET', url: `/api/v1/notifications/${slackOnly.items[0].id}`, token: VIEWER });
    expect(one.json()).toMatchObject({ id: slackOnly.items[0].id, title: `summary of ${fp}` });
    const bad = await inject({ method: 'GET', url: '/api/v1/notifications?status=lost&limit=0', token: VIEWER });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/status: .*; limit: /);
    expect((await inject({ method: 'GET', url: '/api/v1/notifications?cursor=bm9wZQ', token: VIEWER })).json().error.message).toMatch(
      /^cursor: /,
    );
  });
});
