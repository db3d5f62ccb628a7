import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { resolveNatsUrl } from '@firebreak/testing';
import { BusProbe } from '../testing/slo-harness';

// `node publish-events.js <installation> <alerts> <run>`: per alert the two events the slo-reporter counts in a storm
// (its delivery and its new firing state), published from their own process so that the reporter's CPU is its own.
async function main(): Promise<void> {
  const [id, alerts, run] = process.argv.slice(2);
  const bus = await BusProbe.connect(await resolveNatsUrl(), id);
  process.stdout.write('ready\n');
  // Publishing starts when the bench says so, once it measures.
  await once(createInterface({ input: process.stdin }), 'line');
  const at = new Date().toISOString();
  for (let start = 0; start < Number(alerts); start += 250) {
    const batch = Array.from({ length: Math.min(250, Number(alerts) - start) }, (_, i) => start + i);
    await Promise.all(
      batch.flatMap((n) => [
        bus.publish(
          'notifications.delivered',
          {
            deliveryId: `d-${run}-${n}`,
            announcementId: `a-${run}-${n}`,
            channel: 'team-slack',
            channelType: 'slack',
            target: 'hook',
            kind: 'firing',
            severity: n % 4 === 0 ? 'critical' : 'warning',
            attempts: 1,
            deliveredAt: at,
          },
          `delivered-${run}-${n}`,
        ),
        bus.publish(
          'alerts.state.changed',
          { fingerprint: n.toString(16).padStart(16, '0'), alertname: 'BenchAlert', severity: 'warning', from: null, to: 'firing', at },
          `state-${run}-${n}`,
        ),
      ]),
    );
  }
  await bus.connection.drain();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`publishing failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
