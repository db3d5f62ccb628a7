import { randomUUID } from 'node:crypto';
import { AlertAnalysis, CloudEvent, DataOf } from '@firebreak/contracts';
import {
  FakeSlack,
  FakeTelegram,
  FakeWebhook,
  parseTelegramHtml,
  resolveDatabaseUrl,
  resolveNatsUrl,
  uniqueTestId,
  waitFor,
} from '@firebreak/testing';
import { DataSource } from 'typeorm';
import { AppModule } from '../app.module';
import { alertNotify, fingerprint, NotifierHarness } from '../testing/notifier-harness';
import { BOT_TOKEN, ROUTING_KEY, VIEWER } from '../testing/provider-fakes';
import { FakePagerDuty } from '@firebreak/testing';

/**
 * An alert's analysis (`alerts.analysis` from the knowledge service) posted as a follow-up: Telegram
 * replies to the alert's own message, Slack gets a second message, webhooks the CloudEvent; only on
 * channels that opted in and got the firing message; once, whatever the bus redelivers.
 */

const FAST = 'rateLimit: { perMinute: 6000, burst: 200 }';
const CHANNELS = `
channels:
  - { name: oncall-telegram, type: telegram, botToken: "\${TELEGRAM_BOT_TOKEN}", chatIds: ["-1001", "-1002"], analysis: true, ${FAST} }
  - { name: team-slack, type: slack, webhookUrl: "\${SLACK_WEBHOOK_URL}", analysis: true, ${FAST} }
  - { name: pagerduty, type: pagerduty, routingKey: "\${PAGERDUTY_ROUTING_KEY}", analysis: true, ${FAST} }
  - { name: hook, type: webhook, url: "\${HOOK_URL}/hook", analysis: true, ${FAST} }
  - { name: quiet, type: webhook, url: "\${HOOK_URL}/quiet", ${FAST} }
  - { name: off, type: webhook, url: "\${UNSET_HOOK_URL}/off", ${FAST} }
routes:
  - { matchers: ['severity="critical"'], channels: [pagerduty, oncall-telegram, team-slack, hook, quiet] }
  - { matchers: ['severity="warning"'], channels: [quiet] }
  - { matchers: ['severity="info"'], channels: [off] }
`;

function analysisOf(fp: string, overrides: Partial<AlertAnalysis> = {}): DataOf<'alerts.analysis'> {
  return {
    fingerprint: fp,
    alertname: `Alert_${fp}`,
    severity: 'critical',
    startsAt: '2025-01-01T00:00:00.000Z',
    engine: 'knowledge',
    summary: 'CRITICAL on job=api: <b>not bold</b> & <a href="http://evil">click</a> <!channel>',
    probableCauses: [{ cause: 'A bad deploy', evidence: 'high_error_rate fixed 18 of 20' }],
    mitigations: ['Run runbook high_error_rate: fixed 18 of 20 times.'],
    queries: [{ description: 'targets up', promql: 'up{job="api\\"}<i>"}' }],
    similarIncidents: [],
    recommendedRunbooks: [{ runbookId: 'high_error_rate', successRate: 0.9, runs: 20, fixed: 18, score: 0.8 }],
    analyzedAt: new Date().toISOString(),
    durationMs: 12,
    ...overrides,
  };
}

