import { alertFingerprint } from '@firebreak/contracts';
import { FakeTelegram, TelegramMessage, waitFor } from '@firebreak/testing';
import { Stack } from './stack';

const WEBHOOK_TOKEN = 'e2e-webhook-token-0002';
const VIEWER_TOKEN = 'e2e-viewer-token-0002';
const CHAT_ID = '-1009876543210';

// One Telegram channel that opts in to analyses; critical alerts only, so nothing else talks to it.
const CHANNELS = `
channels:
  - { name: oncall-telegram, type: telegram, botToken: "\${TELEGRAM_BOT_TOKEN}", chatIds: ["${CHAT_ID}"], analysis: true }
routes:
  - { matchers: ['severity="critical"'], channels: [oncall-telegram] }
`;

const labelsOf = (instance: string) => ({ alertname: 'ServiceDown', service: 'api', instance, severity: 'critical', job: 'api' });

/** Alertmanager's webhook (version 4) for one firing alert, as its webhook receiver posts it. */
function webhookBody(labels: Record<string, string>, summary: string, startsAt: string) {
  return {
    version: '4',
    groupKey: `{}:{alertname="${labels.alertname}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'firebreak',
    groupLabels: { alertname: labels.alertname },
    commonLabels: labels,
    commonAnnotations: { summary },
    externalURL: 'http://alertmanager.example:9093',
    alerts: [
      {
        status: 'firing',
        labels,
        annotations: { summary },
        startsAt,
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.example:9090/graph',
        fingerprint: alertFingerprint(labels),
      },
    ],
  };
}

/**
 * The built ingress, mapper, notifier and knowledge as processes: an alert posted to the ingress is
 * announced on a fake Telegram, and the knowledge service's analysis follows as a reply to that message.
 */
describe('an alert analysed and followed up', () => {
  const telegram = new FakeTelegram();
  let stack: Stack;

  beforeAll(async () => {
    await telegram.start();
    stack = new Stack({
      apps: ['ingress', 'mapper', 'notifier', 'knowledge'],
      configFiles: { 'channels.yaml': CHANNELS },
      env: {
        FIREBREAK_WEBHOOK_TOKENS: WEBHOOK_TOKEN,
        FIREBREAK_API_TOKENS: `${VIEWER_TOKEN}:viewer:vera`,
        TELEGRAM_BOT_TOKEN: '123456:e2e-bot-token',
        TELEGRAM_API_URL: telegram.url,
        FIREBREAK_AUTOMATION_ENABLED: 'false',
      },
    });
    await stack.start();
  });

  afterAll(async () => {
    await stack?.cleanUp();
    await telegram.stop();
  });

  const postAlert = async (body: unknown) => {
    const response = await fetch(`${stack.url('ingress')}/api/v1/alerts/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { eventIds: string[] };
  };
  const analysisOf = (fingerprint: string) =>
    fetch(`${stack.url('knowledge')}/api/v1/alerts/${fingerprint}/analysis`, { headers: { authorization: `Bearer ${VIEWER_TOKEN}` } });
  const mentioning = (text: string) => telegram.messages.filter((message) => message.text.includes(text));
  const repliesTo = (message: TelegramMessage) => telegram.messages.filter((m) => m.body.reply_to_message_id === message.messageId);
  const seen = () => telegram.messages.map((m) => `#${m.messageId} reply_to=${String(m.body.reply_to_message_id)}: ${m.text.slice(0, 80)}`);

  it('replies to the firing message with the analysis within 30 s, serves it by fingerprint, and never analyses the repeat again', async () => {
    const labels = labelsOf('api-7:8080');
    const fingerprint = alertFingerprint(labels);
    const body = webhookBody(labels, 'api-7 is down', new Date(Date.now() - 5_000).toISOString());
    const postedAt = Date.now();
    const first = await postAlert(body);

    const firingOf = (text: string) => mentioning(text).filter((message) => message.body.reply_to_message_id === undefined);
    await waitFor(() => firingOf('api-7 is down').length >= 1, {
      timeoutMs: 30_000,
      message: () => `no firing message: ${seen().join(' | ')}`,
    });
    const [firing] = firingOf('api-7 is down');
    expect(String(firing.chatId)).toBe(CHAT_ID);

    // Within 30 s of the alert being posted, the analysis arrives as a reply to the firing message.
    await waitFor(() => repliesTo(firing).length === 1, {
      timeoutMs: Math.max(1, 30_000 - (Date.now() - postedAt)),
      intervalMs: 100,
      message: () => `no analysis reply within 30 s: ${seen().join(' | ')}`,
    });
    const [reply] = repliesTo(firing);
    expect(reply.body.reply_to_message_id).toBe(firing.messageId);
    expect(String(reply.chatId)).toBe(CHAT_ID);
    expect(reply.text).toContain('ANALYSIS');

    const response = await analysisOf(fingerprint);
    expect(response.status).toBe(200);
    const analysis = (await response.json()) as {
      fingerprint: string;
      alertname: string;
      severity: string;
      engine: string;
      analyzedAt: string;
    };
    expect(analysis).toMatchObject({ fingerprint, alertname: 'ServiceDown', severity: 'critical', engine: 'knowledge' });

    // Alertmanager resends the same notification (group_interval, or the other replica of a pair).
    const repeat = await postAlert(body);
    expect(repeat.eventIds).toEqual(first.eventIds);
    // A later alert through the same path is the marker that the repeat had its chance to flow through.
    const markerLabels = labelsOf('api-8:8080');
    await postAlert(webhookBody(markerLabels, 'api-8 is down', new Date().toISOString()));
    await waitFor(
      () => {
        const [marker] = firingOf('api-8 is down');
        return marker !== undefined && repliesTo(marker).length === 1;
      },
      { timeoutMs: 30_000, intervalMs: 100, message: () => `the marker alert was not analysed: ${seen().join(' | ')}` },
    );

    expect(firingOf('api-7 is down')).toHaveLength(1);
    expect(repliesTo(firing)).toHaveLength(1);
    const again = (await (await analysisOf(fingerprint)).json()) as { analyzedAt: string };
    expect(again.analyzedAt).toBe(analysis.analyzedAt);
  });
});
