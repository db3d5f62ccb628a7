import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { register } from 'prom-client';
import { DataSource } from 'typeorm';
import { ChatActor, DataOf, streamForSubject } from '@firebreak/contracts';
import { resolveDatabaseUrl, TcpProxy, uniqueTestId, waitFor } from '@firebreak/testing';
import { BusProbe, closeInstallation, http, processed, startMapper, useInstallation } from '../testing/mapper-harness';
import { receiptId } from './alert-ingest.service';

const VIEWER = 'viewer-token-1';
const CONSUMER = 'mapper-commands-alert-acknowledge';
const cara: ChatActor = { name: 'cara', role: 'operator', via: 'slack', chatUserId: 'U0CARA' };
const tom: ChatActor = { name: 'tom', role: 'admin', via: 'telegram', chatUserId: '4242' };
// The people behind the chat users: the consumer acts as the person this file names, not as the message says.
const CHAT_USERS = `
slack:
  - { id: U0CARA, name: cara, role: operator }
  - { id: U0VIC, name: vic, role: viewer }
telegram:
  - { id: 4242, name: tom, role: admin }
`;

/** Acknowledge requests from the chat, as the notifier publishes them (Postgres behind a proxy, to cut it). */
describe('mapper: acknowledge requests from the chat (real NATS and Postgres)', () => {
  const id = uniqueTestId('mapper_chat_ack');
  let proxy: TcpProxy;
  let app: NestFastifyApplication;
  let bus: BusProbe;
  let db: DataSource;
  let call: ReturnType<typeof http>;
  let alerts = 0;

  beforeAll(async () => {
    const databaseUrl = new URL(await resolveDatabaseUrl());
    proxy = new TcpProxy(databaseUrl.hostname, Number(databaseUrl.port || 5432));
    await proxy.start();
    databaseUrl.host = `127.0.0.1:${proxy.port}`;
    bus = await useInstallation(id, {
      tokens: `${VIEWER}:viewer:vera`,
      config: { 'escalation.yaml': 'escalation:\n  critical: 5m\n', 'chat-users.yaml': CHAT_USERS },
      env: { DATABASE_URL: databaseUrl.toString() },
    });
    app = await startMapper();
    db = app.get(DataSource);
    call = http(app);
  });

  // A test that failed half-way must not leave Postgres cut for the next.
  afterEach(() => proxy.restore());

  afterAll(async () => {
    await proxy.restore();
    await closeInstallation(id, app, bus);
    await proxy.stop();
  });

  async function firing(
    service = `svc-${++alerts}`,
    status: 'firing' | 'resolved' = 'firing',
    startsAt = new Date(Date.now() - 1000),
    endsAt?: Date,
  ): Promise<string> {
    const labels = { alertname: 'ServiceDown', service, severity: 'critical' };
    const event = await bus.publishAlert({ labels, status, startsAt, ...(endsAt ? { endsAt } : {}), receivedAt: new Date() });
    await processed(app, receiptId(event));
    return event.data.alert.fingerprint;
  }

  /** Publishes a request as the notifier does and returns its stream sequence. */
  async function request(
    fingerprint: string,
    eventId: string,
    actor: ChatActor = cara,
    requestedAt = new Date(),
    episodeStartsAt?: Date,
  ): Promise<number> {
    const data: DataOf<'commands.alert.acknowledge'> = {
      fingerprint,
      ...(episodeStartsAt ? { episodeStartsAt: episodeStartsAt.toISOString() } : {}),
      actor,
      comment: `from ${actor.via}`,
      requestedAt: requestedAt.toISOString(),
    };
    return (await bus.publisher.publish('commands.alert.acknowledge', data, { id: eventId, subject: fingerprint })).ack.seq;
  }

  /** Waits until the consumer acked every request up to `seq` (all so far by default): handled, refused or dropped, but settled. */
  async function settled(upTo?: number): Promise<void> {
    const stream = streamForSubject('commands.alert.acknowledge', id);
    const seq = upTo ?? (await bus.connection.jsm.streams.info(stream)).state.last_seq;
    await waitFor(async () => (await bus.connection.jsm.consumers.info(stream, CONSUMER)).ack_floor.stream_seq >= seq, {
      timeoutMs: 20_000,
      message: `the chat request at sequence ${seq} to be acked`,
    });
  }

  const detail = async (fingerprint: string) => (await call('GET', `/api/v1/alerts/${fingerprint}`, VIEWER)).json();
  const audit = (fingerprint: string) =>
    db.query(`SELECT actor, action, details FROM "${id}".audit_log WHERE target = $1 ORDER BY id`, [fingerprint]);
  const acknowledgements = async (fingerprint: string) =>
    (await bus.events('alerts.notify', fingerprint)).filter((event) => event.data.kind === 'acknowledged');
  const deadLettered = async () =>
    (await register.getSingleMetric('firebreak_bus_dead_lettered_total')!.get()).values.reduce((sum, value) => sum + value.value, 0);
  const refused = async (reason: string) =>
    (await register.getSingleMetric('firebreak_chat_commands_refused_total')!.get()).values.find(
      (value) => value.labels.command === 'alert.acknowledge' && value.labels.reason === reason,
    )?.value ?? 0;
  const inboxRows = (eventId: string) => db.query(`SELECT consumer FROM "${id}".inbox WHERE event_id = $1`, [eventId]);

  it('acknowledges the alert as the API does: announced with the chat user, audited with the chat, escalation stopped', async () => {
    const fingerprint = await firing();
    // The name and role on the bus are not who acts: U0CARA is cara (operator) in chat-users.yaml.
    await settled(await request(fingerprint, 'slack-ack-1', { ...cara, name: 'mallory', role: 'viewer' }));

    expect(await detail(fingerprint)).toMatchObject({ status: 'acknowledged', acknowledgement: { by: 'cara', note: 'from slack' } });
    expect(await audit(fingerprint)).toEqual([
      { actor: 'cara', action: 'alert.acknowledge', details: { from: 'firing', note: 'from slack', via: 'slack', chatUserId: 'U0CARA' } },
    ]);
    const [announced] = await bus.waitForEvents('alerts.notify', fingerprint, 2);
    expect(announced.data.kind).toBe('firing');
    expect((await acknowledgements(fingerprint)).map((event) => [event.data.actor, event.data.note])).toEqual([['cara', 'from slack']]);
    const moves = await bus.waitForEvents('alerts.state.changed', fingerprint, 2);
    expect(moves.map((event) => [event.data.from, event.data.to, event.data.actor])).toEqual([
      [null, 'firing', undefined],
      ['firing', 'acknowledged', 'cara'],
    ]);
    expect((await db.query(`SELECT 1 FROM "${id}".escalation_timers WHERE fingerprint = $1`, [fingerprint])).length).toBe(0);
  });

  it('acknowledges once when Slack and Telegram ask at the same time, and drops a redelivery of the request that won', async () => {
    const fingerprint = await firing();
    const seqs = await Promise.all([request(fingerprint, 'slack-ack-2', cara), request(fingerprint, 'telegram-ack-2', tom)]);
    await settled(Math.max(...seqs));
    const [acked] = await acknowledgements(fingerprint);
    const winnerId = acked.data.actor === 'cara' ? 'slack-ack-2' : 'telegram-ack-2';
    expect(await inboxRows(winnerId)).toEqual([{ consumer: CONSUMER }]);

    // The winning request again under a new Nats-Msg-Id, as a redelivery past the duplicate window would be:
    // the inbox drops it before the alert is read (not refused as a conflict, not audited again).
    const conflicts = await refused('conflict');
    const [winner] = (await bus.events('commands.alert.acknowledge', fingerprint)).filter((event) => event.id === winnerId);
    await bus.republish('commands.alert.acknowledge', winner);
    await settled();

    expect(await acknowledgements(fingerprint)).toHaveLength(1);
    expect(await audit(fingerprint)).toHaveLength(1);
    expect(await inboxRows(winnerId)).toHaveLength(1);
    expect(await refused('conflict')).toBe(conflicts);
    const history = (await detail(fingerprint)).history.map((entry: { action: string }) => entry.action);
    expect(history).toEqual(['opened', 'acknowledged']);
    expect(await deadLettered()).toBe(0);
  });

  it('refuses an unmapped chat user and a viewer, whatever name and role the message claims: acked, counted, nothing changed', async () => {
    const fingerprint = await firing();
    const [unmapped, role] = [await refused('unmapped'), await refused('role')];
    await request(fingerprint, 'slack-ack-unmapped', { name: 'ada', role: 'admin', via: 'slack', chatUserId: 'U0MALLORY' });
    await request(fingerprint, 'slack-ack-claims-admin', { name: 'ada', role: 'admin', via: 'slack', chatUserId: 'U0VIC' });
    await settled();

    expect(await detail(fingerprint)).toMatchObject({ status: 'firing', acknowledgement: null });
    expect(await audit(fingerprint)).toEqual([]);
    expect(await acknowledgements(fingerprint)).toHaveLength(0);
    expect(await refused('unmapped')).toBe(unmapped + 1);
    expect(await refused('role')).toBe(role + 1);
    expect(await deadLettered()).toBe(0);
  });

  it('refuses a press on an earlier episode of the alert: fired, resolved, fired again, the old press leaves it firing', async () => {
    const service = `svc-episodes-${++alerts}`;
    const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000);
    const fingerprint = await firing(service, 'firing', minutesAgo(10));
    await firing(service, 'resolved', minutesAgo(10), minutesAgo(8));
    await firing(service, 'firing', minutesAgo(1));
    expect((await detail(fingerprint)).status).toBe('firing');

    // Pressed 5 minutes ago, on the first episode's message, and delivered only now.
    const stale = await refused('stale');
    await settled(await request(fingerprint, 'slack-ack-old-episode', cara, minutesAgo(5)));
    expect(await detail(fingerprint)).toMatchObject({ status: 'firing', acknowledgement: null });
    expect(await audit(fingerprint)).toEqual([]);
    expect(await refused('stale')).toBe(stale + 1);

    // A press on the current episode's message acknowledges it.
    await settled(await request(fingerprint, 'slack-ack-new-episode'));
    expect(await detail(fingerprint)).toMatchObject({ status: 'acknowledged', acknowledgement: { by: 'cara' } });
    expect(await deadLettered()).toBe(0);
  });

  it("refuses a button of an earlier episode's message, however late it is pressed: the new episode stays firing", async () => {
    const service = `svc-episodes-${++alerts}`;
    const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000);
    const [first, second] = [minutesAgo(20), minutesAgo(2)];
    const fingerprint = await firing(service, 'firing', first);
    await firing(service, 'resolved', first, minutesAgo(15));
    await firing(service, 'firing', second);

    // Pressed now, on the first episode's message (the button carries its start in whole seconds).
    const stale = await refused('stale');
    await settled(
      await request(fingerprint, 'slack-ack-old-button', cara, new Date(), new Date(Math.floor(first.getTime() / 1000) * 1000)),
    );
    expect(await detail(fingerprint)).toMatchObject({ status: 'firing', acknowledgement: null });
    expect(await audit(fingerprint)).toEqual([]);
    expect(await refused('stale')).toBe(stale + 1);

    await settled(
      await request(fingerprint, 'slack-ack-new-button', cara, new Date(), new Date(Math.floor(second.getTime() / 1000) * 1000)),
    );
    expect(await detail(fingerprint)).toMatchObject({ status: 'acknowledged', acknowledgement: { by: 'cara' } });
    expect(await deadLettered()).toBe(0);
  });

  it('leaves unknown and resolved alerts alone: acked, nothing recorded, nothing dead-lettered', async () => {
    const unknown = 'feedfacecafebeef';
    await settled(await request(unknown, 'slack-ack-unknown'));
    expect((await call('GET', `/api/v1/alerts/${unknown}`, VIEWER)).statusCode).toBe(404);

    await firing('svc-gone');
    const gone = await firing('svc-gone', 'resolved');
    await settled(await request(gone, 'slack-ack-resolved'));
    expect((await detail(gone)).status).toBe('resolved');

    for (const target of [unknown, gone]) expect(await audit(target)).toEqual([]);
    expect(await deadLettered()).toBe(0);
  });

  it('waits out a Postgres outage (retried, not dead-lettered) and acknowledges once it is back', async () => {
    const fingerprint = await firing();
    await proxy.cut();
    const seq = await request(fingerprint, 'slack-ack-outage');
    const retries = async () =>
      (await register.getSingleMetric('firebreak_bus_consumed_total')!.get()).values.find(
        (value) => value.labels.consumer === CONSUMER && value.labels.result === 'retry',
      )?.value ?? 0;
    await waitFor(async () => (await retries()) >= 1, { message: 'the request to be retried while Postgres is cut' });
    await proxy.restore();
    await settled(seq);

    expect(await detail(fingerprint)).toMatchObject({ status: 'acknowledged', acknowledgement: { by: 'cara' } });
    expect(await audit(fingerprint)).toHaveLength(1);
    expect(await acknowledgements(fingerprint)).toHaveLength(1);
    expect(await deadLettered()).toBe(0);
  });
});
