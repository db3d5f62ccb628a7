import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { deriveEventId } from '@firebreak/contracts';
import {
  alertmanagerFixture,
  AlertmanagerFixture,
  AlertmanagerFixtureName,
  alertmanagerRequestHeaders,
  resolveNatsUrl,
  uniqueTestId,
} from '@firebreak/testing';
import {
  metricValue,
  post,
  startIngress,
  stopIngress,
  storedAlertCount,
  storedAlertEvents,
  storedBatches,
  storedMessageCount,
} from '../testing/ingress-harness';

// The credentials Alertmanager really sent in the captured requests: a bearer token, then basic auth.
const [bearerRequest, basicRequest] = alertmanagerRequestHeaders();
const bearerToken = bearerRequest.headers.authorization.replace(/^Bearer /, '');
const basicPair = Buffer.from(basicRequest.headers.authorization.replace(/^Basic /, ''), 'base64').toString('utf8');
const sent = (request: typeof bearerRequest) => ({
  authorization: request.headers.authorization,
  'user-agent': request.headers['user-agent'],
});
const MAX_BYTES = 32_768;

const zeroTimeToNull = (time: string) => (time.startsWith('0001-') ? null : new Date(time).toISOString());

/** A copy of a fixture whose alerts are new to the stream (another start time). */
function freshFixture(name: AlertmanagerFixtureName, startsAt: string): AlertmanagerFixture {
  const fixture = alertmanagerFixture(name);
  for (const alert of fixture.alerts) alert.startsAt = startsAt;
  return fixture;
}

