import { alertFingerprint } from '@firebreak/contracts';
import { FakePagerDuty, FakeSlack, FakeTelegram, waitFor } from '@firebreak/testing';
import { Alertmanager } from './alertmanager';
import { Stack } from './stack';

const TOKEN = 'e2e-webhook-token-0001';
const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';

const serviceDown = (instance: string) => ({ alertname: 'ServiceDown', service: 'api', instance, severity: 'critical', job: 'api' });
const errorRate = { alertname: 'HighErrorRate', service: 'checkout', severity: 'warning' };

/**
 * A real Alertmanager posts to the ingress; mapper and notifier run as processes; Telegram, Slack and
 * PagerDuty are fakes that speak their HTTP APIs. The routes of the shipped config/channels.yaml
 * decide who hears what.
 */
describe('alerts in, people told', () => {
  const telegram = new FakeTelegram();
  const slack = new FakeSlack();
  const pagerduty = new FakePagerDuty();
  let stack: Stack;
  let alertmanager: Alertmanager;

  beforeAll(async () => {
    await Promise.all([telegram.start(), slack.start(), pagerduty.start()]);
    stack = new Stack({
      apps: ['ingress', 'mapper', 'notifier'],
      env: {
        FIREBREAK_WEBHOOK_TOKENS: TOKEN,
        TELEGRAM_BOT_TOKEN: '123456:e2e-bot-token',
        TELEGRAM_API_URL: telegram.url,
        SLACK_WEBHOOK_URL: slack.webhookUrl(),
        PAGERDUTY_ROUTING_KEY: ROUTING_KEY,
        PAGERDUTY_EVENTS_URL: pagerduty.eventsUrl,
        FIREBREAK_AUTOMATION_ENABLED: 'false',
      },
    });
    await stack.start();
    alertmanager = new Alertmanager(`${stack.url('ingress')}/api/v1/alerts/alertmanager`, TOKEN);
    await alertmanager.start();
  });

  afterAll(async () => {
    await alertmanager?.stop();
    await stack?.cleanUp();
    await Promise.all([telegram.stop(), slack.stop(), pagerduty.stop()]);
  });

  const pdEvents = (fingerprint: string, action: string) =>
    pagerduty.events.filter((event) => event.dedup_key === fingerprint && event.event_action === action);
  const slackMentioning = (text: string) => slack.messages.filter((message) => JSON.stringify(message).includes(text));
  const telegramMentioning = (text: string) => telegram.messages.filter((message) => message.text.includes(text));

  it('tells PagerDuty, Telegram and Slack about a critical alert, and only Slack about a warning', async () => {
    const critical = alertFingerprint(serviceDown('api-1:8080'));
    await alertmanager.post([
      {
        labels: serviceDown('api-1:8080'),
        annotations: { summary: 'api-1 is down', runbook_url: 'https://runbooks.example.com/service-down' },
      },
      { labels: errorRate, annotations: { summary: 'checkout errors above 5%' } },
    ]);
    await waitFor(
      () =>
        pdEvents(critical, 'trigger').length === 1 &&
        telegramMentioning('api-1 is down').length === 1 &&
        slackMentioning('checkout errors').length === 1,
      {
        timeoutMs: 30_000,
        message: () => `pagerduty ${pagerduty.events.length}, telegram ${telegram.messages.length}, slack ${slack.messages.length}`,
      },
    );
    const trigger = pdEvents(critical, 'trigger')[0];
    expect(trigger).toMatchObject({
      routing_key: ROUTING_KEY,
      payload: { severity: 'critical', summary: expect.stringContaining('api-1 is down') },
    });
    const chatMessage = telegram.messages.find((message) => message.text.includes('api-1 is down'))!;
    expect({ chatId: String(chatMessage.chatId), parseMode: chatMessage.parseMode }).toEqual({
      chatId: '-1001234567890',
      parseMode: 'HTML',
    });
    await waitFor(() => slackMentioning('api-1 is down').length === 1, { message: 'slack did not get the critical alert' });
    // The warning goes to Slack only.
    expect(pagerduty.events.some((event) => JSON.stringify(event).includes('checkout'))).toBe(false);
    expect(telegramMentioning('checkout').length).toBe(0);
  });

  it('sends nothing again for an alert that is still firing inside the dedup window', async () => {
    const first = alertFingerprint(serviceDown('api-1:8080'));
    const second = alertFingerprint(serviceDown('api-2:8080'));
    // A new alert in the same group: Alertmanager resends the whole group, api-1 included.
    await alertmanager.post([
      { labels: serviceDown('api-1:8080'), annotations: { summary: 'api-1 is down' } },
      { labels: serviceDown('api-2:8080'), annotations: { summary: 'api-2 is down' } },
    ]);
    await waitFor(() => pdEvents(second, 'trigger').length === 1 && telegramMentioning('api-2 is down').length === 1, {
      timeoutMs: 30_000,
      message: 'api-2 not announced',
    });
    expect(pdEvents(first, 'trigger')).toHaveLength(1);
    expect(telegramMentioning('api-1 is down')).toHaveLength(1);
  });

  it('resolves with the same dedup_key, closing the incident, and tells the chat rooms', async () => {
    const fingerprint = alertFingerprint(serviceDown('api-1:8080'));
    await alertmanager.post([
      { labels: serviceDown('api-1:8080'), annotations: { summary: 'api-1 is down' }, endsAt: new Date(Date.now() - 1000).toISOString() },
    ]);
    await waitFor(() => pdEvents(fingerprint, 'resolve').length === 1, { timeoutMs: 30_000, message: 'no PagerDuty resolve' });
    expect(pagerduty.incidents().get(fingerprint)?.status).toBe('resolved');
    await waitFor(() => telegramMentioning('api-1').length === 2 && slackMentioning('api-1').length === 2, {
      timeoutMs: 15_000,
      message: 'chat rooms not told of the resolution',
    });
    expect(pdEvents(fingerprint, 'trigger')).toHaveLength(1);
    expect(pagerduty.incidents().get(alertFingerprint(serviceDown('api-2:8080')))?.status).toBe('triggered');
  });
});
