import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { connect, NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, JetStreamManager } from '@nats-io/jetstream';
import { AlertsReceivedBatch, CloudEvent, streamDefinitions, streamForSubject } from '@firebreak/contracts';
import { alertmanagerFixture, freePort, resolveNatsUrl, uniqueTestId, waitFor } from '@firebreak/testing';

// The built ingress, as the launcher runs it (`npm run build` first).
const MAIN = join(__dirname, '..', '..', '..', '..', 'dist', 'apps', 'ingress', 'src', 'main.js');

function workerPids(primary: number): number[] {
  const text = readFileSync(`/proc/${primary}/task/${primary}/children`, 'utf8').trim();
  return text ? text.split(' ').map(Number) : [];
}

/** One request on its own connection (no keep-alive), so the primary hands each to a worker anew. */
function post(port: number, body: unknown): Promise<{ status: number; json: { eventIds?: string[] } } | 'failed'> {
  return new Promise((resolve) => {
    const payload = JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/v1/alerts/alertmanager',
        agent: false,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString() || '{}') }));
        res.on('error', () => resolve('failed'));
      },
    );
    req.on('error', () => resolve('failed'));
    // As Alertmanager does: a request that gets no answer in time is given up and sent again.
    req.setTimeout(10_000, () => req.destroy());
    req.end(payload);
  });
}

/** A new group of three alerts per sequence number, so each request publishes events no other did. */
function webhook(run: string, sequence: number) {
  const fixture = alertmanagerFixture('firing-group');
  // Without their fingerprints, the ingress computes new ones from the changed labels.
  const alerts = fixture.alerts.map(
    ({ fingerprint: _dropped, ...alert }: { fingerprint?: string; labels: Record<string, string> }, index) => ({
      ...alert,
      labels: { ...alert.labels, run, instance: `host-${sequence}-${index}` },
    }),
  );
  return { ...fixture, alerts };
}

describe('several ingress workers on one port', () => {
  const prefix = uniqueTestId('workers');
  const run = uniqueTestId('run');
  let port: number;
  let ingress: ChildProcess;
  let nc: NatsConnection;
  let jsm: JetStreamManager;

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first`);
    port = await freePort();
    const natsUrl = await resolveNatsUrl();
    nc = await connect({ servers: natsUrl });
    jsm = await jetstreamManager(nc);
    ingress = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        NATS_URL: natsUrl,
        FIREBREAK_SUBJECT_PREFIX: prefix,
        FIREBREAK_HTTP_HOST: '127.0.0.1',
        FIREBREAK_HTTP_PORT: String(port),
        FIREBREAK_INGRESS_WORKERS: '2',
        LOG_LEVEL: 'error',
      },
      stdio: 'ignore',
    });
    await waitFor(
      async () =>
        workerPids(ingress.pid!).length === 2 &&
        (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.status === 200,
      { timeoutMs: 150_000, intervalMs: 200, message: 'the ingress workers did not come up' },
    );
    // Two Nest apps booting at once on a busy 2-core machine.
  }, 180_000);

  afterAll(async () => {
    if (ingress.exitCode === null) {
      const exited = new Promise((resolve) => ingress.once('exit', resolve));
      ingress.kill('SIGTERM');
      await exited;
    }
    for (const stream of streamDefinitions({ subjectPrefix: prefix })) await jsm.streams.delete(stream.name).catch(() => undefined);
    await nc.close();
  });

  /** The ids of this run's alerts in the alerts stream (each request one batch message). */
  async function storedIds(): Promise<string[]> {
    const stream = streamForSubject('alerts.received.batch', prefix);
    const { state } = await jsm.streams.info(stream);
    const ids: string[] = [];
    for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq++) {
      const batch = (await jsm.streams.getMessage(stream, { seq }))!.json<CloudEvent<AlertsReceivedBatch>>();
      for (const alert of batch.data.alerts) if (alert.data.alert.labels.run === run) ids.push(alert.id);
    }
    return ids;
  }

  it('answers /metrics on the shared port with every worker’s counts summed', async () => {
    const scrape = async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const line = text
        .split('\n')
        .find((entry) => entry.startsWith('firebreak_alerts_received_total{source="alertmanager",status="firing"}'));
      return line ? Number(line.split(' ').pop()) : 0;
    };
    const before = await scrape();
    const answers = await Promise.all(Array.from({ length: 12 }, (_, index) => post(port, webhook(`${run}m`, index))));
    expect(answers.every((answer) => answer !== 'failed' && answer.status === 200)).toBe(true);
    // Whichever worker each scrape reaches, it reports the sum of both.
    for (let i = 0; i < 4; i++) expect(await scrape()).toBe(before + 12 * 3);
  });

  it('keeps serving while a worker is killed, restarts it, and loses or doubles nothing it accepted', async () => {
    const [first, second] = workerPids(ingress.pid!);
    const accepted = new Set<string>();
    const unanswered: number[] = [];
    let sequence = 0;
    const send = async (seq: number) => {
      const response = await post(port, webhook(run, seq));
      if (response !== 'failed' && response.status === 200) response.json.eventIds!.forEach((id) => accepted.add(id));
      else unanswered.push(seq);
    };
    // Requests in flight from 4 clients while one worker dies under them.
    const clients = Array.from({ length: 4 }, async () => {
      for (let i = 0; i < 15; i++) await send(sequence++);
    });
    setTimeout(() => process.kill(first, 'SIGKILL'), 50);
    await Promise.all(clients);

    await waitFor(() => workerPids(ingress.pid!).length === 2 && !workerPids(ingress.pid!).includes(first), {
      timeoutMs: 60_000,
      message: 'the killed worker was not replaced',
    });
    // The survivor alone now, then the replacement alone: each serves on the shared port.
    process.kill(second, 'SIGKILL');
    // Alertmanager retries what got no 200; so does this test, until each is accepted.
    for (const seq of [...unanswered, sequence++]) {
      await waitFor(
        async () => {
          const response = await post(port, webhook(run, seq));
          if (response === 'failed' || response.status !== 200) return false;
          response.json.eventIds!.forEach((id) => accepted.add(id));
          return true;
        },
        { timeoutMs: 60_000, intervalMs: 100, message: `request ${seq} was never accepted` },
      );
    }

    const stored = await storedIds();
    expect(new Set(stored).size).toBe(stored.length);
    expect(new Set(stored)).toEqual(accepted);
    expect(accepted.size).toBe(3 * sequence);
    // Two workers starting one after the other on a busy machine.
  }, 420_000);
});
