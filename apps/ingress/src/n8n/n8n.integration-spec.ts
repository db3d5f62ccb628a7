import { ChildProcess, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { BusConnection } from '@firebreak/bus';
import { alertFingerprint, deriveEventId } from '@firebreak/contracts';
import { freePort, resolveNatsUrl, uniqueTestId, waitFor } from '@firebreak/testing';
import { metricValue, post, startIngress, stopIngress, storedAlertCount, storedAlertEvents } from '../testing/ingress-harness';

const url = '/webhooks/n8n/incident';
const TOKEN = 'n8n-webhook-token-1';
const BASIC_PAIR = 'n8n:s3cret:with-colon';
const bearer = { authorization: `Bearer ${TOKEN}` };
const MAX_BYTES = 32_768;

// Seed 001's body, with a per-run resource so each test's alert is new to the stream.
const incident = (resource: string, extra: Record<string, unknown> = {}) => ({
  alert: { type: 'pod_crash', severity: 'high', namespace: 'production', resource, ...extra },
  context: { cluster: 'prod-cluster', timestamp: '2024-01-15T10:30:00Z' },
});
const labelsOf = (resource: string) => ({
  alertname: 'pod_crash',
  severity: 'error',
  namespace: 'production',
  resource,
  cluster: 'prod-cluster',
});

describe('the n8n incident webhook', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    process.env.NATS_URL = await resolveNatsUrl();
    process.env.FIREBREAK_SUBJECT_PREFIX = uniqueTestId('n8n');
    process.env.FIREBREAK_WEBHOOK_TOKENS = TOKEN;
    process.env.FIREBREAK_WEBHOOK_BASIC_AUTH = BASIC_PAIR;
    process.env.FIREBREAK_WEBHOOK_MAX_BYTES = String(MAX_BYTES);
    process.env.FIREBREAK_API_TOKENS = 'operator-token-1:operator:otto';
    process.env.LOG_LEVEL = 'silent';
    app = await startIngress();
  });

  afterAll(() => stopIngress(app));

  it('publishes the incident once (one alerts.received.batch of one alert), acknowledged before the answer', async () => {
    const resource = uniqueTestId('pod');
    const labels = labelsOf(resource);
    const fingerprint = alertFingerprint(labels);
    const before = await storedAlertCount(app);
    const accepted = () => metricValue(app, /^firebreak_alerts_received_total\{source="api",status="firing"\}/);
    const acceptedBefore = await accepted();

    const response = await post(app, { url, headers: bearer, body: incident(resource) });

    expect(response.statusCode).toBe(200);
    const eventId = deriveEventId('api', fingerprint, 'firing', '2024-01-15T10:30:00.000Z', null);
    expect(response.json()).toEqual({ status: 'accepted', received: 1, eventIds: [eventId], fingerprint });
    expect(await storedAlertCount(app)).toBe(before + 1);
    const stored = (await storedAlertEvents(app)).find((entry) => entry.event.id === eventId);
    expect(stored?.msgId).toBe(deriveEventId('alerts.received.batch', eventId));
    expect(stored?.batch).toMatchObject({ type: 'firebreak.alerts.received.batch.v1', source: 'firebreak/ingress' });
    expect(stored?.event).toMatchObject({
      data: {
        source: 'api',
        receiver: 'n8n',
        alert: {
          fingerprint,
          status: 'firing',
          severity: 'error',
          labels,
          annotations: { summary: `pod_crash: ${resource} in production (prod-cluster)`, original_severity: 'high' },
          startsAt: '2024-01-15T10:30:00.000Z',
          endsAt: null,
        },
      },
    });
    expect((await accepted()) - acceptedBefore).toBe(1);
  });

  it('drops a retried post as a JetStream duplicate: the same id, nothing new stored', async () => {
    const body = incident(uniqueTestId('pod'), { id: 'INC-777' });
    const first = await post(app, { url, headers: bearer, body });
    const countAfterFirst = await storedAlertCount(app);
    // A retry from n8n, later and with Basic auth this time: same body, same alert.
    const basic = { authorization: `Basic ${Buffer.from(BASIC_PAIR).toString('base64')}` };
    const second = await post(app, { url, headers: basic, body });

    expect(first.statusCode).toBe(200);
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual(first.json());
    expect(await storedAlertCount(app)).toBe(countAfterFirst);
  });

  it('keeps hostile text as data, byte for byte', async () => {
    const hostile = {
      summary: '<b>crash</b> & "stall" <!channel> {{ $env.SECRET }}',
      description: "$(reboot); `id`; '; DROP TABLE alerts; --",
    };
    const response = await post(app, { url, headers: bearer, body: incident('<img src=x onerror=alert(1)>', hostile) });

    expect(response.statusCode).toBe(200);
    const stored = (await storedAlertEvents(app)).find((entry) => entry.event.id === response.json().eventIds[0]);
    expect(stored?.event.data.alert.labels.resource).toBe('<img src=x onerror=alert(1)>');
    expect(stored?.event.data.alert.annotations).toMatchObject(hostile);
  });

  it.each([
    ['no credentials', {}, incident('a'), 401, /credentials are required/],
    ['a wrong token', { authorization: 'Bearer not-the-token-1' }, incident('a'), 401, /not valid/],
    ['an API role token in place of the webhook one', { authorization: 'Bearer operator-token-1' }, incident('a'), 401, /not valid/],
    ['no type', bearer, { ...incident('a'), alert: { severity: 'high' } }, 400, /^alert\.type: /],
    ['no timestamp', bearer, { alert: incident('a').alert, context: { cluster: 'c' } }, 400, /^context\.timestamp: /],
    ['an unknown field', bearer, incident('a', { severty: 'high' }), 400, /severty/],
    ['a wrongly typed severity', bearer, incident('a', { severity: 5 }), 400, /^alert\.severity: /],
    ['bad JSON', bearer, '{"alert": {', 400, /JSON/],
    ['a body over the limit', bearer, incident('a', { description: 'x'.repeat(MAX_BYTES) }), 413, /too large/i],
  ])('refuses %s, publishing nothing', async (_case, headers, body, status, message) => {
    const before = await storedAlertCount(app);

    const response = await post(app, { url, headers, body });

    expect(response.statusCode).toBe(status);
    expect(response.json().error.message).toMatch(message);
    if (status === 401) expect(response.headers['www-authenticate']).toMatch(/Bearer/);
    expect(await storedAlertCount(app)).toBe(before);
  });

  it('refuses a form body with 415', async () => {
    const response = await post(app, { url, headers: { ...bearer, 'content-type': 'application/x-www-form-urlencoded' }, body: 'alert=x' });
    expect(response.statusCode).toBe(415);
  });
});

