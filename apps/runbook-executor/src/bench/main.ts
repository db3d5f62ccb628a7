import { FakeHttpTarget } from '@firebreak/testing';
import { benchEngine } from './engine-bench';
import { benchPersisted } from './persisted-bench';

// `node dist/apps/runbook-executor/src/bench/main.js [executions] [persisted executions] [worker concurrency]`: prints
// the engine figures and, under `persisted`, the real path's (JetStream, Postgres, outbox) as one JSON line
// (npm run bench runs it as a process and puts them in its table). 0 engine executions runs the persisted bench only.
async function main(): Promise<void> {
  const target = new FakeHttpTarget();
  await target.start();
  try {
    const executions = Number(process.argv[2] ?? 1000);
    const result = executions > 0 ? await benchEngine({ executions, targetUrl: target.url }) : {};
    target.reset();
    const workerConcurrency = process.argv[4] ? Number(process.argv[4]) : undefined;
    const persisted = await benchPersisted({ executions: Number(process.argv[3] ?? executions), targetUrl: target.url, workerConcurrency });
    process.stdout.write(`${JSON.stringify({ ...result, persisted })}\n`);
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
