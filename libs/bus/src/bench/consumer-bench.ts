import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { Socket } from 'node:net';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { context, propagation, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AlertReceived, alertFingerprint, streamDefinitions, streamForSubject } from '@firebreak/contracts';
import { BusConnection } from '../connection';
import { EventConsumer } from '../consumer';
import { EventPublisher } from '../publisher';
import { provisionStreams } from '../streams';
import { SubjectNames } from '../subjects';
import { topFunctions } from './profile-summary';

// `node dist/libs/bus/src/bench/consumer-bench.js [--events 20000] [--rounds 4] [--concurrency 512] [--traced] [--nats url] [--cpu-prof out.cpuprofile]`
//
// The CPU one EventConsumer costs per message (no-op handler, real NATS): N alerts.received are published once,
// before anything is measured; then each round starts a new durable that reads them all from the stream, and the
// process's CPU from its start until its handler saw the last one is divided by N. The first round warms the JIT
// up. --traced publishes with a W3C traceparent (as when the ingress ran inside a span); --cpu-prof profiles the
// measured rounds only and prints the functions that cost the most.

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '4' },
    // The mapper's alerts.received consumer takes 512 at once; the pull requests' cost per message depends on it.
    concurrency: { type: 'string', default: '512' },
    traced: { type: 'boolean', default: false },
    nats: { type: 'string', default: 'nats://127.0.0.1:4222' },
    'cpu-prof': { type: 'string' },
  },
});
const EVENTS = Number(values.events);
const ROUNDS = Number(values.rounds);
const CONCURRENCY = Number(values.concurrency);

/** As a service runs: context and W3C propagation on, no tracer provider (no collector configured). */
function setUpTracingLikeAService(): void {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}

/** An alert as the ingress makes them from a bench webhook: six labels, two annotations. */
function alertData(run: string, index: number): AlertReceived {
  const labels = {
    alertname: 'BenchServiceDown',
    instance: `host-${index}:9100`,
    job: 'node',
    service: 'bench',
    severity: 'warning',
    run,
  };
  const now = new Date().toISOString();
  return {
    source: 'alertmanager',
    receivedAt: now,
    receiver: 'firebreak',
    groupKey: '{}:{alertname="BenchServiceDown"}',
    externalURL: 'http://alertmanager.example:9093',
    alert: {
      fingerprint: alertFingerprint(labels),
      status: 'firing',
      labels,
      annotations: { summary: `Instance ${labels.instance} down`, description: 'bench' },
      severity: 'warning',
      startsAt: '2026-11-22T10:45:04Z',
      endsAt: null,
      generatorURL: 'http://prometheus.example:9090/graph?g0.expr=up',
    },
  };
}

async function publishBacklog(publisher: EventPublisher, run: string, traced: boolean): Promise<void> {
  const remote = trace.setSpanContext(context.active(), {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    traceFlags: TraceFlags.SAMPLED,
  });
  for (let start = 0; start < EVENTS; start += 500) {
    const items = Array.from({ length: Math.min(500, EVENTS - start) }, (_, offset) => ({
      subject: 'alerts.received' as const,
      data: alertData(run, start + offset),
    }));
    await (traced ? context.with(remote, () => publisher.publishTrustedMany(items)) : publisher.publishTrustedMany(items));
  }
}

/** One round: a new durable reads the whole backlog; resolves with µs of CPU per event. */
async function consumeRound(
  connection: BusConnection,
  publisher: EventPublisher,
  subjects: SubjectNames,
  durable: string,
): Promise<{ cpuUsPerEvent: number; systemShare: number; writesPerEvent: number; elapsedMs: number }> {
  let seen = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const logger = pino({ level: 'info' }, pino.destination('/dev/null'));
  const consumer = new EventConsumer(
    connection,
    publisher,
    subjects,
    {
      subject: 'alerts.received',
      durable,
      concurrency: CONCURRENCY,
      handler: async () => {
        if (++seen === EVENTS) done();
      },
    },
    logger,
  );
  const writes = countSocketWrites();
  const cpu = process.cpuUsage();
  const started = performance.now();
  await consumer.start();
  await finished;
  const used = process.cpuUsage(cpu);
  const elapsedMs = performance.now() - started;
  const written = writes.stop();
  await consumer.drain();
  await connection.jsm.consumers.delete(streamForSubject('alerts.received', subjects.prefix), durable).catch(() => undefined);
  return {
    cpuUsPerEvent: (used.user + used.system) / EVENTS,
    systemShare: used.system / (used.user + used.system),
    writesPerEvent: written / EVENTS,
    elapsedMs,
  };
}

/** Counts writes to any socket of this process (the acks and pull requests sent to NATS) until stop(). */
function countSocketWrites(): { stop(): number } {
  const original = Socket.prototype.write;
  let writes = 0;
  Socket.prototype.write = function (this: Socket, ...args: unknown[]) {
    writes++;
    return (original as (...a: unknown[]) => boolean).apply(this, args);
  } as typeof Socket.prototype.write;
  return {
    stop: () => {
      Socket.prototype.write = original;
      return writes;
    },
  };
}

async function main(): Promise<void> {
  setUpTracingLikeAService();
  const silent = pino({ level: 'silent' });
  const run = `t_consumer_bench_${randomBytes(5).toString('hex')}`;
  const subjects = new SubjectNames(run);
  const connection = await BusConnection.connect({
    natsUrl: values.nats,
    name: 'consumer-bench',
    logger: silent,
  });
  const definitions = streamDefinitions({ subjectPrefix: subjects.prefix });
  await provisionStreams(connection.jsm, definitions, silent);
  const publisher = new EventPublisher(connection, { source: 'ingress', subjects, publishTimeoutMs: 10_000 });
  const profiler = values['cpu-prof'] ? new Session() : undefined;
  try {
    await publishBacklog(publisher, run, values.traced);
    const measured: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      if (round === 1 && profiler) {
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.start');
      }
      const result = await consumeRound(connection, publisher, subjects, `bench_${round}`);
      if (round > 0) measured.push(result.cpuUsPerEvent);
      const label = round === 0 ? 'warm-up' : `round ${round}`;
      console.log(
        `${label}: ${result.cpuUsPerEvent.toFixed(1)} µs CPU/event (${Math.round(result.systemShare * 100)} % kernel), ` +
          `${result.writesPerEvent.toFixed(2)} socket writes/event, ${Math.round((EVENTS / result.elapsedMs) * 1000)} events/s`,
      );
    }
    if (profiler) {
      const { profile } = await profiler.post('Profiler.stop');
      writeFileSync(values['cpu-prof']!, JSON.stringify(profile));
      console.log(`profile written to ${values['cpu-prof']}; most self time:`);
      for (const line of topFunctions(profile, 25)) console.log(`  ${line}`);
    }
    const sorted = [...measured].sort((a, b) => a - b);
    console.log(
      `median of ${measured.length} rounds: ${sorted[Math.floor(sorted.length / 2)]?.toFixed(1)} µs CPU/event (${EVENTS} events)`,
    );
  } finally {
    profiler?.disconnect();
    for (const stream of definitions) await connection.jsm.streams.delete(stream.name).catch(() => undefined);
    publisher.close();
    await connection.drain();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
