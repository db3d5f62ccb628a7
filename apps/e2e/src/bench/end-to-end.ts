import { exactlyOnceFailure, percentile } from './deliveries';
import { failureText, sendAtRate } from './open-loop';
import { BenchPipeline, TOKEN } from './pipeline';
import { Row } from './report';
import { findMaxRate, measureStep, RATE_LADDER, StepMeasurement } from './stepping';

/** How long a step's backlog may take to arrive before the next step (or part) begins. */
const DRAIN_TIMEOUT_MS = 30_000;

/**
 * Open-loop load at a fixed rate, webhook → ingress → mapper → notifier → local webhook channel, each
 * alert timed from its webhook's send to the channel's receipt of its CloudEvent.
 */
export async function latencyRows(pipeline: BenchPipeline, rates: number[], durationSec: number): Promise<Row[]> {
  const rows: Row[] = [];
  for (const rate of rates) {
    const sent = await sendAtRate({
      url: pipeline.webhookUrl,
      token: TOKEN,
      run: `e2e${rate}x${Date.now()}`,
      alertsPerSec: rate,
      durationSec,
    });
    const stats = await pipeline.settle(sent.sentAt, 60_000);
    rows.push({
      id: `e2e-${rate}`,
      name: `end to end at ${rate} alerts/s (webhook → webhook channel)`,
      value: rate,
      unit: 'alerts/s offered',
      p50Ms: percentile(stats.latenciesMs, 50),
      p99Ms: percentile(stats.latenciesMs, 99),
      note: `${stats.delivered}/${stats.sent} delivered; ${failureText(sent)}`,
      failure: exactlyOnceFailure(stats),
    });
  }
  return rows;
}

/** One step of the search: `durationSec` at `rate`, then its backlog drained. */
async function step(pipeline: BenchPipeline, rate: number, durationSec: number): Promise<StepMeasurement & { note: string }> {
  const sent = await sendAtRate({
    url: pipeline.webhookUrl,
    token: TOKEN,
    run: `max${rate}x${Date.now()}`,
    alertsPerSec: rate,
    durationSec,
  });
  const stats = await pipeline.settle(sent.sentAt, DRAIN_TIMEOUT_MS);
  return {
    ...measureStep(rate, durationSec, sent, pipeline.receiver.deliveries),
    note: [
      `p99 ${percentile(stats.latenciesMs, 99)} ms`,
      stats.drained ? undefined : `${stats.missing} not delivered within ${DRAIN_TIMEOUT_MS / 1000} s`,
      stats.duplicates > 0 ? `${stats.duplicates} DUPLICATES` : undefined,
    ]
      .filter(Boolean)
      .join(', '),
  };
}

/**
 * The highest offered rate the pipeline kept up with: the rate steps up until delivery falls under
 * 95 % of it or latency keeps growing within a step.
 */
export async function maxThroughputRow(pipeline: BenchPipeline, stepSec: number, log: (line: string) => void): Promise<Row> {
  const notes = new Map<number, string>();
  const { maxRate, steps } = await findMaxRate(RATE_LADDER, async (rate) => {
    const measured = await step(pipeline, rate, stepSec);
    notes.set(rate, measured.note);
    log(
      `max: ${rate}/s offered → sent ${Math.round(measured.sentPerSec)}/s, delivered ${Math.round(measured.deliveredPerSec)}/s, p50 ${Math.round(measured.firstThirdP50Ms)} → ${Math.round(measured.lastThirdP50Ms)} ms, ${measured.note}`,
    );
    return measured;
  });
  const last = steps[steps.length - 1];
  const behind = last && !last.keptUp ? `at ${last.offered}/s: ${last.reason}` : 'the ladder ended before the pipeline fell behind';
  return {
    id: 'e2e-max',
    name: 'maximum sustained end to end (webhook → webhook channel)',
    value: maxRate,
    unit: 'alerts/s',
    note: `${stepSec} s steps ${steps.map((s) => s.offered).join(', ')}; fell behind ${behind}`,
    failure: [...notes.values()].some((note) => note.includes('DUPLICATES')) ? 'DUPLICATE deliveries during the search' : undefined,
  };
}
