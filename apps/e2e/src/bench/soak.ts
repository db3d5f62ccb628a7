import { deliveryStats, DeliveryStats, forget, percentile } from './deliveries';
import { sendAtRate } from './open-loop';
import { BenchPipeline, TOKEN } from './pipeline';
import { RssSeries } from './proc';
import { Row } from './report';
import { rssByService } from './whole-stack';

const SOAK_RATE = 1000;
const WINDOW_SEC = 30;

/**
 * `--soak MINUTES`: the whole stack at 1,000 alerts/s, RSS per service sampled after each 30 s window.
 * Growth is counted from the end of the first window, not from idle: the first window fills caches, pools
 * and the young generation to their working size, which is not a leak; what grows after it is.
 * Each window's deliveries are counted one window later (by then they are through when the stack keeps
 * up) and then forgotten, so a long soak keeps per-window figures only.
 */
export async function soakRows(pipeline: BenchPipeline, minutes: number, log: (line: string) => void): Promise<Row[]> {
  const rss = new RssSeries();
  const idle = new Map(rssByService(pipeline).map(({ app, mb }) => [app, mb]));
  // Growth is counted from the end of the first window, so a soak needs two at least.
  const windows = Math.max(2, Math.round((minutes * 60) / WINDOW_SEC));
  const totals = { sent: 0, delivered: 0, missing: 0, duplicates: 0, sameKey: 0, worstP99Ms: 0 };
  const count = (stats: DeliveryStats) => {
    totals.sent += stats.sent;
    totals.delivered += stats.delivered;
    totals.missing += stats.missing;
    totals.duplicates += stats.duplicates;
    totals.sameKey += stats.sameKeyDuplicates;
    totals.worstP99Ms = Math.max(totals.worstP99Ms, percentile(stats.latenciesMs, 99) || 0);
  };
  let previous: Map<string, number> | undefined;
  for (let window = 0; window < windows; window++) {
    const sent = await sendAtRate({
      url: pipeline.webhookUrl,
      token: TOKEN,
      run: `soak${window}x${Date.now()}`,
      alertsPerSec: SOAK_RATE,
      durationSec: WINDOW_SEC,
    });
    const sample = rssByService(pipeline);
    for (const { app, mb } of sample) rss.record(app, mb);
    if (previous) {
      const stats = deliveryStats(previous, pipeline.receiver.deliveries);
      count(stats);
      forget(pipeline.receiver.deliveries, previous.keys());
      log(
        `soak ${window}/${windows}: ${sent.unsent} webhooks of this window not sent; ${stats.delivered}/${stats.sent} of the window before delivered, p99 ${p99Text(stats.latenciesMs)}; RSS ${sample.map(({ app, mb }) => `${app} ${mb}`).join(', ')} MB`,
      );
    }
    previous = sent.sentAt;
  }
  if (previous) count(await pipeline.settle(previous, 60_000));
  const growth = rss.growth();
  const rows: Row[] = growth.map((g) => ({
    id: `soak-rss-${g.service}`,
    name: `soak RSS growth: ${g.service}`,
    value: g.growthMb,
    unit: 'MB',
    note: `idle ${idle.get(g.service)} MB; ${g.firstMb} after the first window → ${g.lastMb} MB, peak ${g.peakMb} MB, ${g.samples} samples`,
  }));
  rows.push({
    id: 'soak-rss-total',
    name: 'soak RSS growth: whole stack',
    value: growth.reduce((sum, g) => sum + g.growthMb, 0),
    unit: 'MB',
    note: `${minutes} min at ${SOAK_RATE} alerts/s, sampled every ${WINDOW_SEC} s, from the end of the first window`,
  });
  rows.push({
    id: 'soak-delivery',
    name: `soak: delivered at ${SOAK_RATE} alerts/s for ${minutes} min`,
    value: totals.delivered,
    unit: 'alerts',
    note: `of ${totals.sent} sent; worst window p99 ${totals.worstP99Ms} ms`,
    failure: behindOrDoubled(totals),
  });
  return rows;
}

/** "no deliveries" rather than NaN when the window before delivered nothing (yet). */
function p99Text(latenciesMs: readonly number[]): string {
  return latenciesMs.length > 0 ? `${percentile(latenciesMs, 99)} ms` : 'n/a (none delivered)';
}

/** Counted one window after sending: an alert not there yet is behind, not (yet) lost. */
function behindOrDoubled(totals: { sent: number; missing: number; duplicates: number; sameKey: number }): string | undefined {
  const problems: string[] = [];
  if (totals.missing > 0)
    problems.push(`${totals.missing} of ${totals.sent} alerts NOT DELIVERED within a ${WINDOW_SEC} s window of being sent`);
  if (totals.duplicates > 0)
    problems.push(`${totals.duplicates} DUPLICATE deliveries (${totals.sameKey} with the first delivery's idempotency-key)`);
  return problems.length > 0 ? problems.join(', ') : undefined;
}
