import { randomUUID } from 'node:crypto';
import { DataOf } from '@firebreak/contracts';
import { FakeSlack, resolveDatabaseUrl, uniqueTestId, waitFor } from '@firebreak/testing';
import { AppModule } from '../app.module';
import { alertNotify, fingerprint, NotifierHarness } from '../testing/notifier-harness';
import { VIEWER } from '../testing/provider-fakes';

/**
 * Slack through the Web API (issue #10): the alert's analysis goes in the alert's message's thread
 * (thread_ts = that message's ts); a webhook channel still gets a second message.
 */

const TOKEN = 'xoxb-900-901-threadtoken';
const FAST = 'rateLimit: { perMinute: 6000, burst: 200 }';
const CHANNELS = `
channels:
  - { name: slack-api, type: slack, botToken: "\${SLACK_BOT_TOKEN}", channelId: C0ALERTS, apiUrl: "\${SLACK_API_URL}", analysis: true, ${FAST} }
  - { name: slack-hook, type: slack, webhookUrl: "\${SLACK_WEBHOOK_URL}", analysis: true, ${FAST} }
routes:
  - { matchers: ['severity="critical"'], channels: [slack-api, slack-hook] }
`;

const analysisOf = (fp: string): DataOf<'alerts.analysis'> => ({
  fingerprint: fp,
  alertname: `Alert_${fp}`,
  severity: 'critical',
  startsAt: '2025-01-01T00:00:00.000Z',
  engine: 'knowledge',
  summary: `analysis of ${fp}`,
  probableCauses: [{ cause: 'A bad deploy', evidence: 'high_error_rate fixed 18 of 20' }],
  mitigations: [],
  queries: [],
  similarIncidents: [],
  recommendedRunbooks: [],
  analyzedAt: new Date().toISOString(),
  durationMs: 12,
});

describe('Slack Web API threads', () => {
  const slack = new FakeSlack({ validToken: TOKEN, channels: ['C0ALERTS'] });
  const h = new NotifierHarness(uniqueTestId('notifier-slack'), uniqueTestId('notifier-slack'), NotifierHarness.writeConfig(CHANNELS));
  const postsOf = (fp: string) => slack.posts.filter((p) => JSON.stringify(p.body).includes(fp));
  const hooksOf = (fp: string) => slack.messages.filter((m) => JSON.stringify(m.body).includes(fp));
  const publishAnalysis = (fp: string) => h.publisher.publish('alerts.analysis', analysisOf(fp), { id: randomUUID(), subject: fp });
  const apiDeliveries = async (fp: string) =>
    (await h.history(`fingerprint=${fp}&limit=100`, VIEWER)).items.filter((item) => item.channel === 'slack-api');

  beforeAll(async () => {
    await slack.start();
    const natsUrl = await h.useEnvironment({
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_API_URL: slack.apiUrl,
      SLACK_WEBHOOK_URL: slack.webhookUrl(),
      FIREBREAK_API_TOKENS: `${VIEWER}:viewer:vera`,
      FIREBREAK_NOTIFY_POLL_MS: '50',
      FIREBREAK_NOTIFY_RETRY_BASE_MS: '50',
      LOG_LEVEL: 'silent',
    });
    await h.start(AppModule, natsUrl);
  });
  afterAll(async () => {
    await h.stop(await resolveDatabaseUrl());
    await slack.stop();
  });
  beforeEach(() => slack.reset());

  it('posts the analysis in the thread of the alert’s message; the webhook channel gets a second message', async () => {
    const fp = fingerprint();
    await h.announce(alertNotify('firing', fp, 'critical'));
    await waitFor(() => postsOf(fp).length === 1 && hooksOf(fp).length === 1, { message: 'firing message on both channels' });
    const [firing] = postsOf(fp);
    expect(firing.threadTs).toBeUndefined();

    await publishAnalysis(fp);
    await waitFor(() => postsOf(fp).length === 2 && hooksOf(fp).length === 2, {
      message: () => `api ${postsOf(fp).length}, webhook ${hooksOf(fp).length}`,
    });
    const followUp = postsOf(fp)[1];
    expect(followUp).toMatchObject({ channel: 'C0ALERTS', token: TOKEN, threadTs: firing.ts });
    expect(followUp.text).toContain('ANALYSIS');
    expect(hooksOf(fp)[1].body).not.toHaveProperty('thread_ts');
    await waitFor(async () => (await apiDeliveries(fp)).filter((d) => d.status === 'sent').length === 2);
  });

  it('retries a ratelimited post after Retry-After and posts it once', async () => {
    slack.failNextPosts(1, { error: 'ratelimited', retryAfterSec: 1 });
    const fp = fingerprint();
    await h.announce(alertNotify('firing', fp, 'critical'));
    const [delivery] = await waitForApiDelivery(fp, 'sent');
    expect(delivery).toMatchObject({ attempts: 2 });
    expect(postsOf(fp)).toHaveLength(1);
    expect(slack.requests.filter((r) => r.path === '/api/chat.postMessage').map((r) => r.status)).toEqual([429, 200]);
  });

  it('fails invalid_auth once, for good', async () => {
    slack.failNextPosts(1, { error: 'invalid_auth' });
    const fp = fingerprint();
    await h.announce(alertNotify('firing', fp, 'critical'));
    const [delivery] = await waitForApiDelivery(fp, 'failed');
    expect(delivery).toMatchObject({ attempts: 1, lastError: 'Slack API error: invalid_auth' });
    expect(postsOf(fp)).toHaveLength(0);
    expect(slack.requests.filter((r) => r.path === '/api/chat.postMessage')).toHaveLength(1);
  });

  it('a follow-up whose alert message then failed goes out standalone, not in a thread', async () => {
    // The firing post is throttled first, so the analysis is recorded while it is still pending; then it fails.
    slack.failNextPosts(1, { error: 'ratelimited', retryAfterSec: 3 });
    slack.failNextPosts(1, { error: 'not_in_channel' });
    const fp = fingerprint();
    await h.announce(alertNotify('firing', fp, 'critical'));
    await waitFor(() => slack.requests.some((r) => r.status === 429), { message: 'firing post throttled' });
    await publishAnalysis(fp);
    await waitFor(async () => (await apiDeliveries(fp)).length === 2, { message: 'follow-up recorded' });
    expect((await apiDeliveries(fp)).find((d) => d.kind === 'firing')).toMatchObject({ status: 'pending' });

    await waitFor(() => postsOf(fp).length === 1, { timeoutMs: 15_000, message: 'standalone follow-up' });
    expect(postsOf(fp)[0].threadTs).toBeUndefined();
    expect(postsOf(fp)[0].text).toContain('ANALYSIS');
    expect((await apiDeliveries(fp)).find((d) => d.kind === 'firing')).toMatchObject({ status: 'failed' });
  });

  async function waitForApiDelivery(fp: string, status: string): Promise<Array<Record<string, unknown>>> {
    let items: Array<Record<string, unknown>> = [];
    await waitFor(
      async () => {
        items = await apiDeliveries(fp);
        return items.some((item) => item.status === status);
      },
      { timeoutMs: 10_000, message: () => `slack-api deliveries of ${fp}: ${JSON.stringify(items)}` },
    );
    return items;
  }
});