describe('analysis follow-ups', () => {
  const telegram = new FakeTelegram({ validToken: BOT_TOKEN });
  const slack = new FakeSlack();
  const pagerduty = new FakePagerDuty();
  const webhook = new FakeWebhook();
  const fakes = [telegram, slack, pagerduty, webhook];
  const h = new NotifierHarness(
    uniqueTestId('notifier-analysis'),
    uniqueTestId('notifier-analysis'),
    NotifierHarness.writeConfig(CHANNELS),
  );

  const publishAnalysis = (data: DataOf<'alerts.analysis'>) =>
    h.publisher.publish('alerts.analysis', data, { id: randomUUID(), subject: data.fingerprint });
  const hooksOf = (fp: string) => webhook.requests.filter((r) => JSON.stringify(r.body).includes(fp)).length;
  const parked = async (fp: string) =>
    Number((await h.app.get(DataSource).query(`SELECT count(*) AS n FROM "${h.schema}".analysis_waits WHERE fingerprint = $1`, [fp]))[0].n);
  const handled = async (eventId: string) =>
    Number((await h.app.get(DataSource).query(`SELECT count(*) AS n FROM "${h.schema}".inbox WHERE event_id = $1`, [eventId]))[0].n);
  const history = async (fp: string) =>
    (await h.history(`fingerprint=${fp}&limit=100`, VIEWER)).items as Array<{
      channel: string;
      target: string;
      status: string;
      kind: string;
    }>;

  beforeAll(async () => {
    await Promise.all(fakes.map((fake) => fake.start()));
    Object.assign(process.env, {
      TELEGRAM_API_URL: telegram.url,
      PAGERDUTY_EVENTS_URL: pagerduty.eventsUrl,
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      SLACK_WEBHOOK_URL: slack.webhookUrl(),
      PAGERDUTY_ROUTING_KEY: ROUTING_KEY,
      HOOK_URL: webhook.url,
      FIREBREAK_API_TOKENS: `${VIEWER}:viewer:vera`,
      FIREBREAK_NOTIFY_POLL_MS: '50',
      LOG_LEVEL: 'silent',
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
    await Promise.all(fakes.map((fake) => fake.stop()));
  });
  beforeEach(() => fakes.forEach((fake) => fake.reset()));

  it('replies on Telegram to the alert’s message, posts a second Slack message and the CloudEvent; not to PagerDuty or a channel that did not opt in', async () => {
    const fp = fingerprint();
    await h.announce(alertNotify('firing', fp, 'critical'));
    await waitFor(() => telegram.messages.length === 2, { message: 'firing message on both Telegram chats' });
    const firingIds = new Map(telegram.messages.map((m) => [String(m.chatId), m.messageId]));

    const { event } = await publishAnalysis(analysisOf(fp));
    await waitFor(() => telegram.messages.length === 4 && slack.messages.length === 2 && webhook.requests.length === 3, {
      message: () => `telegram ${telegram.messages.length}, slack ${slack.messages.length}, webhook ${webhook.requests.length}`,
    });

    const replies = telegram.messages.slice(2);
    for (const reply of replies) {
      // Each chat's follow-up answers that chat's own firing message.
      expect(reply.body.reply_to_message_id).toBe(firingIds.get(String(reply.chatId)));
      expect(reply.body.allow_sending_without_reply).toBe(true);
      const parsed = parseTelegramHtml(reply.text);
      expect(parsed.ok).toBe(true);
      // Hostile text is shown, never interpreted: no link or bold smuggled in by the summary or a query.
      expect(reply.text).toContain('&lt;b&gt;not bold&lt;/b&gt; &amp; &lt;a href=&quot;http://evil&quot;&gt;');
      expect(reply.text).not.toContain('<a href="http://evil"');
      expect(reply.text).not.toContain('<i>');
      expect(reply.text).toContain('ANALYSIS');
    }
    const [, followUp] = slack.messages;
    expect(followUp.text).toContain('ANALYSIS');
    expect(JSON.stringify(followUp.body)).not.toContain('<!channel>');

    const hooks = webhook.requests.filter((r) => r.path === '/hook');
    expect(hooks).toHaveLength(2);
    expect(hooks[1].body).toMatchObject({ id: event.id, type: 'firebreak.alerts.analysis.v1', data: { fingerprint: fp } });
    expect(webhook.requests.filter((r) => r.path === '/quiet')).toHaveLength(1);
    expect(pagerduty.events).toHaveLength(1);

    // Six firing deliveries, four follow-ups (two Telegram chats, Slack, the hook), each recorded as sent.
    await waitFor(async () => (await history(fp)).filter((r) => r.status === 'sent').length === 10);
    const followUps = (await history(fp)).filter((r) => r.kind === 'message');
    expect(followUps.map((r) => `${r.channel}:${r.target}`).sort()).toEqual([
      'hook:default',
      'oncall-telegram:-1001',
      'oncall-telegram:-1002',
      'team-slack:default',
    ]);
  });

  it('a redelivered analysis sends nothing twice', async () => {
    const fp = fingerprint();
    await h.announce(alertNotify('firing', fp, 'critical'));
    await waitFor(() => telegram.messages.length === 2);
    const { event } = await publishAnalysis(analysisOf(fp));
    await waitFor(() => telegram.messages.length === 4 && slack.messages.length === 2);
    // The same event under another Nats-Msg-Id: past JetStream's duplicate window, only the inbox stops it.
    await h.publisher.publishRaw(
      `${h.prefix}.alerts.analysis`,
      'alerts.analysis',
      new TextEncoder().encode(JSON.stringify(event as CloudEvent<unknown>)),
      `${event.id}-again`,
    );
    // A later alert through the same channels proves the redelivery was consumed before we look.
    const later = fingerprint();
    await h.announce(alertNotify('firing', later, 'critical'));
    await publishAnalysis(analysisOf(later));
    // Slack and the webhooks too: a follow-up still on its way would land in the next test's count.
    await waitFor(() => telegram.messages.length === 8 && slack.messages.length === 4 && hooksOf(later) === 3, {
      message: () => `telegram ${telegram.messages.length}, slack ${slack.messages.length}, webhook ${hooksOf(later)}`,
    });
    expect(telegram.messages.filter((m) => m.text.includes(fp))).toHaveLength(4);
    expect(slack.messages.filter((m) => JSON.stringify(m.body).includes(fp))).toHaveLength(2);
  });

  it('is still posted, as a reply, when the alert was resolved before its analysis arrived (finding 1)', async () => {
    const fp = fingerprint();
    await h.announce(alertNotify('firing', fp, 'critical'));
    await waitFor(() => telegram.messages.length === 2);
    const firingIds = telegram.messages.map((m) => m.messageId).sort();
    // A model answer takes seconds: the resolve (a later announcement in the alert's queue) goes out first.
    await h.announce(alertNotify('resolved', fp, 'critical'));
    await waitFor(() => telegram.messages.length === 4);
    await publishAnalysis(analysisOf(fp));
    // Hook: firing, resolved, follow-up; quiet: firing, resolved.
    await waitFor(() => telegram.messages.length === 6 && slack.messages.length === 3 && hooksOf(fp) === 5, {
      message: () => `telegram ${telegram.messages.length}, slack ${slack.messages.length}, webhook ${hooksOf(fp)}`,
    });
    const replies = telegram.messages.slice(4);
    expect(replies.every((r) => r.text.includes('ANALYSIS'))).toBe(true);
    expect(replies.map((r) => r.body.reply_to_message_id).sort()).toEqual(firingIds);
    expect((await history(fp)).filter((r) => r.status === 'skipped')).toEqual([]);
  });

  it('an analysis that arrives before the firing message is recorded waits for it, then replies to it', async () => {
    const fp = fingerprint();
    await publishAnalysis(analysisOf(fp));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(telegram.messages).toHaveLength(0);
    await h.announce(alertNotify('firing', fp, 'critical'));
    // Slack too (firing and follow-up): a follow-up still on its way would land in the next test's count.
    await waitFor(() => telegram.messages.length === 4 && slack.messages.length === 2, { timeoutMs: 20_000 });
    const [first, second, ...replies] = telegram.messages;
    expect(first.body.reply_to_message_id).toBeUndefined();
    expect(second.body.reply_to_message_id).toBeUndefined();
    expect(replies.map((r) => r.body.reply_to_message_id).sort()).toEqual([first.messageId, second.messageId].sort());
  });

  it('an analysis recorded long before the firing message (intake far behind) is parked, not retried or dropped, and then posted (finding 4)', async () => {
    const fp = fingerprint();
    // Published 10 minutes ago: a retry loop bounded by the analysis's age would have given up on it.
    await h.publisher.publish('alerts.analysis', analysisOf(fp), { id: randomUUID(), subject: fp, time: new Date(Date.now() - 600_000) });
    await waitFor(async () => (await parked(fp)) === 1, { message: 'analysis parked for its firing message' });
    expect(telegram.messages).toHaveLength(0);
    await h.announce(alertNotify('firing', fp, 'critical'));
    // The webhooks too (hook: firing and follow-up; quiet: firing), so none arrives during the next test.
    await waitFor(() => telegram.messages.length === 4 && slack.messages.length === 2 && hooksOf(fp) === 3, {
      message: () => `telegram ${telegram.messages.length}, slack ${slack.messages.length}, webhook ${hooksOf(fp)}`,
    });
    const [first, second, ...replies] = telegram.messages;
    expect(replies.map((r) => r.body.reply_to_message_id).sort()).toEqual([first.messageId, second.messageId].sort());
    // Taken by the firing message's transaction: nothing left waiting.
    expect(await parked(fp)).toBe(0);
  });

  it('posts nothing where the alert’s firing message did not go, nor for another episode', async () => {
    const fp = fingerprint();
    await h.announce(alertNotify('firing', fp, 'warning'));
    await waitFor(() => webhook.requests.length === 1);
    await publishAnalysis(analysisOf(fp, { severity: 'warning' }));
    // Another episode of a critical alert: its firing message was for startsAt 2025-01-01, this analysis is not.
    const other = fingerprint();
    await h.announce(alertNotify('firing', other, 'critical'));
    await waitFor(() => telegram.messages.length === 2);
    await publishAnalysis(analysisOf(other, { startsAt: '2025-02-01T00:00:00.000Z' }));
    // A third, matching analysis shows the consumer got past the two before.
    const third = fingerprint();
    await h.announce(alertNotify('firing', third, 'critical'));
    await publishAnalysis(analysisOf(third));
    await waitFor(() => telegram.messages.filter((m) => m.text.includes(third)).length === 4, { timeoutMs: 60_000 });
    expect(telegram.messages.filter((m) => m.text.includes(other))).toHaveLength(2);
    expect(webhook.requests.filter((r) => JSON.stringify(r.body).includes(fp))).toHaveLength(1);
    expect((await history(fp)).map((r) => r.kind)).toEqual(['firing']);
  }, 90_000);

  it('parks nothing for an alert whose recorded firing message went to no opted-in channel (its only channel is disabled)', async () => {
    const fp = fingerprint();
    await h.announce(alertNotify('firing', fp, 'info'));
    await waitFor(async () => (await history(fp)).some((r) => r.status === 'skipped'), { message: 'firing message recorded as skipped' });
    const { event } = await publishAnalysis(analysisOf(fp, { severity: 'info' }));
    await waitFor(async () => (await handled(event.id)) === 1, { message: 'analysis handled' });
    // Some channels opted in, but none of this alert's: nothing waits for a firing message already recorded.
    expect(await parked(fp)).toBe(0);
    expect((await history(fp)).map((r) => r.kind)).toEqual(['firing']);
  });
});
