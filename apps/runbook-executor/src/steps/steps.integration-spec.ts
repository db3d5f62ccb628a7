import { createServer } from 'node:http';
import { AddressInfo, createServer as createNetServer } from 'node:net';
import { FakeHttpTarget, freePort } from '@firebreak/testing';
import { RefusedError } from '../definitions/refusal';
import { StepFailure } from '../engine/step-failure';
import { CommandStepRunner } from './command.step';
import { HostAllowList } from './host-allow-list';
import { HttpStepRunner } from './http.step';
import { PrometheusStepRunner } from './prometheus.step';
import { ctx, HOSTILE } from './testing/step-context';

const target = new FakeHttpTarget();
beforeAll(() => target.start());
afterAll(() => target.stop());
beforeEach(() => target.reset());

describe('http steps', () => {
  const http = new HttpStepRunner(new HostAllowList(['127.0.0.1', '*.internal:8443']));

  it('calls an allow-listed host with values encoded and returns status and body', async () => {
    target.on('GET', '/svc/a%20b/health', () => ({ body: { healthy: true } }));
    const result = await http.run(ctx({ uses: 'http', with: { url: `${target.url}/svc/{{ alert.labels.s }}/health` } }, { s: 'a b' }));
    expect(result.outputs).toMatchObject({ status: 200, body: { healthy: true } });
    expect(target.requests[0].path).toBe('/svc/a%20b/health');
  });

  it('refuses hosts outside FIREBREAK_RUNBOOK_HTTP_ALLOW, including tricks, before any request', async () => {
    for (const instance of ['evil.example.com', '127.0.0.1.nip.io', 'api.internal:80', 'localhost']) {
      await expect(http.run(ctx({ uses: 'http', with: { url: 'http://{{ alert.labels.instance }}/x' } }, { instance }))).rejects.toThrow(
        /refused \(http-allow\)/,
      );
    }
    await expect(
      http.run(ctx({ uses: 'http', with: { url: 'http://{{ alert.labels.i }}/x' } }, { i: '127.0.0.1@evil.example.com' })),
    ).rejects.toThrow(RefusedError);
    await expect(http.run(ctx({ uses: 'http', with: { url: 'file:///etc/passwd' } }, {}))).rejects.toThrow(/scheme file:/);
    expect(target.requests).toHaveLength(0);
  });

  it('fails on an unexpected status (retryable for 5xx) and never follows a redirect off the allow-list', async () => {
    target.on('GET', '/down', () => ({ status: 503 }));
    target.on('GET', '/moved', () => ({ status: 302, headers: { location: 'http://evil.example.com/' } }));
    await expect(http.run(ctx({ uses: 'http', with: { url: `${target.url}/down` } }, {}))).rejects.toMatchObject({
      retryable: true,
      message: expect.stringContaining('HTTP 503'),
    });
    await expect(http.run(ctx({ uses: 'http', with: { url: `${target.url}/moved` } }, {}))).rejects.toMatchObject({
      retryable: false,
      message: expect.stringContaining('HTTP 302'),
    });
  });

  describe('"no answer" (status 0) only when the request went out and nothing came back', () => {
    const probe = (url: string, labels: Record<string, string> = {}, timeoutMs = 5_000) =>
      http.run(ctx({ uses: 'http', with: { url } }, labels, new AbortController().signal, timeoutMs));

    it('a closed port, an unknown name, a TLS failure and no response in time are status 0', async () => {
      const closed = await freePort();
      await expect(probe(`http://127.0.0.1:${closed}/health`)).rejects.toMatchObject({
        retryable: true,
        outputs: { status: 0, error: 'ECONNREFUSED' },
      });
      const dns = new HttpStepRunner(new HostAllowList(['*.invalid']));
      await expect(dns.run(ctx({ uses: 'http', with: { url: 'http://nothing.invalid/health' } }, {}))).rejects.toMatchObject({
        outputs: { status: 0, error: 'ENOTFOUND' },
      });
      // TLS to a plain-HTTP port: the handshake fails.
      await expect(probe(`https://127.0.0.1:${new URL(target.url).port}/health`)).rejects.toMatchObject({
        outputs: { status: 0, error: expect.stringMatching(/^ERR_SSL_|^EPROTO$|^ECONNRESET$/) },
      });
      target.on('GET', '/slow', () => ({ delayMs: 2_000 }));
      await expect(probe(`${target.url}/slow`, {}, 1_000)).rejects.toMatchObject({
        message: expect.stringMatching(/^no response from 127\.0\.0\.1:\d+: no answer within 0\.9s$/),
        outputs: { status: 0 },
      });
    });

    it('an answer whose body breaks off keeps the status that came', async () => {
      // A server that sends its status line and part of the body, then drops the connection.
      const server = createServer((_request, response) => {
        response.writeHead(503, { 'content-length': '1000' });
        response.write('partial', () => response.socket?.destroy());
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = server.address() as AddressInfo;
        await expect(probe(`http://127.0.0.1:${port}/health`)).rejects.toMatchObject({
          retryable: true,
          message: expect.stringMatching(new RegExp(`^HTTP 503 from 127\\.0\\.0\\.1:${port}, body cut off: `)),
          outputs: { status: 503 },
        });
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it('an answer that is not valid HTTP (another protocol, headers past the limit) is status -1: a failure, not "no answer", not a refusal', async () => {
      // Raw TCP servers: one speaks SSH at whoever connects, one sends a status line and headers past undici's limit.
      const raw = async (reply: string) => {
        const server = createNetServer((socket) => {
          socket.on('error', () => undefined);
          socket.on('data', () => undefined);
          socket.write(reply);
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        return server;
      };
      const ssh = await raw('SSH-2.0-OpenSSH_9.6\r\n');
      const overflow = await raw(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`);
      try {
        const sshPort = (ssh.address() as AddressInfo).port;
        const failure = await probe(`http://127.0.0.1:${sshPort}/health`).catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(StepFailure);
        expect(failure).toMatchObject({
          retryable: false,
          message: `127.0.0.1:${sshPort} answered, but not with valid HTTP: "Response does not match the HTTP/1.1 protocol (Expected HTTP/, RTSP/ or ICE/)"`,
          outputs: { status: -1, error: expect.stringContaining('does not match the HTTP/1.1 protocol') },
        });
        const overflowPort = (overflow.address() as AddressInfo).port;
        await expect(probe(`http://127.0.0.1:${overflowPort}/health`)).rejects.toMatchObject({
          retryable: false,
          message: expect.stringMatching(
            new RegExp(`^127\\.0\\.0\\.1:${overflowPort} answered, but not with valid HTTP: "UND_ERR_HEADERS_OVERFLOW`),
          ),
          outputs: { status: -1, error: expect.stringMatching(/^UND_ERR_HEADERS_OVERFLOW/) },
        });
      } finally {
        for (const server of [ssh, overflow]) await new Promise((resolve) => server.close(resolve));
      }
    });

    it('a request that could not be sent is refused, never status 0, and nothing is sent', async () => {
      const url = 'http://{{ alert.labels.instance }}/health';
      // 6000 (X11) and 9 are on fetch's list of ports it never connects to.
      for (const instance of ['127.0.0.1:6000', '127.0.0.1:9'])
        await expect(probe(url, { instance })).rejects.toMatchObject({
          name: 'RefusedError',
          rule: 'http-request',
          message: `refused (http-request): the request to "${instance}" could not be sent: "bad port"`,
        });
      await expect(probe(url, { instance: '127.0.0.1:99999' })).rejects.toMatchObject({
        rule: 'url',
        message: 'refused (url): "http://127.0.0.1:99999/health" is not an absolute URL',
      });
      await expect(probe(url, { instance: '127.0.0.1\n:80' })).rejects.toMatchObject({ rule: 'url-host' });
      // Operator values are inserted as written; the URL parser would drop the line break and send something else.
      const withVars = ctx({ uses: 'http', with: { url: '{{ vars.base }}/health' } }, {});
      withVars.scope.vars = { base: `${target.url}/a\nb` };
      await expect(http.run(withVars)).rejects.toMatchObject({
        rule: 'url',
        message: expect.stringMatching(/contains a control character$/),
      });
      // A body on a GET is a request undici refuses to build.
      await expect(http.run(ctx({ uses: 'http', with: { url: `${target.url}/x`, body: { a: 1 } } }, {}))).rejects.toMatchObject({
        rule: 'http-request',
        message: expect.stringContaining('cannot have body'),
      });
      expect(target.requests).toHaveLength(0);
    });
  });

  it('stops the request when aborted', async () => {
    target.on('GET', '/slow', () => ({ delayMs: 5_000 }));
    const controller = new AbortController();
    const running = http.run(ctx({ uses: 'http', with: { url: `${target.url}/slow` } }, {}, controller.signal));
    setTimeout(() => controller.abort(new Error('cancelled')), 100);
    const started = Date.now();
    await expect(running).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});

describe('command steps', () => {
  const command = new CommandStepRunner(new Set(['/bin/echo', '/bin/sleep', '/usr/bin/env']));

  it('passes hostile values as single inert argv entries, never through a shell', async () => {
    for (const value of HOSTILE.filter((v) => !v.startsWith('-'))) {
      const result = await command.run(
        ctx({ uses: 'command', with: { path: '/bin/echo', args: ['service=', '{{ alert.labels.s }}'] } }, { s: value }),
      );
      expect(result.outputs.stdout).toBe(`service= ${value}`);
    }
  });

  it('refuses an executable not allow-listed and a value that would become an option', async () => {
    await expect(command.run(ctx({ uses: 'command', with: { path: '/bin/sh', args: ['-c', 'id'] } }, {}))).rejects.toThrow(
      /refused \(command-allow\): \/bin\/sh is not in FIREBREAK_RUNBOOK_COMMANDS_ALLOW/,
    );
    await expect(
      command.run(ctx({ uses: 'command', with: { path: '/bin/echo', args: ['{{ alert.labels.s }}'] } }, { s: '-rf' })),
    ).rejects.toThrow(/refused \(command-arg\)/);
  });

  it('gives the command a minimal environment', async () => {
    process.env.FIREBREAK_SECRET_FOR_TEST = 'hunter2';
    const result = await command.run(ctx({ uses: 'command', with: { path: '/usr/bin/env' } }, {}));
    expect(String(result.outputs.stdout)).not.toContain('hunter2');
    expect(String(result.outputs.stdout)).not.toContain('DATABASE_URL');
  });

  it('kills the process on abort (timeout or cancel)', async () => {
    const controller = new AbortController();
    const running = command.run(ctx({ uses: 'command', with: { path: '/bin/sleep', args: ['30'] } }, {}, controller.signal));
    setTimeout(() => controller.abort(), 100);
    await expect(running).rejects.toMatchObject({ message: 'killed by SIGKILL' });
  });
});

describe('prometheus steps', () => {
  const vector = (value: string) => ({
    body: { status: 'success', data: { resultType: 'vector', result: [{ metric: { instance: 'api-1' }, value: [1, value] }] } },
  });

  it('sends the query with escaped values and checks the expectation', async () => {
    target.on('POST', '/api/v1/query', () => vector('1'));
    const prometheus = new PrometheusStepRunner(target.url);
    const result = await prometheus.run(
      ctx({ uses: 'prometheus', with: { query: 'up{instance="{{ alert.labels.i }}"}', expect: '== 1' } }, { i: 'x"} or vector(1) #' }),
    );
    expect(result.outputs).toMatchObject({ value: 1 });
    expect(target.requests[0].body).toEqual({ query: 'up{instance="x\\"} or vector(1) #"}' });
  });

  it('holds the expectation for holdFor, and fails when it is not met', async () => {
    let calls = 0;
    target.on('POST', '/api/v1/query', () => vector(++calls >= 2 ? '1' : '0'));
    const prometheus = new PrometheusStepRunner(target.url);
    const held = await prometheus.run(
      ctx({ uses: 'prometheus', with: { query: 'up', expect: '== 1', holdFor: '200ms', interval: '100ms' } }, {}),
    );
    expect(held.outputs.heldForMs).toBeGreaterThanOrEqual(200);
    target.on('POST', '/api/v1/query', () => vector('0'));
    await expect(prometheus.run(ctx({ uses: 'prometheus', with: { query: 'up', expect: '== 1' } }, {}))).rejects.toThrow(StepFailure);
    await expect(
      new PrometheusStepRunner(undefined).run(ctx({ uses: 'prometheus', with: { query: 'up', expect: '== 1' } }, {})),
    ).rejects.toThrow(/PROMETHEUS_URL is not set/);
  });
});
