import { request } from 'node:http';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alertFingerprint } from '@firebreak/contracts';
import { FakeHttpTarget, freePort, waitFor } from '@firebreak/testing';
import { Stack } from '../stack';

const WEBHOOK_TOKEN = 'console-e2e-webhook-token';
const ADMIN = 'console-e2e-admin-token';
const OPERATOR = 'console-e2e-operator-token';
const VIEWER = 'console-e2e-viewer-token';
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/**
 * The console against the real ingress and mapper: it forwards with the caller's token (the service
 * behind decides), reports health and serves the page (live events: console-backend-events). A fake stands in for the
 * knowledge service where the test needs a slow or inspectable upstream.
 */
describe('console backend', () => {
  const slowKnowledge = new FakeHttpTarget();
  const webDir = mkdtempSync(join(tmpdir(), 'firebreak-console-web-'));
  let stack: Stack;
  let console_: string;

  beforeAll(async () => {
    writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>console test page</title><div id="root"></div>');
    mkdirSync(join(webDir, 'assets'));
    writeFileSync(join(webDir, 'assets', 'app-3f9a.js'), 'console.log("app")');
    await slowKnowledge.start();
    slowKnowledge.on('GET', '/api/v1/slow', () => ({ delayMs: 8000, body: { late: true } }));
    slowKnowledge.on('POST', '/api/v1/slow', () => ({ delayMs: 8000, body: { late: true } }));
    slowKnowledge.on('POST', '/api/v1/echo', (request) => ({ status: 201, body: { got: request.body }, headers: { 'retry-after': '7' } }));
    stack = new Stack({
      apps: ['ingress', 'mapper'],
      env: {
        FIREBREAK_WEBHOOK_TOKENS: WEBHOOK_TOKEN,
        FIREBREAK_API_TOKENS: `${ADMIN}:admin:e2e-admin,${OPERATOR}:operator:e2e-operator,${VIEWER}:viewer:e2e-viewer`,
      },
    });
    await stack.start();
    await stack.startService('console', {
      FIREBREAK_URL_KNOWLEDGE: slowKnowledge.url,
      FIREBREAK_URL_NOTIFIER: `http://127.0.0.1:${await freePort()}`,
      // Long enough for a loaded machine's mapper, short enough for a test of the slow fake.
      FIREBREAK_CONSOLE_UPSTREAM_TIMEOUT_MS: '5000',
      FIREBREAK_CONSOLE_WRITE_TIMEOUT_MS: '5000',
      FIREBREAK_CONSOLE_MAX_STREAMS_PER_TOKEN: '5',
      FIREBREAK_CONSOLE_WEB_DIR: webDir,
    });
    console_ = stack.url('console');
  });

  afterAll(async () => {
    await stack?.cleanUp();
    await slowKnowledge.stop();
  });

  const call = (path: string, token?: string, init: RequestInit = {}) =>
    fetch(`${console_}${path}`, {
      ...init,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers as Record<string, string>) },
    });

  async function postAlert(alertname: string): Promise<string> {
    const labels = { alertname, instance: 'db-1:5432', job: 'db', severity: 'warning' };
    const response = await fetch(`${stack.url('ingress')}/api/v1/alerts/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${WEBHOOK_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        version: '4',
        groupKey: `{}:{alertname="${alertname}"}`,
        truncatedAlerts: 0,
        status: 'firing',
        receiver: 'firebreak',
        groupLabels: { alertname },
        commonLabels: labels,
        commonAnnotations: {},
        externalURL: 'http://alertmanager.example:9093',
        alerts: [
          {
            status: 'firing',
            labels,
            annotations: {},
            startsAt: new Date().toISOString(),
            endsAt: '0001-01-01T00:00:00Z',
            generatorURL: '',
          },
        ],
      }),
    });
    expect(response.status).toBe(200);
    const fingerprint = alertFingerprint(labels);
    await waitFor(async () => (await call(`/api/mapper/v1/alerts/${fingerprint}`, VIEWER)).status === 200, {
      timeoutMs: 20_000,
      message: `alert ${alertname} in the mapper`,
    });
    return fingerprint;
  }

  describe('forwarding', () => {
    it('forwards a GET with its query string and the caller token, answering what the service answers', async () => {
      const fingerprint = await postAlert('ConsoleForwardGet');
      const response = await call('/api/mapper/v1/alerts?alertname=ConsoleForwardGet', VIEWER);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('application/json');
      const body = (await response.json()) as { items: Array<{ fingerprint: string }> };
      expect(body.items.map((item) => item.fingerprint)).toEqual([fingerprint]);
    });

    it('acknowledges through the console: the mapper records it under the token name', async () => {
      const fingerprint = await postAlert('ConsoleAcknowledge');
      const response = await call(`/api/mapper/v1/alerts/${fingerprint}/acknowledge`, OPERATOR, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ note: 'looking at it' }),
      });
      expect({ status: response.status, body: await response.text() }).toMatchObject({ status: 200 });
      const direct = await fetch(`${stack.url('mapper')}/api/v1/alerts/${fingerprint}`, { headers: { authorization: `Bearer ${VIEWER}` } });
      const alert = (await direct.json()) as { acknowledgement: { by: string; note: string } | null };
      expect(alert.acknowledgement).toMatchObject({ by: 'e2e-operator', note: 'looking at it' });
    });

    it('passes on the service refusing a viewer (403) and a caller without a token (401), unchanged', async () => {
      const fingerprint = await postAlert('ConsoleForbidden');
      const forged = await call(`/api/mapper/v1/alerts/${fingerprint}/resolve`, VIEWER, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(forged.status).toBe(403);
      expect(((await forged.json()) as { error: { code: string } }).error.code).toBe('forbidden');
      expect((await call('/api/mapper/v1/alerts')).status).toBe(401);
      const alert = (await (await call(`/api/mapper/v1/alerts/${fingerprint}`, VIEWER)).json()) as { status: string };
      expect(alert.status).toBe('firing');
    });

    it('sends only Authorization, Content-Type, Accept and Idempotency-Key on, and returns status, type, Retry-After and body', async () => {
      slowKnowledge.reset();
      const response = await call('/api/knowledge/v1/echo?x=1', OPERATOR, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: 'session=stolen', 'idempotency-key': 'k-1', 'x-custom': 'no' },
        body: JSON.stringify({ hello: '<script>' }),
      });
      expect(response.status).toBe(201);
      expect(response.headers.get('retry-after')).toBe('7');
      expect(await response.json()).toEqual({ got: { hello: '<script>' } });
      const seen = slowKnowledge.requests[0];
      expect(seen).toMatchObject({ method: 'POST', path: '/api/v1/echo', query: { x: '1' } });
      expect(seen.headers).toMatchObject({ authorization: `Bearer ${OPERATOR}`, 'idempotency-key': 'k-1' });
      expect(seen.headers.cookie).toBeUndefined();
      expect(seen.headers['x-custom']).toBeUndefined();
      // The caller, named as a proxy names it: the ingress then refuses its trust in local callers.
      expect(seen.headers).toMatchObject({ forwarded: 'for=127.0.0.1', 'x-forwarded-for': '127.0.0.1' });
    });

    it('sends on its own Forwarded and X-Forwarded-For, not what the caller claims', async () => {
      slowKnowledge.reset();
      await call('/api/knowledge/v1/echo', OPERATOR, {
        method: 'POST',
        headers: { 'content-type': 'application/json', forwarded: 'for=10.9.9.9', 'x-forwarded-for': '10.9.9.9' },
        body: '{}',
      });
      expect(slowKnowledge.requests[0].headers).toMatchObject({ forwarded: 'for=127.0.0.1', 'x-forwarded-for': '127.0.0.1' });
    });

    it('forwards nothing for a caller without a known token: 401 from the console, the service never asked', async () => {
      slowKnowledge.reset();
      for (const token of [undefined, 'not-a-known-token']) {
        const response = await call('/api/knowledge/v1/echo', token, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        });
        expect(response.status).toBe(401);
        expect(((await response.json()) as { error: { message: string } }).error.message).toContain('valid API token');
      }
      expect(slowKnowledge.requests).toHaveLength(0);
    });

    it('answers 404 for an unknown service and 400 for path tricks, before anything is forwarded', async () => {
      expect((await call('/api/postgres/v1/anything', ADMIN)).status).toBe(404);
      // Sent as written: fetch would resolve the dot segments itself.
      for (const path of [
        '/api/mapper/v1/../../metrics',
        '/api/mapper/v1/%2e%2e/%2e%2e/metrics',
        '/api/mapper/v1/alerts%2F..%2Fx',
        '/api/mapper//v1/alerts',
      ]) {
        expect({ path, status: await rawStatus(`${console_}${path}`, ADMIN) }).toEqual({ path, status: 400 });
      }
    });

    it('answers 502 naming the service (not where it is) when it is down, 504 when it is too slow, 413 past 1 MiB', async () => {
      const down = await call('/api/notifier/v1/notifications', ADMIN);
      expect(down.status).toBe(502);
      const error = ((await down.json()) as { error: { code: string; message: string } }).error;
      expect(error).toMatchObject({ code: 'upstream_unreachable', message: expect.stringContaining('notifier') });
      expect(error.message).not.toMatch(/127\.0\.0\.1|http:/);
      const slow = await call('/api/knowledge/v1/slow', ADMIN);
      expect(slow.status).toBe(504);
      expect(((await slow.json()) as { error: { code: string; message: string } }).error.message).not.toContain(slowKnowledge.url);
      const big = await call('/api/knowledge/v1/echo', ADMIN, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ pad: 'x'.repeat(1_100_000) }),
      });
      expect(big.status).toBe(413);
    });

    it('answers a change that timed out 504 upstream_timeout_unknown_outcome: it may have taken effect', async () => {
      const response = await call('/api/knowledge/v1/slow', OPERATOR, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(response.status).toBe(504);
      const error = ((await response.json()) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe('upstream_timeout_unknown_outcome');
      expect(error.message).toContain('may still have taken effect');
    });

    it('lends nobody its loopback address: forwarding to the ingress needs a valid API token', async () => {
      const response = await call('/api/ingress/v1/alerts/alertmanager', undefined, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(response.status).toBe(401);
    });
  });

  describe('session', () => {
    it('says who the token is, and refuses a missing or unknown token', async () => {
      expect(await (await call('/api/console/session', VIEWER)).json()).toEqual({ name: 'e2e-viewer', role: 'viewer' });
      expect(await (await call('/api/console/session', ADMIN)).json()).toEqual({ name: 'e2e-admin', role: 'admin' });
      expect((await call('/api/console/session')).status).toBe(401);
      expect((await call('/api/console/session', 'not-a-known-token')).status).toBe(401);
    });
  });

  describe('live streams', () => {
    it('holds each token to FIREBREAK_CONSOLE_MAX_STREAMS_PER_TOKEN (set to 5 here), leaving room for the others', async () => {
      const abort = new AbortController();
      const open = (token: string) =>
        fetch(`${console_}/api/console/events`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
      try {
        const mine = await Promise.all([1, 2, 3, 4, 5].map(() => open(VIEWER)));
        expect(mine.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
        const sixth = await open(VIEWER);
        expect(sixth.status).toBe(429);
        expect(((await sixth.json()) as { error: { code: string; message: string } }).error).toMatchObject({
          code: 'too_many_streams',
          message: expect.stringContaining('FIREBREAK_CONSOLE_MAX_STREAMS_PER_TOKEN'),
        });
        expect((await open(OPERATOR)).status).toBe(200);
      } finally {
        abort.abort();
      }
      // Closed streams give their places back.
      await waitFor(
        async () => {
          const again = new AbortController();
          const response = await fetch(`${console_}/api/console/events`, {
            headers: { authorization: `Bearer ${VIEWER}` },
            signal: again.signal,
          });
          again.abort();
          return response.status === 200;
        },
        { timeoutMs: 10_000, message: 'the places freed' },
      );
    });
  });

  describe('health', () => {
    it('shows each service readiness and the consumers of the stack', async () => {
      const response = await call('/api/console/health', VIEWER);
      expect(response.status).toBe(200);
      const report = (await response.json()) as {
        services: Array<{ service: string; url: string; status?: number; unreachable?: string }>;
        consumers: Array<{ stream: string; durable: string; pending: number; ackPending: number; redelivered: number }>;
        dlq: { stream: string; messages?: number };
      };
      expect(report.services.find((s) => s.service === 'mapper')).toMatchObject({ url: stack.url('mapper'), status: 200 });
      expect(report.services.find((s) => s.service === 'notifier')).toMatchObject({ unreachable: expect.any(String) });
      const alerts = `FIREBREAK_ALERTS_${stack.prefix.toUpperCase()}`;
      const mine = report.consumers.filter((c) => c.stream === alerts);
      expect(mine.length).toBeGreaterThan(0);
      for (const consumer of mine) {
        expect(consumer).toEqual({
          stream: alerts,
          durable: expect.any(String),
          pending: expect.any(Number),
          ackPending: expect.any(Number),
          redelivered: expect.any(Number),
        });
      }
      expect(report.consumers.every((c) => c.stream.endsWith(`_${stack.prefix.toUpperCase()}`))).toBe(true);
      expect(report.dlq).toEqual({ stream: `FIREBREAK_DLQ_${stack.prefix.toUpperCase()}`, messages: 0 });
      expect((await call('/api/console/health')).status).toBe(401);
    });
  });

  describe('the page', () => {
    it('serves index.html for / and for any client-side route, with the security headers', async () => {
      for (const path of ['/', '/alerts/abc?tab=history', '/slos']) {
        const response = await call(path);
        expect({ path, status: response.status }).toEqual({ path, status: 200 });
        expect(await response.text()).toContain('console test page');
        expect(response.headers.get('content-security-policy')).toBe(CSP);
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
        expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      }
    });

    it('serves the built files as they are, with their type and the same headers', async () => {
      const response = await call('/assets/app-3f9a.js');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('javascript');
      expect(response.headers.get('content-security-policy')).toBe(CSP);
      expect(await response.text()).toBe('console.log("app")');
    });

    it('answers 404 for a missing file under /assets/ and a missing source map, not the page', async () => {
      for (const path of ['/assets/missing-0000.js', '/assets/app-3f9a.js.map', '/index.js.map']) {
        const response = await call(path);
        expect({ path, status: response.status }).toEqual({ path, status: 404 });
        expect(response.headers.get('content-type')).toContain('application/json');
        expect(response.headers.get('cache-control')).toBe('no-store');
      }
    });

    it('never answers an API path or a path outside the app with the page', async () => {
      expect((await call('/api/console/nothing-here')).status).toBe(404);
      expect((await call('/health/nothing')).status).toBe(404);
      for (const path of ['/assets/..%2f..%2f..%2f..%2fetc%2fpasswd', '/../../../../etc/passwd']) {
        const escape = await call(path);
        expect(await escape.text()).not.toContain('root:');
        expect(await rawStatus(`${console_}${path}`)).not.toBe(500);
      }
      expect((await call('/docs')).status).toBe(200);
      // The document is built on its first request: a broken build would show only here, as a 500.
      const document = await call('/docs-json');
      expect(document.status).toBe(200);
      expect(((await document.json()) as { info: { title: string } }).info.title).toBe('Firebreak console');
    });

    it('says to run npm run build when the app is not built', async () => {
      await stack.stopService('console');
      await stack.startService('console', { FIREBREAK_CONSOLE_WEB_DIR: join(webDir, 'not-built') });
      const response = await fetch(`${stack.url('console')}/alerts`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-security-policy')).toBe(CSP);
      expect(await response.text()).toContain('npm run build');
    });
  });
});

/** The status of a GET sent with its path exactly as written (no dot-segment resolution). */
function rawStatus(url: string, token?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const { origin } = new URL(url);
    const path = url.slice(origin.length);
    const req = request(`${origin}/`, { path, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
    req.end();
  });
}
