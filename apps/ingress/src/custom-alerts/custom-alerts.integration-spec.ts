import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { alertFingerprint, deriveEventId } from '@firebreak/contracts';
import { resolveNatsUrl, uniqueTestId } from '@firebreak/testing';
import { post, startIngress, stopIngress, storedAlertCount, storedAlertEvents } from '../testing/ingress-harness';

const url = '/api/v1/alerts';
const operator = { authorization: 'Bearer operator-token-1' };
const alert = {
  name: 'PaymentsLag',
  severity: 'critical',
  summary: 'Payments <b>lag</b> & "stall"',
  description: '$(reboot); DROP TABLE alerts; <!channel>',
  labels: { service: 'payments', instance: 'pay-1:8080' },
  annotations: { runbook_url: 'https://runbooks.example.com/payments' },
  startsAt: '2026-11-22T10:00:00Z',
};

describe('custom alerts', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    process.env.NATS_URL = await resolveNatsUrl();
    process.env.FIREBREAK_SUBJECT_PREFIX = uniqueTestId('custom');
    process.env.FIREBREAK_API_TOKENS = 'viewer-token-1:viewer:vera,operator-token-1:operator:otto';
    process.env.FIREBREAK_WEBHOOK_TOKENS = 'webhook-token-1';
    process.env.LOG_LEVEL = 'silent';
    app = await startIngress();
  });

  afterAll(() => stopIngress(app));

  it('needs an operator token: 401 without, 401 for the webhook token, 403 for a viewer; nothing published', async () => {
    const before = await storedAlertCount(app);
    expect((await post(app, { url, body: alert })).statusCode).toBe(401);
    expect((await post(app, { url, headers: { authorization: 'Bearer webhook-token-1' }, body: alert })).statusCode).toBe(401);
    const viewer = await post(app, { url, headers: { authorization: 'Bearer viewer-token-1' }, body: alert });
    expect(viewer.statusCode).toBe(403);
    expect(viewer.json().error.code).toBe('forbidden');
    expect(await storedAlertCount(app)).toBe(before);
  });

  it('accepts an operator’s alert with the fingerprint Alertmanager would give it, and publishes it as is', async () => {
    const labels = { ...alert.labels, alertname: 'PaymentsLag', severity: 'critical' };
    const fingerprint = alertFingerprint(labels);

    const response = await post(app, { url, headers: operator, body: alert });

    expect(response.statusCode).toBe(200);
    const eventId = deriveEventId('api', fingerprint, 'firing', '2026-11-22T10:00:00.000Z', null);
    expect(response.json()).toEqual({ status: 'accepted', received: 1, eventIds: [eventId], fingerprint });
    const stored = (await storedAlertEvents(app)).find((entry) => entry.event.id === eventId);
    expect(stored?.event).toMatchObject({
      data: {
        source: 'api',
        alert: {
          fingerprint,
          status: 'firing',
          severity: 'critical',
          labels,
          annotations: { ...alert.annotations, summary: alert.summary, description: alert.description },
          endsAt: null,
        },
      },
    });
  });

  it('resolves the same alert by posting it resolved', async () => {
    const response = await post(app, { url, headers: operator, body: { ...alert, status: 'resolved', endsAt: '2026-11-22T10:30:00Z' } });

    expect(response.statusCode).toBe(200);
    const stored = (await storedAlertEvents(app)).find((entry) => entry.event.id === response.json().eventIds[0]);
    expect(stored?.event.data.alert).toMatchObject({
      status: 'resolved',
      endsAt: '2026-11-22T10:30:00.000Z',
      fingerprint: alertFingerprint({ ...alert.labels, alertname: 'PaymentsLag', severity: 'critical' }),
    });
  });

  it.each([
    ['a bad label name', { ...alert, labels: { 'team-name': 'x' } }, 400, /labels\.team-name: label names must match/],
    ['an unknown severity', { ...alert, severity: 'sev1' }, 400, /^severity: /],
    ['no summary', { ...alert, summary: undefined }, 400, /summary: /],
    ['an unknown field', { ...alert, sumary: 'typo' }, 400, /sumary/],
    ['a non-JSON body', 'name=x', 415, /JSON/],
  ])('refuses %s naming the problem, publishing nothing', async (_case, body, status, message) => {
    const before = await storedAlertCount(app);
    const headers = typeof body === 'string' ? { ...operator, 'content-type': 'application/x-www-form-urlencoded' } : operator;

    const response = await post(app, { url, headers, body });

    expect(response.statusCode).toBe(status);
    expect(response.json().error.message).toMatch(message);
    expect(await storedAlertCount(app)).toBe(before);
  });
});