describe('the n8n incident webhook when NATS is down', () => {
  let app: NestFastifyApplication;
  let nats: ChildProcess;
  let natsPort: number;
  const storeDir = `/tmp/${uniqueTestId('n8n_nats')}`;
  const startNats = () => spawn('nats-server', ['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', storeDir], { stdio: 'ignore' });
  const stopNats = () =>
    nats.exitCode !== null || nats.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          nats.once('exit', () => resolve());
          nats.kill('SIGKILL');
        });

  // Its own nats-server, so the test can stop it without touching anyone else's.
  beforeAll(async () => {
    natsPort = await freePort();
    nats = startNats();
    process.env.NATS_URL = `nats://127.0.0.1:${natsPort}`;
    process.env.FIREBREAK_SUBJECT_PREFIX = uniqueTestId('n8nout');
    process.env.FIREBREAK_PUBLISH_TIMEOUT_MS = '500';
    app = await startIngress();
  });

  afterAll(async () => {
    await stopIngress(app);
    await stopNats();
    await rm(storeDir, { recursive: true, force: true });
  });

  it('answers 503 with Retry-After, and accepts the same post once NATS is back', async () => {
    const body = incident(uniqueTestId('pod'));
    await stopNats();
    await waitFor(() => !app.get(BusConnection).isConnected(), { timeoutMs: 15_000, message: 'the ingress did not notice NATS stopping' });

    const refused = await post(app, { url, headers: bearer, body });
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(refused.json().error).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/NATS/) });

    nats = startNats();
    let accepted = refused;
    await waitFor(
      async () => {
        accepted = await post(app, { url, headers: bearer, body });
        return accepted.statusCode === 200;
      },
      { timeoutMs: 30_000, intervalMs: 200, message: () => `still ${accepted.statusCode} after NATS returned` },
    );
    expect((await storedAlertEvents(app)).map((entry) => entry.event.id)).toEqual(accepted.json().eventIds);
  });
});
