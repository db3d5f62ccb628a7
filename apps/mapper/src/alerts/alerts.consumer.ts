import { Injectable } from '@nestjs/common';
import { HandlerContext, OnEvent } from '@firebreak/bus';
import { CloudEvent, EventOf } from '@firebreak/contracts';
import { AlertIngestService } from './alert-ingest.service';

/**
 * The inbox key of every alert the mapper takes in, whichever subject carried it: the durable name
 * of the alerts.received consumer (as it always was). An alert that came both ways (a per-alert event
 * of an older ingress and a batch of a newer one, during an upgrade) is claimed under one key, so once.
 */
export const ALERTS_INBOX = 'mapper-alerts-received';

@Injectable()
export class AlertsConsumer {
  constructor(private readonly ingest: AlertIngestService) {}

  // Storms: many messages in flight, so the ingest service can gather them into batches (8 batches of 128 when saturated).
  @OnEvent('alerts.received', { concurrency: 512, durable: ALERTS_INBOX })
  async received(event: EventOf<'alerts.received'>, ctx: HandlerContext): Promise<void> {
    const outcome = await this.ingest.ingest(event, ALERTS_INBOX);
    ctx.log.debug({ duplicate: outcome.duplicate, transition: outcome.duplicate ? undefined : outcome.transition }, 'alert event handled');
  }

  /**
   * The ingress's one message per request: each alert goes into the same batcher as its own
   * alerts.received event would (its own id, so its own inbox claim), and the message is acked only
   * once every alert in it committed. A redelivery finds the committed ones in the inbox; an alert
   * that failed fails the message, which comes back whole. A message holds 10 alerts in a typical
   * webhook (up to 10,000): 128 in flight keep the batcher's 8 × 128 busy without holding a whole storm in memory.
   */
  @OnEvent('alerts.received.batch', { concurrency: 128 })
  async receivedBatch(event: EventOf<'alerts.received.batch'>, ctx: HandlerContext): Promise<void> {
    const settled = await Promise.allSettled(
      event.data.alerts.map(({ id, data }) => this.ingest.ingest(alertEvent(event, id, data), ALERTS_INBOX)),
    );
    // Settled only once none of its alerts is in flight: a redelivery never races the first delivery's work.
    const failed = settled.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    const duplicates = settled.filter((result) => result.status === 'fulfilled' && result.value.duplicate).length;
    ctx.log.debug({ alerts: settled.length, duplicates }, 'alert batch handled');
  }
}

/** The alerts.received event one alert of a batch stands for: its own id and data, the batch's envelope. */
function alertEvent(
  batch: EventOf<'alerts.received.batch'>,
  id: string,
  data: EventOf<'alerts.received'>['data'],
): CloudEvent<EventOf<'alerts.received'>['data']> {
  return { ...batch, id, type: 'firebreak.alerts.received.v1', subject: data.alert.fingerprint, data };
}
