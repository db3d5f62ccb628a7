import { benchSloReporter } from './slo-bench';

// `node dist/apps/slo-reporter/src/bench/main.js [alerts] [repeats]`: the slo-reporter counting a storm of
// notifications.delivered and alerts.state.changed events (two per alert), as one JSON line.
async function main(): Promise<void> {
  const alerts = Number(process.argv[2] ?? 5000);
  const repeats = Number(process.argv[3] ?? 2);
  const runs = await benchSloReporter(alerts, repeats);
  process.stdout.write(`${JSON.stringify({ alerts, runs })}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`slo-reporter bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
