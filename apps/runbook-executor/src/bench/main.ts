import { FakeHttpTarget } from '@firebreak/testing';
import { benchEngine } from './engine-bench';

// `node dist/apps/runbook-executor/src/bench/main.js [executions]`: prints the engine figures as JSON
// (npm run bench runs it as a process and puts them in its table).
async function main(): Promise<void> {
  const target = new FakeHttpTarget();
  await target.start();
  try {
    const result = await benchEngine({ executions: Number(process.argv[2] ?? 1000), targetUrl: target.url });
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await target.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`engine bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
