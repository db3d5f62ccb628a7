import { AlertmanagerLikeSender } from '../chaos/sender';
import { deliveryStats, exactlyOnceFailure } from './deliveries';
import { BenchPipeline, TOKEN } from './pipeline';
import { Row } from './report';

const STORM_ALERTS = 10_000;
/** Webhooks in flight, as the ingress rows' 50 connections. */
const IN_FLIGHT = 50;
/** After the last first delivery: how long a late duplicate still has to show up in the count. */
const LATE_DUPLICATE_WAIT_MS = 2_000;

/**
 * 10,000 new alerts posted as fast as the ingress takes them (retried on 5xx like Alertmanager):
 * the time from the last webhook accepted to the last alert delivered, and each delivered exactly once.
 */
export async function stormRow(pipeline: BenchPipeline, log: (line: string) => void): Promise<Row> {
  const backlogDone = await pipeline.quiet();
  const run = `storm${Date.now()}`;
  const sender = new AlertmanagerLikeSender(pipeline.webhookUrl, TOKEN, run, STORM_ALERTS);
  const started = Date.now();
  await sender.phase({ status: 'firing', inFlight: IN_FLIGHT, requestsPerSec: 1_000_000 });
  const lastAccepted = Date.now();
  const sentAt = new Map(sender.alerts.map((alert) => [alert.fingerprint, started]));
  log(`storm: ${STORM_ALERTS} alerts accepted in ${lastAccepted - started} ms; waiting for delivery`);
  const settled = await pipeline.settle(sentAt, 120_000);
  await new Promise((resolve) => setTimeout(resolve, LATE_DUPLICATE_WAIT_MS));
  const stats = deliveryStats(sentAt, pipeline.receiver.deliveries);
  const drainMs = (stats.lastAt ?? Date.now()) - lastAccepted;
  const retried = sender.stats.retriedRequests > 0 ? `, ${sender.stats.retriedRequests} webhooks retried` : '';
  const rejected = sender.stats.rejected.length > 0 ? `${sender.stats.rejected.length} webhooks REFUSED with a 4xx` : undefined;
  return {
    id: 'storm',
    name: `storm: ${STORM_ALERTS} new alerts, last accepted → last delivered`,
    value: Math.max(0, drainMs),
    unit: 'ms',
    note: [
      `posted in ${lastAccepted - started} ms (${Math.round(STORM_ALERTS / ((lastAccepted - started) / 1000))} alerts/s, ${IN_FLIGHT} in flight${retried})`,
      `${stats.delivered}/${stats.sent} delivered, ${stats.duplicates} duplicates`,
      settled.drained ? undefined : 'drain timed out after 120 s',
      backlogDone ? undefined : 'an earlier part was still delivering when it began',
    ]
      .filter(Boolean)
      .join('; '),
    failure: [exactlyOnceFailure(stats), rejected].filter(Boolean).join(', ') || undefined,
  };
}
