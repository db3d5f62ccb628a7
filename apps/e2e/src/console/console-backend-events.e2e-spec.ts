import { request } from 'node:http';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, nanos, NatsConnection } from '@nats-io/transport-node';
import { alertFingerprint } from '@firebreak/contracts';
import { resolveNatsUrl, TcpProxy, waitFor } from '@firebreak/testing';
import { Stack } from '../stack';

const ADMIN = 'console-events-admin-token';
const VIEWER = 'console-events-viewer-token';

/**
 * The console's live stream against the real mapper and a real NATS: events published on the bus (with
 * the installation's prefix) reach every open stream; a client that stops reading is dropped; a NATS
 * outage pauses the stream without closing it.
 */
describe('console backend live events', () => {
  let stack: Stack;
  let console_: string;
  let nc: NatsConnection;

  beforeAll(async () => {
    // No webhook tokens: the ingress takes callers on its host, here the console with a token it knows.
    stack = new Stack({
      apps: ['ingress', 'mapper'],
      env: { FIREBREAK_API_TOKENS: `${ADMIN}:admin:e2e-admin,${VIEWER}:viewer:e2e-viewer` },
    });
    await stack.start();
    await stack.startService('console', { FIREBREAK_CONSOLE_MAX_STREAMS: '3' });
    console_ = stack.url('console');
    nc = await connect({ servers: await resolveNatsUrl() });
  });

  afterAll(async () => {
    await nc?.close();
    await stack?.cleanUp();
  });

  const call = (path: string, token: string, init: RequestInit = {}) =>
    fetch(`${console_}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) } });

  /** Posted to the ingress from this host, which it trusts without webhook credentials (as Alertmanager beside it would). */
  async function postAlert(alertname: string): Promise<string> {
    const labels = { alertname, instance: 'db-1:5432', job: 'db', severity: 'warning' };
    const alert = {
      status: 'firing',
      labels,
      annotations: {},
      startsAt: new Date().toISOString(),
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: '',
    };
    const body = {
      version: '4',
      groupKey: `{}:{alertname="${alertname}"}`,
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'firebreak',
      groupLabels: { alertname },
      commonLabels: labels,
      commonAnnotations: {},
      externalURL: 'http://alertmanager.example:9093',
      alerts: [alert],
    };
    const response = await fetch(`${stack.url('ingress')}/api/v1/alerts/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    const fingerprint = alertFingerprint(labels);
    await waitFor(async () => (await call(`/api/mapper/v1/alerts/${fingerprint}`, VIEWER)).status === 200, {
      timeoutMs: 20_000,
      message: `alert ${alertname} in the mapper`,
    });
    return fingerprint;
  }

  describe('the ingress through the console (no webhook credentials: the ingress trusts its own host)', () => {
    const webhook = (alertname: string) => ({
      version: '4',
      groupKey: `{}:{alertname="${alertname}"}`,
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'firebreak',
      groupLabels: { alertname },
      commonLabels: { alertname },
      commonAnnotations: {},
      externalURL: 'http://alertmanager.example:9093',
      alerts: [
        {
          status: 'firing',
          labels: { alertname, severity: 'critical' },
          annotations: { automation_runbook: 'service_unavailable' },
          startsAt: new Date().toISOString(),
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: '',
        },
      ],
    });
    const post = (path: string, token: string, body: unknown) =>
      call(path, token, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    it('relays no webhook: a viewer (or an admin) cannot post an Alertmanager notification through the console', async () => {
      for (const token of [VIEWER, ADMIN]) {
        const response = await post('/api/ingress/v1/alerts/alertmanager', token, webhook('ConsoleRelayRefused'));
        expect(response.status).toBe(403);
        expect(((await response.json()) as { error: { code: string; message: string } }).error).toMatchObject({
          code: 'not_relayed',
          message: expect.stringContaining('does not relay webhooks'),
        });
      }
      expect((await post('/api/ingress/webhooks/n8n/incident', ADMIN, {})).status).toBe(403);
      // And were one relayed, the Forwarded header the console adds ends the ingress's trust in its own host.
      const proxied = await fetch(`${stack.url('ingress')}/api/v1/alerts/alertmanager`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', forwarded: 'for=127.0.0.1', 'x-forwarded-for': '127.0.0.1' },
        body: JSON.stringify(webhook('ConsoleRelayRefused')),
      });
      expect(proxied.status).toBe(403);
      const fingerprint = alertFingerprint({ alertname: 'ConsoleRelayRefused', severity: 'critical' });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect((await call(`/api/mapper/v1/alerts/${fingerprint}`, VIEWER)).status).toBe(404);
    });

    it('forwards custom alerts, which the ingress lets only an operator post', async () => {
      const alert = { name: 'ConsoleCustomAlert', severity: 'warning', summary: 'raised from the console' };
      const refused = await post('/api/ingress/v1/alerts', VIEWER, alert);
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('forbidden');
      expect((await post('/api/ingress/v1/alerts', ADMIN, alert)).status).toBe(200);
    });
  });

  describe('live events', () => {
    const publish = (subject: string, event: object) => nc.publish(`${stack.prefix}.${subject}`, JSON.stringify(event));

    it('streams an alerts.state.changed published on the bus (with the prefix) with its id, subject and one-line data', async () => {
      const stream = await SseReader.open(`${console_}/api/console/events`, VIEWER);
      try {
        expect(stream.status).toBe(200);
        await waitFor(() => stream.text.includes(': keep-alive'), { message: 'the stream to open' });
        const event = {
          specversion: '1.0',
          id: 'evt-console-e2e-1',
          type: 'firebreak.alerts.state.changed.v1',
          source: 'test',
          data: { note: 'a\nb' },
        };
        publish('alerts.state.changed', event);
        // Not on the list: a runbook request is not shown live.
        publish('runbooks.requested', { ...event, id: 'evt-console-e2e-hidden' });
        await waitFor(() => stream.text.includes('evt-console-e2e-1'), { message: () => `the event on the stream: ${stream.text}` });
        expect(stream.text).toContain(`id: evt-console-e2e-1\nevent: alerts.state.changed\ndata: ${JSON.stringify(event)}\n\n`);
        expect(stream.text).not.toContain('evt-console-e2e-hidden');
      } finally {
        stream.close();
      }
    });

    it('shows what a service announces: an acknowledgement made through the console arrives on the stream', async () => {
      const fingerprint = await postAlert('ConsoleLiveAck');
      const stream = await SseReader.open(`${console_}/api/console/events`, ADMIN);
      try {
        await waitFor(() => stream.text.includes(': keep-alive'), { message: 'the stream to open' });
        const acked = await call(`/api/mapper/v1/alerts/${fingerprint}/acknowledge`, ADMIN, { method: 'POST' });
        expect(acked.status).toBe(200);
        await waitFor(() => stream.text.includes(fingerprint), {
          timeoutMs: 15_000,
          message: () => `the acknowledgement on the stream: ${stream.text}`,
        });
        expect(stream.text).toMatch(new RegExp(`event: alerts\\.state\\.changed\\ndata: \\{[^\\n]*${fingerprint}`));
      } finally {
        stream.close();
      }
    });

    it('refuses a stream without a token', async () => {
      const stream = await SseReader.open(`${console_}/api/console/events`, '');
      expect(stream.status).toBe(401);
    });

    it('drops a client that stops reading instead of buffering for it, and frees its place', async () => {
      const unread = await openUnreadStream(`${console_}/api/console/events`, VIEWER);
      const reading = await SseReader.open(`${console_}/api/console/events`, VIEWER);
      const third = await SseReader.open(`${console_}/api/console/events`, VIEWER);
      try {
        // FIREBREAK_CONSOLE_MAX_STREAMS is 3 here.
        const fourth = await SseReader.open(`${console_}/api/console/events`, VIEWER);
        expect(fourth.status).toBe(429);
        // Well past what the kernel holds for a socket nobody reads, in bursts the reading client keeps up with.
        const pad = 'x'.repeat(256 * 1024);
        for (let batch = 0; batch < 25; batch += 1) {
          for (let i = 0; i < 4; i += 1) publish('alerts.analysis', { id: `evt-flood-${batch}-${i}`, data: { pad } });
          await waitFor(() => reading.text.includes(`evt-flood-${batch}-3`), { timeoutMs: 10_000, message: `batch ${batch} read` });
        }
        unread.resume();
        await unread.ended;
        await waitFor(
          async () => {
            const again = await SseReader.open(`${console_}/api/console/events`, VIEWER);
            again.close();
            return again.status === 200;
          },
          { timeoutMs: 10_000, message: 'a place freed by the dropped client' },
        );
      } finally {
        reading.close();
        third.close();
      }
    });
  });

  describe('the bus, read only', () => {
    it('starts without creating or updating a stream: a stream setting it would otherwise restore stays as it is', async () => {
      const jsm = await jetstreamManager(nc);
      const name = `FIREBREAK_ALERTS_${stack.prefix.toUpperCase()}`;
      const original = (await jsm.streams.info(name)).config;
      const changedMaxAge = original.max_age + nanos(60_000);
      await stack.stopService('console');
      await jsm.streams.update(name, { ...original, max_age: changedMaxAge });
      try {
        await stack.startService('console', { FIREBREAK_CONSOLE_MAX_STREAMS: '3' });
        console_ = stack.url('console');
        expect((await call('/api/console/session', VIEWER)).status).toBe(200);
        expect((await jsm.streams.info(name)).config.max_age).toBe(changedMaxAge);
      } finally {
        await jsm.streams.update(name, original);
      }
    });
  });

  describe('through a NATS outage', () => {
    it('keeps the stream open and resumes when NATS is back', async () => {
      const nats = new URL(await resolveNatsUrl());
      const proxy = new TcpProxy(nats.hostname, Number(nats.port || 4222));
      await proxy.start();
      await stack.stopService('console');
      await stack.startService('console', { NATS_URL: `nats://127.0.0.1:${proxy.port}` });
      const stream = await SseReader.open(`${stack.url('console')}/api/console/events`, VIEWER);
      try {
        const publish = (id: string) => nc.publish(`${stack.prefix}.runbooks.execution.step`, JSON.stringify({ id, data: {} }));
        publish('evt-before-outage');
        await waitFor(() => stream.text.includes('evt-before-outage'), { message: 'an event before the outage' });
        await proxy.cut();
        await new Promise((resolve) => setTimeout(resolve, 1500));
        await proxy.restore();
        let attempt = 0;
        await waitFor(
          () => {
            attempt += 1;
            publish(`evt-after-outage-${attempt}`);
            return stream.text.includes('evt-after-outage-');
          },
          { timeoutMs: 20_000, intervalMs: 250, message: 'an event after NATS came back' },
        );
        expect(stream.ended).toBe(false);
      } finally {
        stream.close();
        await proxy.stop();
      }
    });
  });
});

/** Reads a Server-Sent Events stream with fetch, as the page does, collecting its text. */
class SseReader {
  text = '';
  private readonly abort = new AbortController();
  status = 0;

  static async open(url: string, token: string): Promise<SseReader> {
    const reader = new SseReader();
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: reader.abort.signal });
    reader.status = response.status;
    if (response.ok && response.body) void reader.pump(response.body);
    else reader.text = await response.text();
    return reader;
  }

  ended = false;

  private async pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of body) this.text += decoder.decode(chunk, { stream: true });
    } catch {
      // Aborted by close().
    }
    this.ended = true;
  }

  close(): void {
    this.abort.abort();
  }
}

/** A stream opened and then never read: its bytes pile up in the kernel, then in the console. */
function openUnreadStream(url: string, token: string): Promise<{ ended: Promise<void>; resume: () => void }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.pause();
      const ended = new Promise<void>((done) => {
        res.once('end', done);
        res.once('close', done);
        res.once('error', () => done());
      });
      resolve({ ended, resume: () => res.resume() });
    });
    req.once('error', reject);
    req.end();
  });
}
