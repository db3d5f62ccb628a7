import { benchMapper, MapperBenchResult } from './mapper-bench';
import { Workload } from './workload';

// `node dist/apps/mapper/src/bench/main.js [events] [repeats] [new|mix]`: the mapper taking
// alerts.received published straight to JetStream (new alerts, and a mix of repeats and resolves),
// as one JSON line: the mapper's and its Postgres backends' CPU per event, statements and bytes sent
// per event, WAL per event, and each kind of statement's count and backend CPU per event.
async function main(): Promise<void> {
  const events = Number(process.argv[2] ?? 5000);
  const repeats = Number(process.argv[3] ?? 2);
  const workloads: Workload[] = process.argv[4] ? [process.argv[4] as Workload] : ['new', 'mix'];
  const runs: MapperBenchResult[] = [];
  // Warm-up: JIT, connection pool, streams.
  await benchMapper({ workload: 'new', events: Math.min(1000, events) });
  for (let repeat = 0; repeat < repeats; repeat++) for (const workload of workloads) runs.push(await benchMapper({ workload, events }));
  process.stdout.write(`${JSON.stringify({ events, runs })}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`mapper bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
