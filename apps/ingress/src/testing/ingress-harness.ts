import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AlertReceived, CloudEvent, streamDefinitions, streamForSubject } from '@firebreak/contracts';
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

export interface StoredAlertEvent {
  msgId: string | undefined;
  event: CloudEvent<AlertReceived>;
}

function alertsStream(app: NestFastifyApplication): string {
  return streamForSubject('alerts.received', app.get(SubjectNames).prefix);
}

export async function storedAlertCount(app: NestFastifyApplication): Promise<number> {
  return (await app.get(BusConnection).jsm.streams.info(alertsStream(app))).state.messages;
}

/** Everything in the installation's alerts stream, read back from JetStream. */
export async function storedAlertEvents(app: NestFastifyApplication): Promise<StoredAlertEvent[]> {
  const { jsm } = app.get(BusConnection);
  const stream = alertsStream(app);
  const { state } = await jsm.streams.info(stream);
  const events: StoredAlertEvent[] = [];
  for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq++) {
    const message = await jsm.streams.getMessage(stream, { seq });
    if (message) events.push({ msgId: message.header.get('Nats-Msg-Id') || undefined, event: message.json<CloudEvent<AlertReceived>>() });
  }
  return events;
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
