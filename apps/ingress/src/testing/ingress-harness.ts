import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AlertsReceivedBatch, BatchedAlert, CloudEvent, streamDefinitions, streamForSubject } from '@firebreak/contracts';
import { BusConnection, SubjectNames } from '@firebreak/bus';
import { createService } from '@firebreak/platform';
import { AppModule } from '../app.module';
import { IngressConfig, webhookBodyLimit } from '../service';

/** The ingress in-process, as main.ts builds it; the caller sets process.env first. */
export async function startIngress(): Promise<NestFastifyApplication> {
  const app = await createService<IngressConfig>(AppModule, { app: 'ingress', description: 'test', bodyLimit: webhookBodyLimit });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

export interface InjectOptions {
  url?: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string as it is. */
  body: unknown;
  remoteAddress?: string;
}

export function post(
  app: NestFastifyApplication,
  { url = '/api/v1/alerts/alertmanager', headers = {}, body, remoteAddress }: InjectOptions,
) {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return app
    .getHttpAdapter()
    .getInstance()
    .inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', ...headers },
      payload,
      ...(remoteAddress ? { remoteAddress } : {}),
    });
}

export interface StoredBatch {
  msgId: string | undefined;
  subject: string;
  event: CloudEvent<AlertsReceivedBatch>;
}

/** One alert as stored: its own id and data (`event`), and the batch message that carried it. */
export interface StoredAlertEvent {
  msgId: string | undefined;
  batch: CloudEvent<AlertsReceivedBatch>;
  event: BatchedAlert;
}

function alertsStream(app: NestFastifyApplication): string {
  return streamForSubject('alerts.received.batch', app.get(SubjectNames).prefix);
}

/** Every message in the installation's alerts stream (the ingress publishes only batches), read back from JetStream. */
export async function storedBatches(app: NestFastifyApplication): Promise<StoredBatch[]> {
  const { jsm } = app.get(BusConnection);
  const stream = alertsStream(app);
  const { state } = await jsm.streams.info(stream);
  const batches: StoredBatch[] = [];
  for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq++) {
    const message = await jsm.streams.getMessage(stream, { seq });
    if (message)
      batches.push({
        msgId: message.header.get('Nats-Msg-Id') || undefined,
        subject: message.subject,
        event: message.json<CloudEvent<AlertsReceivedBatch>>(),
      });
  }
  return batches;
}

/** Every alert stored, in stream order, each with the batch that carried it. */
export async function storedAlertEvents(app: NestFastifyApplication): Promise<StoredAlertEvent[]> {
  return (await storedBatches(app)).flatMap(({ msgId, event: batch }) => batch.data.alerts.map((event) => ({ msgId, batch, event })));
}

export async function storedMessageCount(app: NestFastifyApplication): Promise<number> {
  return (await app.get(BusConnection).jsm.streams.info(alertsStream(app))).state.messages;
}

/** Alerts stored (across their batch messages). */
export async function storedAlertCount(app: NestFastifyApplication): Promise<number> {
  return (await storedAlertEvents(app)).length;
}

/** Closes the app and removes the test's streams. */
export async function stopIngress(app: NestFastifyApplication | undefined): Promise<void> {
  if (!app) return;
  const { jsm } = app.get(BusConnection);
  for (const stream of streamDefinitions({ subjectPrefix: app.get(SubjectNames).prefix }))
    await jsm.streams.delete(stream.name).catch(() => undefined);
  await app.close();
}

export async function metricValue(app: NestFastifyApplication, line: RegExp): Promise<number> {
  const response = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/metrics' });
  const match = response.body.split('\n').find((text) => line.test(text));
  return match ? Number(match.split(' ').pop()) : 0;
}
