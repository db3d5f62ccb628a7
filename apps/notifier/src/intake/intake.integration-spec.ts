import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { parseTelegramHtml, waitFor } from '@firebreak/testing';
import { alertNotify, fingerprint, NotifierHarness } from '../testing/notifier-harness';
import { BOT_TOKEN, notifierWithFakes, ROUTING_KEY, VIEWER } from '../testing/provider-fakes';

describe('notifier against real NATS, Postgres and the fake providers: routes, formats, idempotency, order', () => {
  const { h, fakes } = notifierWithFakes('notifier');
  const { telegram, slack, pagerduty, webhook } = fakes;

  const announce = (data: Parameters<NotifierHarness['announce']>[0]) => h.announce(data);
  const settled = (fp: string, count: number) => h.settled(fp, count, VIEWER);
  const history = (query: string) => h.history(query, VIEWER);

  it('routes critical to PagerDuty, Telegram (every chat) and Slack, warning to Slack only, info nowhere, and respects minSeverity', async () => {
    const [critical, warning, info, dbWarning, dbError] = [fingerprint(), fingerprint(), fingerprint(), fingerprint(), fingerprint()];
    await announce(alertNotify('firing', critical, 'critical'));
    await announce(alertNotify('firing', warning, 'warning'));
    await announce(alertNotify('firing', info, 'info'));
    await announce(alertNotify('firing', dbWarning, 'warning', { team: 'db' }));
    await announce(alertNotify('firing', dbError, 'error', { team: 'db' }));
    const channelsOf = async (fp: string, n: number) => (await settled(fp, n)).map((i) => `${i.channel}:${i.target}:${i.status}`).sort();
    expect(await channelsOf(critical, 4)).toEqual([
      'oncall-telegram:-1001:sent',
      'oncall-telegram:-1002:sent',
      'pagerduty:default:sent',
      'team-slack:default:sent',
    ]);
    expect(await channelsOf(warning, 1)).toEqual(['team-slack:default:sent']);
    expect(await channelsOf(dbWarning, 1)).toEqual(['team-slack:default:sent']);
    expect(await channelsOf(dbError, 1)).toEqual(['n8n:default:sent']);
    expect((await history(`fingerprint=${info}`)).items).toEqual([]);
    expect(pagerduty.events.map((e) => e.dedup_key)).toEqual([critical]);
    expect(telegram.messages.map((m) => m.chatId)).toHaveLength(2);
    expect(telegram.messages.map((m) => m.chatId)).toEqual(expect.arrayContaining([-1001, -1002]));
    expect(slack.messages).toHaveLength(3);
    expect(webhook.bodies).toHaveLength(1);
  });

  it("sends each provider's own request shape", async () => {
    const fp = fingerprint();
    const { event } = await announce(alertNotify('firing', fp, 'critical', { job: 'api', instance: 'api-1' }, { description: 'API down' }));
    await settled(fp, 4);

    const tg = telegram.successfulRequests[0];
    expect(tg.path).toBe(`/bot${BOT_TOKEN}/sendMessage`);
    expect(tg.body).toMatchObject({
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
      chat_id: expect.stringMatching(/^-100[12]$/),
    });
    expect(telegram.messages[0].text).toMatch(/^<b>🔴 CRITICAL \| Alert_[0-9a-f]{16}<\/b>\n<b>FIRING<\/b>: summary of /);

    const [sl] = slack.messages;
    expect(sl.path).toBe('/services/T000/B000/XXXX');
    expect(sl.text).toContain('🔴 CRITICAL | Alert_');
    expect((sl.blocks as Array<{ type: string }>)[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: `🔴 CRITICAL | Alert_${fp}`, emoji: true },
    });

    expect(pagerduty.events[0]).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: fp,
      payload: {
        summary: `FIRING: summary of ${fp}`,
        source: 'api-1',
        severity: 'critical',
        component: 'api',
        custom_details: { labels: { job: 'api' }, annotations: { description: 'API down' } },
      },
      links: [
        { href: 'http://prometheus:9090/graph?g0.expr=up', text: 'Source' },
        { href: 'https://runbooks.example/x', text: 'Runbook' },
      ],
    });

    const hook = await announce(alertNotify('firing', fingerprint(), 'info', { team: 'automation' }));
    await webhook.waitForRequests(1);
    const [request] = webhook.successfulRequests;
    expect(request.path).toBe('/webhook/firebreak');
    expect(request.headers).toMatchObject({
      authorization: 'Bearer n8n-secret-token',
      'content-type': 'application/cloudevents+json; charset=utf-8',
      'idempotency-key': expect.any(String),
    });
    expect(request.body).toEqual(JSON.parse(JSON.stringify(hook.event)));
    expect(event.id).not.toBe(hook.event.id);
  });

  it('records a message routed to a disabled channel as skipped, naming why', async () => {
    const fp = fingerprint();
    await announce(alertNotify('firing', fp, 'info', { team: 'automation' }));
    const items = await settled(fp, 2);
    expect(items.find((i) => i.channel === 'later')).toMatchObject({
      status: 'skipped',
      attempts: 0,
      lastError: 'channel disabled: NOTIFIER_TEST_UNSET_URL is not set',
    });
    expect(items.find((i) => i.channel === 'n8n')).toMatchObject({ status: 'sent' });
  });

  it('delivers hostile label values escaped and cut', async () => {
    const fp = fingerprint();
    const hostile = {
      script: '<script>alert(1)</script>',
      amp: 'R&D "x"',
      slack: '<!channel> <@U123>',
      markdown: '*_[x](y)_*',
      long: 'L'.repeat(5000),
    };
    await announce(alertNotify('firing', fp, 'critical', hostile, { summary: '<b>not bold</b> & <!here>' }));
    expect((await settled(fp, 4)).map((i) => i.status)).toEqual(['sent', 'sent', 'sent', 'sent']);

    for (const message of telegram.messages) {
      const parsed = parseTelegramHtml(message.text);
      if (!parsed.ok) throw new Error(parsed.error);
      expect(parsed.text.length).toBeLessThanOrEqual(4096);
      expect(parsed.text).toContain('script: <script>alert(1)</script>');
      expect(parsed.text).toContain('amp: R&D "x"');
      expect(parsed.text).toContain('markdown: *_[x](y)_*');
      expect(parsed.text).toContain('FIRING: <b>not bold</b> & <!here>');
      expect(parsed.text).toContain(`long: ${'L'.repeat(999)}…\n`);
    }
    const slackJson = JSON.stringify(slack.messages[0].body);
    expect(slackJson).not.toMatch(/<!channel>|<!here>|<@U123>|<script>/);
    expect(slackJson).toContain('&lt;!channel&gt; &lt;@U123&gt;');
    expect(slackJson).toContain('markdown: *_[x](y)_*');
    expect(
      (pagerduty.events[0].payload as unknown as { custom_details: { labels: Record<string, string> } }).custom_details.labels.script,
    ).toBe(hostile.script);
  });

  it('sends nothing twice when an announcement is redelivered, by the inbox or by the delivery ids', async () => {
    const fp = fingerprint();
    const { event, ack } = await announce(alertNotify('firing', fp, 'critical'));
    await settled(fp, 4);
    const stream = ack.stream;
    const consumed = async (seq: number) => {
      const info = await h.connection.jsm.consumers.info(stream, 'notifier-alerts-notify');
      return info.ack_floor.stream_seq >= seq;
    };
    const republish = async () => {
      const again = await h.publisher.publishRaw(
        `${h.prefix}.alerts.notify`,
        'alerts.notify',
        new TextEncoder().encode(JSON.stringify(event)),
        randomUUID(),
      );
      expect(again.duplicate).toBe(false);
      await waitFor(() => consumed(again.seq), { message: 'the copy was not consumed' });
    };
    await republish();
    // With the inbox row gone (pruned after its retention), the deterministic delivery ids still hold.
    await h.app.get(DataSource).query(`DELETE FROM "${h.schema}".inbox WHERE event_id = $1`, [event.id]);
    await republish();
    expect((await history(`fingerprint=${fp}`)).items).toHaveLength(4);
    expect(pagerduty.events).toHaveLength(1);
    expect(telegram.messages).toHaveLength(2);
    expect(slack.messages).toHaveLength(1);
  });

  it('acknowledges and resolves the PagerDuty incident with the same dedup_key', async () => {
    const fp = fingerprint();
    await announce(alertNotify('firing', fp, 'critical'));
    await settled(fp, 4);
    await announce(alertNotify('acknowledged', fp, 'critical'));
    await settled(fp, 8);
    await announce(alertNotify('resolved', fp, 'critical'));
    await settled(fp, 12);
    expect(pagerduty.events.map((e) => [e.event_action, e.dedup_key])).toEqual([
      ['trigger', fp],
      ['acknowledge', fp],
      ['resolve', fp],
    ]);
    expect(pagerduty.incidents().get(fp)?.status).toBe('resolved');
    expect(slack.messages.map((m) => m.text?.split(' — ')[1]?.split(':')[0])).toEqual(['FIRING', 'ACKNOWLEDGED', 'RESOLVED']);
  });

  it('never sends an announcement after a newer one about the same alert was sent (no trigger after its resolve)', async () => {
    const fp = fingerprint();
    const now = Date.now();
    await h.publisher.publish('alerts.notify', alertNotify('resolved', fp, 'critical'), {
      id: randomUUID(),
      subject: fp,
      time: new Date(now),
    });
    await settled(fp, 4);
    await h.publisher.publish('alerts.notify', alertNotify('firing', fp, 'critical'), {
      id: randomUUID(),
      subject: fp,
      time: new Date(now - 1_000),
    });
    const items = await settled(fp, 8);
    const stale = items.filter((i) => i.kind === 'firing');
    expect(stale.map((i) => [i.channel, i.status, i.lastError])).toEqual(
      Array.from({ length: 4 }, () => [
        expect.any(String),
        'skipped',
        'superseded: a newer announcement about this alert was already sent',
      ]),
    );
    expect(pagerduty.events.map((e) => e.event_action)).toEqual(['resolve']);
    expect(pagerduty.incidents().has(fp)).toBe(false);
  });

  it('sends runbook messages to the channels they name, and approval requests by severity', async () => {
    const fp = fingerprint();
    await h.publisher.publish('notifications.requested', {
      requestId: randomUUID(),
      channels: ['team-slack'],
      severity: 'info',
      title: 'Cache cleared',
      text: 'Step 2 done',
      labels: {},
      fingerprint: fp,
      runbookId: 'high_error_rate',
    });
    await h.publisher.publish('runbooks.approval.requested', {
      approvalId: 'ap-1',
      executionId: 'ex-1',
      runbookId: 'service_unavailable',
      stepId: 'restart',
      fingerprint: fp,
      severity: 'warning',
      summary: 'Restart the api pods?',
      expiresAt: '2030-01-01T00:00:00.000Z',
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
});
