import { resolveNatsUrl } from '@firebreak/testing';
import { alertEvent, BusProbe } from '../testing/mapper-harness';
import { Workload, workloadEvents } from './workload';

// `node publish-backlog.js <installation> <workload> <events> <now>`: publishes a workload's
// alerts.received as the ingress would, from its own process so the mapper's CPU is measured alone.
async function main(): Promise<void> {
  const [id, workload, events, now] = process.argv.slice(2);
  const bus = await BusProbe.connect(await resolveNatsUrl(), id);
  const { inputs } = workloadEvents(workload as Workload, Number(events), id, Number(now));
  process.stdout.write('ready\n');
  // In order per alert: a window of publishes in flight, each alert's events far apart in the list.
  for (let start = 0; start < inputs.length; start += 500)
    await Promise.all(
      inputs.slice(start, start + 500).map((input) => {
        const { id: eventId, data } = alertEvent(input);
        return bus.publish('alerts.received', data, eventId, data.alert.fingerprint);
      }),
    );
  bus.publisher.close();
  await bus.connection.drain();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`publishing failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
