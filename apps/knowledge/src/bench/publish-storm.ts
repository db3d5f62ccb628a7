import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { resolveNatsUrl } from '@firebreak/testing';
import { BusProbe } from '../testing/knowledge-harness';
import { stormEvents, StormWorkload } from './storm';

// `node publish-storm.js <installation> <workload> <alerts> <run> <now>`: publishes a storm as the mapper would,
// from its own process so that the knowledge service's CPU is measured alone.
async function main(): Promise<void> {
  const [id, workload, alerts, run, now] = process.argv.slice(2);
  const bus = await BusProbe.connect(await resolveNatsUrl(), id);
  const events = stormEvents(workload as StormWorkload, Number(alerts), run, Number(now));
  process.stdout.write('ready\n');
  // Publishing starts when the bench says so, once it measures: a storm handled before that would go uncounted.
  await once(createInterface({ input: process.stdin }), 'line');
  for (let start = 0; start < events.length; start += 500)
    await Promise.all(events.slice(start, start + 500).map((e) => bus.publish(e.subject, e.data as never, e.id, new Date(Number(now)))));
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
