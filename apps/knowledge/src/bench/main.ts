import { benchKnowledge } from './knowledge-bench';
import { StormWorkload } from './storm';

// `node dist/apps/knowledge/src/bench/main.js [alerts] [repeats] [notify|state|both] [log level]`: the knowledge service taking a
// storm of new alerts (alerts.notify firing, alerts.state.changed) published straight to JetStream, as one JSON line.
// Settings (FIREBREAK_ANALYSIS_*) come from the environment. A fourth argument (e.g. `info`; default silent) sets the
// service's log level, to measure what its logging costs (the logs go to stdout before the result line).
async function main(): Promise<void> {
  const alerts = Number(process.argv[2] ?? 2000);
  const repeats = Number(process.argv[3] ?? 2);
  const workloads: StormWorkload[] = process.argv[4] ? [process.argv[4] as StormWorkload] : ['notify', 'state'];
  const logLevel = process.argv[5];
  const runs = await benchKnowledge(workloads, alerts, repeats, logLevel ? { LOG_LEVEL: logLevel } : {});
  process.stdout.write(`${JSON.stringify({ alerts, runs })}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`knowledge bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
