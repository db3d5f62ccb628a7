import { createServer as createNetServer, Server, AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { FakeHttpTarget, freePort, waitFor } from '@firebreak/testing';
import { ExecutorHarness } from '../testing/executor-harness';

/**
 * What an alert sender can make the shipped service_unavailable do with its own labels: the probe must concern
 * the service that would be restarted, a deliberate "for a person" must not open the circuit breaker, an answer
 * that is not HTTP restarts nothing, and a dry run or a drill pages nobody.
 */
const SHIPPED = resolve(__dirname, '../../../../runbooks');
const orchestrator = new FakeHttpTarget();
const refusing = new FakeHttpTarget(); // answers /health with 404: running, but refusing the probe
const down = new FakeHttpTarget(); // answers /health with 503: a real outage
let ssh: Server; // speaks SSH, not HTTP
let h: ExecutorHarness;
let closedPort: number;
let otherClosedPort: number;

const hostOf = (target: FakeHttpTarget) => `127.0.0.1:${new URL(target.url).port}`;

beforeAll(async () => {
  await Promise.all([orchestrator.start(), refusing.start(), down.start()]);
  refusing.on('GET', '/health', () => ({ status: 404 }));
  down.on('GET', '/health', () => ({ status: 503 }));
  ssh = createNetServer((socket) => {
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    socket.write('SSH-2.0-OpenSSH_9.6\r\n');
  });
  await new Promise<void>((done) => ssh.listen(0, '127.0.0.1', done));
  closedPort = await freePort();
  otherClosedPort = await freePort();
  h = await new ExecutorHarness(SHIPPED, {
    env: { FIREBREAK_RUNBOOK_HTTP_ALLOW: '127.0.0.1', FIREBREAK_RUNBOOK_VARS: `orchestrator_url=${orchestrator.url}` },
    config: {
      'connections.yaml': { connections: [{ name: 'firebreak', serviceDatabase: true }] },
      // Two failures open service_unavailable's breaker: the runs here that must not count would open it.
      'automation.yaml': { circuitBreaker: { failures: 2, window: '30m' } },
      'services.yaml': {
        services: {
          victim: [hostOf(down)],
          silent: [`127.0.0.1:${closedPort}`],
          'refusing-a': [hostOf(refusing)],
          'refusing-b': [hostOf(refusing)],
          'refusing-c': [hostOf(refusing)],
          'real-outage': [hostOf(down)],
          'ssh-box': [`127.0.0.1:${(ssh.address() as AddressInfo).port}`],
        },
      },
    },
  }).start(process.env);
});

afterAll(async () => {
  await h?.stop();
  await Promise.all([orchestrator.stop(), refusing.stop(), down.stop()]);
  await new Promise((done) => ssh?.close(done));
});

beforeEach(() => [orchestrator, refusing, down].forEach((target) => target.reset()));

const alert = (labels: Record<string, string>) => ({ alert_name: 'ServiceDown', alert_labels: labels, severity: 'critical' as const });
const detailOf = async (id: string) => (await h.inject('GET', `/api/v1/executions/${id}`, { token: 'viewer' })).json();
const outcomes = async (id: string) =>
  (await detailOf(id)).steps.map((s: { id: string; outcome: string | null }) => `${s.id}:${s.outcome}`).slice(0, 4);
const restarts = () => orchestrator.requests.filter((r) => r.method === 'POST');

async function failedEventOf(executionId: string) {
  await waitFor(() => h.eventsOf('runbooks.execution.failed', (d) => d.executionId === executionId).length === 1);
  return h.eventsOf('runbooks.execution.failed', (d) => d.executionId === executionId)[0];
}

async function cancel(executionId: string) {
  await h.inject('POST', `/api/v1/executions/${executionId}/cancel`, { token: 'operator', payload: { reason: 'test over' } });
  await h.waitForStatus((await detailOf(executionId)).requestId, ['cancelled']);
}

describe('the probe and the restart concern the same service (config/services.yaml)', () => {
  it('a closed port on an allow-listed host with another job as the victim: refused, escalated, nothing restarted', async () => {
    const instance = `127.0.0.1:${otherClosedPort}`;
    const requestId = await h.request({
      runbookId: 'service_unavailable',
      fingerprint: '0123456789abcdef',
      context: alert({ instance, job: 'victim' }),
    });
    const row = await h.waitForStatus(requestId, ['failed', 'succeeded']);
    expect(row.status_reason).toBe(
      `step probe refused (service-instance): "${instance}" is not an instance of service "victim" in config/services.yaml`,
    );
    expect(await outcomes(row.id)).toEqual(['probe:refused', 'answered:null', 'garbled:null', 'restart:null']);
    expect(await failedEventOf(row.id)).toMatchObject({ status: 'failed', escalate: true });
    expect(restarts()).toEqual([]);
    expect(down.requests).toEqual([]);
  });

  it('a job that config/services.yaml does not know is refused too', async () => {
    const requestId = await h.request({ runbookId: 'service_unavailable', context: alert({ instance: hostOf(down), job: 'payments' }) });
    const row = await h.waitForStatus(requestId, ['failed', 'succeeded']);
    expect(row.status_reason).toMatch(/^step probe refused \(service-instance\): ".*" is not an instance of service "payments"/);
    expect(restarts()).toEqual([]);
  });

  it("the job's own instance that does not answer is restarted", async () => {
    const requestId = await h.request({
      runbookId: 'service_unavailable',
      context: alert({ instance: `127.0.0.1:${closedPort}`, job: 'silent' }),
    });
    await waitFor(() => restarts().some((r) => r.path === '/services/silent/restart'), { timeoutMs: 20_000 });
    const row = (await h.executionByRequest(requestId))!;
    expect((await detailOf(row.id)).steps[0].attempts.at(-1).error).toBe(`no response from 127.0.0.1:${closedPort}: ECONNREFUSED`);
    await cancel(row.id);
  });
});

describe('an answer that is not HTTP', () => {
  it('is neither "no answer" nor a refusal: the run stops at "garbled", escalates and restarts nothing', async () => {
    const instance = `127.0.0.1:${(ssh.address() as AddressInfo).port}`;
    const requestId = await h.request({ runbookId: 'service_unavailable', context: alert({ instance, job: 'ssh-box' }) });
    const row = await h.waitForStatus(requestId, ['failed', 'succeeded']);
    expect(row.status_reason).toBe(
      `step garbled failed: ${instance} answered its health probe, but not with valid HTTP ` +
        '(Response does not match the HTTP/1.1 protocol (Expected HTTP/, RTSP/ or ICE/)); not restarting it, a person must look',
    );
    const detail = await detailOf(row.id);
    expect(await outcomes(row.id)).toEqual(['probe:failure', 'answered:skipped', 'garbled:failure', 'restart:null']);
    // Not retried (the same port answers the same way), and not a refusal.
    expect(detail.steps[0].attempts).toEqual([expect.objectContaining({ status: 'failed', refused: false })]);
    expect(await failedEventOf(row.id)).toMatchObject({ status: 'failed', escalate: true });
    expect(restarts()).toEqual([]);
  });
});

describe('a run a `fail` step ended is escalated, not counted by the circuit breaker', () => {
  it('two probes answered 404 do not stop the next real outage from being remediated', async () => {
    for (const job of ['refusing-a', 'refusing-b']) {
      const requestId = await h.request({
        runbookId: 'service_unavailable',
        fingerprint: '0123456789abcdef',
        context: alert({ instance: hostOf(refusing), job }),
      });
      const row = await h.waitForStatus(requestId, ['failed', 'succeeded']);
      expect(row.status_reason).toMatch(/^step answered failed: .* answered its health probe with HTTP 404/);
      expect(await failedEventOf(row.id)).toMatchObject({ status: 'failed', escalate: true });
    }
    const requestId = await h.request({ runbookId: 'service_unavailable', context: alert({ instance: hostOf(down), job: 'real-outage' }) });
    let row: unknown;
    await waitFor(
      async () => {
        row = await h.executionByRequest(requestId);
        return restarts().some((r) => r.path === '/services/real-outage/restart');
      },
      { timeoutMs: 20_000, message: () => `not restarted: ${JSON.stringify(row)}` },
    );
    await cancel((await h.executionByRequest(requestId))!.id);
    const metrics = (await h.inject('GET', '/metrics', { token: null })).body;
    expect(metrics).toContain('firebreak_runbook_circuit_open{runbook="service_unavailable"} 0');
  });
});

describe('a dry run or a drill pages nobody', () => {
  const context = () => alert({ instance: hostOf(refusing), job: 'refusing-c' });

  it('a manual dry run without an alert: its escalation is recorded as "would escalate", no notification is requested', async () => {
    const started = await h.inject('POST', '/api/v1/runbooks/service_unavailable/execute', {
      token: 'operator',
      payload: { mode: 'dry_run', context: context() },
    });
    expect(started.statusCode).toBe(202);
    const { executionId } = started.json();
    const row = await h.waitForStatus((await detailOf(executionId)).requestId, ['failed', 'succeeded']);
    expect(row.status_reason).toMatch(
      /^step answered failed: .* HTTP 404; not restarting it, a person must look \(dry_run: would escalate\)$/,
    );
    expect(row.escalate).toBe(false);
    expect(await failedEventOf(executionId)).toMatchObject({ status: 'failed', escalate: false });
    expect(h.eventsOf('notifications.requested', (d) => d.executionId === executionId)).toEqual([]);
  });

  it("a drill with an alert's fingerprint does not escalate that alert", async () => {
    const started = await h.inject('POST', '/api/v1/drills', {
      token: 'operator',
      payload: { runbookId: 'service_unavailable', context: { ...context(), fingerprint: 'fedcba9876543210' } },
    });
    expect(started.statusCode).toBe(202);
    const { executionId } = started.json();
    const row = await h.waitForStatus((await detailOf(executionId)).requestId, ['failed', 'succeeded']);
    expect(row.status_reason).toMatch(/\(drill: would escalate\)$/);
    expect(await failedEventOf(executionId)).toMatchObject({ status: 'failed', escalate: false, fingerprint: 'fedcba9876543210' });
    expect(h.eventsOf('notifications.requested', (d) => d.executionId === executionId)).toEqual([]);
    expect(restarts()).toEqual([]);
  });
});