describe('the Alertmanager webhook', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    process.env.NATS_URL = await resolveNatsUrl();
    process.env.FIREBREAK_SUBJECT_PREFIX = uniqueTestId('ingress');
    process.env.FIREBREAK_WEBHOOK_TOKENS = `other-token-456,${bearerToken}`;
    process.env.FIREBREAK_WEBHOOK_BASIC_AUTH = `someone:else,${basicPair}`;
    process.env.FIREBREAK_WEBHOOK_MAX_BYTES = String(MAX_BYTES);
    process.env.LOG_LEVEL = 'silent';
    app = await startIngress();
  });

  afterAll(() => stopIngress(app));

  it.each(['firing-group', 'partially-resolved', 'resolved', 'truncated-max-alerts'] as const)(
    'accepts %s and every alert lands in JetStream, in one alerts.received.batch message',
    async (name) => {
      const fixture = alertmanagerFixture(name);
      const response = await post(app, { headers: sent(name === 'truncated-max-alerts' ? basicRequest : bearerRequest), body: fixture });

      expect(response.statusCode).toBe(200);
      const expectedIds = fixture.alerts.map((alert) =>
        deriveEventId(
          'alertmanager',
          alert.fingerprint,
          alert.status,
          new Date(alert.startsAt).toISOString(),
          alert.status === 'resolved' ? zeroTimeToNull(alert.endsAt) : null,
        ),
      );
      expect(response.json()).toEqual({ status: 'accepted', received: fixture.alerts.length, eventIds: expectedIds });
      // One message for the request: every alert in order, with its own id, under an id derived from theirs.
      const batchId = deriveEventId('alerts.received.batch', ...expectedIds);
      const batch = (await storedBatches(app)).find((entry) => entry.msgId === batchId);
      expect(batch?.subject).toBe(`${process.env.FIREBREAK_SUBJECT_PREFIX}.alerts.received.batch`);
      expect(batch?.event).toMatchObject({ id: batchId, type: 'firebreak.alerts.received.batch.v1', source: 'firebreak/ingress' });
      expect(batch?.event.data.alerts.map((alert) => alert.id)).toEqual(expectedIds);
      fixture.alerts.forEach((alert, index) => {
        expect(batch?.event.data.alerts[index].data).toMatchObject({
          source: 'alertmanager',
          receiver: fixture.receiver,
          groupKey: fixture.groupKey,
          externalURL: fixture.externalURL,
          alert: {
            fingerprint: alert.fingerprint,
            status: alert.status,
            labels: alert.labels,
            annotations: alert.annotations,
            generatorURL: alert.generatorURL,
          },
        });
      });
    },
  );

  it('counts the alerts Alertmanager truncated, and the alerts received by status', async () => {
    const truncated = () => metricValue(app, /^firebreak_ingress_truncated_alerts_total /);
    const resolved = () => metricValue(app, /^firebreak_alerts_received_total\{source="alertmanager",status="resolved"\}/);
    const firing = () => metricValue(app, /^firebreak_alerts_received_total\{source="alertmanager",status="firing"\}/);
    const before = { truncated: await truncated(), resolved: await resolved(), firing: await firing() };
    const fixture = freshFixture('truncated-max-alerts', '2026-11-22T11:10:00Z');
    fixture.alerts[0].status = 'resolved';
    fixture.alerts[0].endsAt = '2026-11-22T11:20:00Z';

    expect((await post(app, { headers: sent(basicRequest), body: fixture })).statusCode).toBe(200);

    expect((await truncated()) - before.truncated).toBe(fixture.truncatedAlerts);
    expect((await resolved()) - before.resolved).toBe(1);
    expect((await firing()) - before.firing).toBe(fixture.alerts.length - 1);
  });

  it('drops a resent notification as a JetStream duplicate: same ids, nothing new stored', async () => {
    const fixture = freshFixture('firing-group', '2026-11-22T11:00:00Z');
    const first = await post(app, { headers: sent(bearerRequest), body: fixture });
    const countAfterFirst = await storedMessageCount(app);
    const second = await post(app, { headers: sent(bearerRequest), body: fixture });

    expect(first.statusCode).toBe(200);
    expect(second.statusCode).toBe(200);
    expect(second.json().eventIds).toEqual(first.json().eventIds);
    expect(await storedMessageCount(app)).toBe(countAfterFirst);
  });

  it('computes a missing fingerprint the way Alertmanager does', async () => {
    const fixture = freshFixture('resolved', '2026-11-22T11:05:00Z');
    const fingerprint = fixture.alerts[0].fingerprint;
    delete (fixture.alerts[0] as Partial<(typeof fixture.alerts)[0]>).fingerprint;

    const response = await post(app, { headers: sent(bearerRequest), body: fixture });

    expect(response.statusCode).toBe(200);
    const stored = (await storedAlertEvents(app)).find((entry) => entry.event.id === response.json().eventIds[0]);
    expect(stored?.event.data.alert.fingerprint).toBe(fingerprint);
  });

  describe('refuses, publishing nothing', () => {
    const valid = () => freshFixture('firing-group', '2026-11-22T12:00:00Z');
    const tooBig = () => {
      const fixture = valid();
      fixture.commonAnnotations.padding = 'x'.repeat(MAX_BYTES);
      return fixture;
    };

    it.each([
      ['bad JSON', 400, 'invalid_json', { headers: sent(bearerRequest), body: '{"version": "4", "alerts": [' }, /JSON/],
      ['an empty body', 400, 'invalid_json', { headers: sent(bearerRequest), body: '' }, /empty/i],
      [
        'another webhook version',
        400,
        'invalid_payload',
        { headers: sent(bearerRequest), body: { ...valid(), version: '3' } },
        /^version: /,
      ],
      [
        'an alert without status',
        400,
        'invalid_payload',
        { headers: sent(bearerRequest), body: { ...valid(), alerts: [{ ...valid().alerts[0], status: undefined }] } },
        /^alerts\.0\.status: /,
      ],
      [
        'a malformed fingerprint',
        400,
        'invalid_payload',
        { headers: sent(bearerRequest), body: { ...valid(), alerts: [{ ...valid().alerts[0], fingerprint: 'ZZ' }] } },
        /^alerts\.0\.fingerprint: /,
      ],
      ['no alerts', 400, 'invalid_payload', { headers: sent(bearerRequest), body: { ...valid(), alerts: [] } }, /^alerts: /],
      [
        'a text body',
        415,
        'unsupported_media_type',
        { headers: { ...sent(bearerRequest), 'content-type': 'text/plain' }, body: valid() },
        /JSON/,
      ],
      [
        'a form body',
        415,
        'unsupported_media_type',
        { headers: { ...sent(bearerRequest), 'content-type': 'application/x-www-form-urlencoded' }, body: 'version=4' },
        /JSON/,
      ],
      [
        'an XML body',
        415,
        'unsupported_media_type',
        { headers: { ...sent(bearerRequest), 'content-type': 'application/xml' }, body: '<webhook/>' },
        /./,
      ],
      ['no credentials', 401, 'unauthorized', { body: valid() }, /credentials are required/],
      ['a wrong bearer token', 401, 'unauthorized', { headers: { authorization: `Bearer ${bearerToken}x` }, body: valid() }, /not valid/],
      [
        'a wrong basic password',
        401,
        'unauthorized',
        { headers: { authorization: `Basic ${Buffer.from(`${basicPair}x`).toString('base64')}` }, body: valid() },
        /not valid/,
      ],
      ['another scheme', 401, 'unauthorized', { headers: { authorization: `Token ${bearerToken}` }, body: valid() }, /not valid/],
      ['a body over FIREBREAK_WEBHOOK_MAX_BYTES', 413, 'too_large', { headers: sent(bearerRequest), body: tooBig() }, /./],
    ] as const)('%s: %i', async (_case, status, reason, request, message) => {
      const before = await storedAlertCount(app);
      const rejectedBefore = await metricValue(app, new RegExp(`^firebreak_ingress_rejected_total\\{reason="${reason}"\\}`));

      const response = await post(app, request);

      expect(response.statusCode).toBe(status);
      expect(response.json().error.message).toMatch(message);
      if (status === 401) expect(response.headers['www-authenticate']).toMatch(/Bearer.*Basic/);
      expect(await storedAlertCount(app)).toBe(before);
      expect(await metricValue(app, new RegExp(`^firebreak_ingress_rejected_total\\{reason="${reason}"\\}`))).toBe(rejectedBefore + 1);
    });
  });

  it('times requests and their publishes', async () => {
    const requests = () => metricValue(app, /^firebreak_ingress_request_duration_seconds_count\{endpoint="alertmanager",status="200"\}/);
    const publishes = () => metricValue(app, /^firebreak_ingress_publish_duration_seconds_count\{outcome="acked"\}/);
    const before = { requests: await requests(), publishes: await publishes() };

    await post(app, { headers: sent(bearerRequest), body: alertmanagerFixture('resolved') });

    expect((await requests()) - before.requests).toBe(1);
    expect((await publishes()) - before.publishes).toBe(1);
  });
});
