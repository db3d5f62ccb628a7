import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveNatsUrl } from '@firebreak/testing';
import { ROOT } from '../stack';
import { parseArgs, Part } from './args';
import { cpuBreakdownRows } from './breakdown';
import { latencyRows, maxThroughputRow } from './end-to-end';
import { alertmanagerRow, ALERTS_PER_REQUEST, CONNECTIONS, engineRows, ingressAloneRow } from './ingest';
import { jetstreamCeiling } from './jetstream-ceiling';
import { machineBasics, otherActivity } from './machine';
import { BenchPipeline } from './pipeline';
import { MachineSummary, markdownTable, Row, textTable, withRatios } from './report';
import { soakRows } from './soak';
import { stormRow } from './storm-drain';
import { idleRssRows, ingressWithStackRow, startWholeStack } from './whole-stack';

const DURATION_SEC = Number(process.env.BENCH_DURATION_SEC ?? 10);
const STEP_SEC = Number(process.env.BENCH_STEP_SEC ?? 6);

function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

/** A part that throws becomes a failed row: the other parts of the run still count. */
async function part(name: string, rows: Row[], measure: () => Promise<Row[]>): Promise<void> {
  log(`${name}…`);
  try {
    rows.push(...(await measure()));
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    log(`${name} FAILED: ${error instanceof Error ? (error.stack ?? message) : message}`);
    rows.push({ id: `${name}-failed`, name, value: Number.NaN, unit: '', failure: `part failed: ${message}` });
  }
}

async function ceilingRows(): Promise<Row[]> {
  const ceiling = await jetstreamCeiling(await resolveNatsUrl(), 50_000);
  return [
    {
      id: 'js-publish',
      name: 'raw JetStream: nats.js js.publish()',
      value: ceiling.jsPublishPerSec,
      unit: 'msgs/s',
      note: '2000 in flight, Nats-Msg-Id',
    },
    {
      id: 'async-ack',
      name: 'raw JetStream: async acks on one inbox',
      value: ceiling.asyncAckPerSec,
      unit: 'msgs/s',
      note: '2000 in flight, Nats-Msg-Id',
    },
    {
      id: 'event-publisher',
      name: 'EventPublisher (validate+envelope+trace)',
      value: ceiling.eventPublisherPerSec,
      unit: 'msgs/s',
      note: '2000 in flight',
      versus: 'async-ack',
    },
  ];
}

/** Starts a stack, runs the measurements that share it, always removes it. */
async function withStack(start: () => Promise<BenchPipeline>, use: (pipeline: BenchPipeline) => Promise<void>): Promise<void> {
  const pipeline = await start();
  try {
    await use(pipeline);
  } finally {
    await pipeline.stop();
  }
}

async function measureParts(parts: Set<Part>, rows: Row[]): Promise<void> {
  if (parts.has('ceiling')) await part('ceiling', rows, ceilingRows);
  if (parts.has('alertmanager')) await part('alertmanager', rows, async () => [await alertmanagerRow(DURATION_SEC)]);
  if (parts.has('ingress')) await part('ingress', rows, async () => [await ingressAloneRow(DURATION_SEC)]);
  if (parts.has('rss') || parts.has('stack') || parts.has('breakdown'))
    await part('whole stack', rows, async () => {
      const measured: Row[] = [];
      await withStack(startWholeStack, async (pipeline) => {
        if (parts.has('rss')) measured.push(...(await idleRssRows(pipeline)));
        // Before the ingress is flooded: that part leaves a backlog behind, which would be counted as this load's CPU.
        if (parts.has('breakdown')) await part('breakdown', measured, () => cpuBreakdownRows(pipeline, log));
        if (parts.has('stack')) measured.push(await ingressWithStackRow(pipeline, DURATION_SEC));
      });
      return measured;
    });
  if (parts.has('e2e') || parts.has('max') || parts.has('storm'))
    await part('pipeline', rows, async () => {
      const measured: Row[] = [];
      const pipeline = new BenchPipeline();
      await withStack(
        async () => (await pipeline.start(), pipeline),
        async () => {
          if (parts.has('e2e')) measured.push(...(await latencyRows(pipeline, [200, 1000], DURATION_SEC)));
          if (parts.has('max')) measured.push(await maxThroughputRow(pipeline, STEP_SEC, log));
          if (parts.has('storm')) measured.push(await stormRow(pipeline, log));
        },
      );
      return measured;
    });
  if (parts.has('engine')) await part('engine', rows, async () => engineRows());
}

/** Ctrl-C or a timeout's SIGTERM: the stacks' processes, schemas and streams go too. */
function stopStacksOnSignal(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      log(`${signal}: stopping ${BenchPipeline.running.size} stack(s)`);
      void Promise.allSettled([...BenchPipeline.running].map((pipeline) => pipeline.stop())).then(() => process.exit(130));
    });
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  stopStacksOnSignal();
  const startBasics = machineBasics();
  const busyAtStart = await otherActivity();
  log(`${startBasics.cores} cores, load ${startBasics.load.map((n) => n.toFixed(2)).join(' ')}; ${busyAtStart}`);
  const rows: Row[] = [];
  if (args.soakMinutes !== undefined) {
    const minutes = args.soakMinutes;
    await part('soak', rows, async () => {
      let measured: Row[] = [];
      await withStack(startWholeStack, async (pipeline) => void (measured = await soakRows(pipeline, minutes, log)));
      return measured;
    });
  } else await measureParts(args.parts, rows);
  const machine: MachineSummary = {
    cores: startBasics.cores,
    node: startBasics.node,
    loadAtStart: startBasics.load,
    loadAtEnd: machineBasics().load,
    busyAtStart,
    busyAtEnd: await otherActivity(),
  };
  const result = withRatios(rows);
  const at = new Date().toISOString();
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `bench-${at.replace(/[:.]/g, '-')}.json`);
  const settings = { connections: CONNECTIONS, alertsPerRequest: ALERTS_PER_REQUEST, durationSec: DURATION_SEC, stepSec: STEP_SEC };
  const parts = args.soakMinutes === undefined ? [...args.parts] : [`soak ${args.soakMinutes} min`];
  writeFileSync(file, `${JSON.stringify({ at, machine, parts, settings, rows: result }, null, 2)}\n`);
  writeFileSync(join(dir, 'latest.md'), markdownTable(result, machine, at));
  const failures = result.filter((row) => row.failure);
  process.stdout.write(`${textTable(result)}\n\nmachine: ${JSON.stringify(machine)}\nwritten to ${file} and bench/results/latest.md\n`);
  if (failures.length > 0)
    process.stderr.write(`\n!!! ${failures.length} row(s) FAILED: ${failures.map((row) => `${row.name}: ${row.failure}`).join('; ')}\n`);
  return failures.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
