import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import pino from 'pino';
import { BusConnection, EventPublisher, SubjectNames } from '@firebreak/bus';
import { alertNotify, fingerprint } from '../testing/notifier-harness';

/**
 * The bench's other side, forked by main.ts so the notifier's process pays for nothing but the
 * notifier: a local webhook receiver (answers 200 `{"ok":true}`, counts the POSTs) and the mapper's
 * part, alerts.notify published straight to JetStream. Talks over the fork's IPC channel:
 *   → { url }                      once listening
 *   ← { publish: n, natsUrl, prefix }  → { published: n }
 *   ← { await: total } → { received: total }   once that many POSTs came in (counted from the start)
 */
type Command = { publish: number; natsUrl: string; prefix: string } | { await: number };

let received = 0;
let awaited: number | undefined;
const send = (message: unknown) => process.send?.(message);

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    received++;
    if (awaited !== undefined && received >= awaited) {
      send({ received: awaited });
      awaited = undefined;
    }
  });
});
server.keepAliveTimeout = 60_000;

let publisher: EventPublisher | undefined;
async function connect(natsUrl: string, prefix: string): Promise<EventPublisher> {
  if (publisher) return publisher;
  const logger = pino({ level: 'silent' });
  const connection = await BusConnection.connect({ natsUrl, name: 'notifier-bench-load', logger });
  publisher = new EventPublisher(connection, {
    source: 'mapper',
    subjects: new SubjectNames(prefix),
    publishTimeoutMs: 5000,
  });
  return publisher;
}

async function publish({ publish: count, natsUrl, prefix }: Extract<Command, { publish: number }>): Promise<void> {
  const bus = await connect(natsUrl, prefix);
  // A window of 500 in flight, as the mapper's outbox relay publishes.
  for (let start = 0; start < count; start += 500)
    await Promise.all(
      Array.from({ length: Math.min(500, count - start) }, () => {
        const data = alertNotify('firing', fingerprint(), 'critical');
        return bus.publish('alerts.notify', data, { id: randomUUID(), subject: data.alert.fingerprint });
      }),
    );
  send({ published: count });
}

process.on('message', (command: Command) => {
  if ('publish' in command)
    publish(command).catch((error: unknown) => {
      process.stderr.write(`publishing failed: ${String(error)}\n`);
      process.exit(1);
    });
  else if (received >= command.await) send({ received: command.await });
  else awaited = command.await;
});
// The bench gone (done or crashed): so is this process.
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => send({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
