import { connect as connectTcp, createServer, Server, Socket } from 'node:net';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { SubjectNames } from '@firebreak/bus';
import { AlertsReceivedBatch, CloudEvent, streamForSubject } from '@firebreak/contracts';
import { alertmanagerFixture, resolveNatsUrl, uniqueTestId } from '@firebreak/testing';
import { metricValue, post, startIngress, stopIngress, storedAlertCount } from '../testing/ingress-harness';

const TOKEN = 'route-test-token-0123';
const auth = { authorization: `Bearer ${TOKEN}` };
const MAX_BYTES = 16_384;

/** NATS behind a proxy that, once `delayMs` is set, holds what the ingress sends for that long: a slow JetStream. */
class SlowNatsProxy {
  delayMs = 0;
  port = 0;
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  async start(target: URL): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connectTcp(Number(target.port), target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('error', () => socket.destroy());
        socket.on('close', () => (client.destroy(), upstream.destroy()));
      }
      // Same delay for every chunk, so the timers keep the bytes in order.
      client.on('data', (chunk) => (this.delayMs > 0 ? setTimeout(() => upstream.write(chunk), this.delayMs) : upstream.write(chunk)));
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

const rejected = (app: NestFastifyApplication, reason: string) =>
  metricValue(app, new RegExp(`^firebreak_ingress_rejected_total\\{reason="${reason}"\\}`));

describe('the Alertmanager webhook route (plain Fastify)', () => {
  let app: NestFastifyApplication;
  const proxy = new SlowNatsProxy();
  let natsUrl: string;

  beforeAll(async () => {
    natsUrl = await resolveNatsUrl();
    await proxy.start(new URL(natsUrl.replace(/^nats:/, 'http:')));
    process.env.NATS_URL = `nats://127.0.0.1:${proxy.port}`;
    process.env.FIREBREAK_SUBJECT_PREFIX = uniqueTestId('route');
    process.env.FIREBREAK_WEBHOOK_TOKENS = TOKEN;
    process.env.FIREBREAK_WEBHOOK_MAX_BYTES = String(MAX_BYTES);
    process.env.LOG_LEVEL = 'silent';
    app = await startIngress();
  });

  afterAll(async () => {
    await stopIngress(app);
    await proxy.stop();
    delete process.env.FIREBREAK_WEBHOOK_TOKENS;
    delete process.env.FIREBREAK_WEBHOOK_MAX_BYTES;
  });

  it.each([
    ['a body that is not JSON', '{"version": "4", "alerts": ['],
    ['a body over FIREBREAK_WEBHOOK_MAX_BYTES', JSON.stringify({ padding: 'x'.repeat(MAX_BYTES) })],
  ])('checks credentials before it reads the body: 401 for %s without them', async (_case, body) => {
    const before = await rejected(app, 'unauthorized');
    const response = await post(app, { body });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/Bearer.*Basic/);
    expect(response.json().error).toMatchObject({ code: 'unauthorized', message: expect.stringMatching(/credentials are required/) });
    expect(await rejected(app, 'unauthorized')).toBe(before + 1);
  });

  it.each([
    ['no content type', undefined],
    ['a look-alike of JSON', 'application/jsonx'],
  ])('checks the content type before it reads the body: 415 for %s, even over the size limit', async (_case, contentType) => {
    const before = await rejected(app, 'unsupported_media_type');
    const response = await app
      .getHttpAdapter()
      .getInstance()
      .inject({
        method: 'POST',
        url: '/api/v1/alerts/alertmanager',
        headers: { ...auth, ...(contentType ? { 'content-type': contentType } : {}) },
        payload: Buffer.from(JSON.stringify({ padding: 'x'.repeat(MAX_BYTES) })),
      });
    expect(response.statusCode).toBe(415);
    expect(response.json().error).toMatchObject({ code: 'unsupported_media_type', message: expect.stringMatching(/JSON/) });
    expect(await rejected(app, 'unsupported_media_type')).toBe(before + 1);
  });

  it.each([
    ['null', 'null'],
    ['an array', '[]'],
    ['a string', '"alerts"'],
    ['a number', '42'],
    ['a __proto__ key', '{"__proto__": {"version": "4"}}'],
    ['a constructor.prototype key', '{"constructor": {"prototype": {"version": "4"}}}'],
    ['alerts as an object', JSON.stringify({ ...alertmanagerFixture('resolved'), alerts: { 0: {} } })],
    ['a label that is not a string', JSON.stringify({ ...alertmanagerFixture('resolved'), commonLabels: { a: { b: 1 } } })],
    ['deep nesting', `${'['.repeat(5000)}${']'.repeat(5000)}`],
  ])('answers 400 in the error shape for %s, never 500, and publishes nothing', async (_case, body) => {
    const before = await storedAlertCount(app);
    const response = await post(app, { headers: auth, body });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }) });
    expect(await storedAlertCount(app)).toBe(before);
  });

  it('answers 200 only once JetStream has every alert, with NATS slow to hear them', async () => {
    const fixture = alertmanagerFixture('firing-group');
    for (const alert of fixture.alerts) alert.startsAt = '2026-11-22T13:00:00Z';
    const direct = await connect({ servers: natsUrl });
    try {
      const jsm = await jetstreamManager(direct);
      const stream = streamForSubject('alerts.received.batch', app.get(SubjectNames).prefix);
      const before = (await jsm.streams.info(stream)).state.messages;
      proxy.delayMs = 300;

      const response = await post(app, { headers: auth, body: fixture });

      // Read at once, past the proxy: an answer sent before the ack would find the request still in flight.
      const { state } = await jsm.streams.info(stream);
      proxy.delayMs = 0;
      expect(response.statusCode).toBe(200);
      expect(response.json().eventIds).toHaveLength(fixture.alerts.length);
      expect(state.messages).toBe(before + 1);
      const stored = (await jsm.streams.getMessage(stream, { seq: state.last_seq }))!.json<CloudEvent<AlertsReceivedBatch>>();
      expect(stored.data.alerts.map((alert) => alert.id)).toEqual(response.json().eventIds);
    } finally {
      proxy.delayMs = 0;
      await direct.close();
    }
  });

  it('is still described by the OpenAPI document', async () => {
    const response = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/docs-json' });
    const operation = response.json().paths['/api/v1/alerts/alertmanager'].post;
    expect(operation.summary).toMatch(/Alertmanager's webhook/);
    expect(operation.requestBody.content['application/json'].schema.properties).toHaveProperty('alerts');
    expect(operation.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/AcceptedAlertsDto' });
    // The refusals the route answers are documented, as the README's table lists them.
    expect(Object.keys(operation.responses).sort()).toEqual(['200', '400', '401', '403', '413', '415', '503']);
  });
});
