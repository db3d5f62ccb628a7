import { ChildProcess, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { BusConnection, SubjectNames } from '@firebreak/bus';
import { streamForSubject } from '@firebreak/contracts';
import { alertmanagerFixture, freePort, uniqueTestId, waitFor } from '@firebreak/testing';
import { post, startIngress, stopIngress, storedAlertEvents } from '../testing/ingress-harness';

function startNats(port: number, storeDir: string): ChildProcess {
  return spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], { stdio: 'ignore' });
}

function stopNats(nats: ChildProcess): Promise<void> {
  if (nats.exitCode !== null || nats.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    nats.once('exit', () => resolve());
    nats.kill('SIGKILL');
  });
}

const TOKEN = 'outage-test-token';
const headers = { authorization: `Bearer ${TOKEN}` };

describe('the ingress when JetStream cannot take the alerts', () => {
  let app: NestFastifyApplication;
  let nats: ChildProcess;
  let natsPort: number;
  const storeDir = `/tmp/${uniqueTestId('ingress_nats')}`;

  // Its own nats-server, so the test can stop and restart it without touching anyone else's.
  beforeAll(async () => {
    natsPort = await freePort();
    nats = startNats(natsPort, storeDir);
    process.env.NATS_URL = `nats://127.0.0.1:${natsPort}`;
    process.env.FIREBREAK_SUBJECT_PREFIX = uniqueTestId('outage');
    process.env.FIREBREAK_WEBHOOK_TOKENS = TOKEN;
    process.env.FIREBREAK_PUBLISH_TIMEOUT_MS = '500';
    process.env.LOG_LEVEL = 'silent';
    app = await startIngress();
  });

  afterAll(async () => {
    await stopIngress(app);
    await stopNats(nats);
    await rm(storeDir, { recursive: true, force: true });
  });

  it('answers 503 with Retry-After while NATS is down, and accepts the same request once it is back', async () => {
    const fixture = alertmanagerFixture('firing-group');
    await stopNats(nats);
    await waitFor(() => !app.get(BusConnection).isConnected(), { timeoutMs: 15_000, message: 'the ingress did not notice NATS stopping' });

    const refused = await post(app, { headers, body: fixture });

    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(refused.json().error).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/NATS/) });

    nats = startNats(natsPort, storeDir);
    let accepted = refused;
    await waitFor(
      async () => {
        accepted = await post(app, { headers, body: fixture });
        return accepted.statusCode === 200;
      },
      { timeoutMs: 30_000, intervalMs: 200, message: () => `still ${accepted.statusCode} after NATS returned` },
    );
    const ids = (await storedAlertEvents(app)).map((entry) => entry.event.id);
    expect(ids).toEqual(accepted.json().eventIds);
  });

  it('answers 503 with Retry-After when JetStream does not acknowledge in time', async () => {
    const { jsm, nc } = app.get(BusConnection);
    const prefix = app.get(SubjectNames).prefix;
    // The stream gone and a subscriber that never answers: the publish is heard but never acknowledged.
    await jsm.streams.delete(streamForSubject('alerts.received', prefix));
    const silent = nc.subscribe(`${prefix}.alerts.received.batch`);

    const response = await post(app, { headers, body: alertmanagerFixture('resolved') });

    silent.unsubscribe();
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toMatch(/^\d+$/);
    expect(response.json().error.message).toMatch(/did not acknowledge/);
  });
});
