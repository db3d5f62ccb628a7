import { Injectable } from '@nestjs/common';
import { DependencyUnavailableError, EventPublisher, HandlerContext, OnEvent, SubjectNames } from '@firebreak/bus';
import { BatchedAlert, CloudEvent, EventOf } from '@firebreak/contracts';
import { AlertBudget } from './alert-budget';
import { AlertIngestService, receiptId } from './alert-ingest.service';

/**
 * The inbox key of every alert the mapper takes in, whichever subject carried it: the durable name
 * of the alerts.received consumer (as it always was). An alert a batch handed on as its own
 * alerts.received event keeps its receipt (id and receivedAt), so whichever copy commits first, the
 * other is a duplicate.
 */
export const ALERTS_INBOX = 'mapper-alerts-received';

/**
 * Alerts of batch messages in the intake at once: what the batcher runs at once (INGEST_BATCH, 4 × 512), so that
 * requests of many alerts can fill its batches; requests of Alertmanager's size are held to fewer by the concurrency.
 */
const BATCH_ALERTS_IN_FLIGHT = 2048;

const encoder = new TextEncoder();

@Injectable()
export class AlertsConsumer {
  private readonly budget = new AlertBudget(BATCH_ALERTS_IN_FLIGHT);

  constructor(
    private readonly ingest: AlertIngestService,
    private readonly publisher: EventPublisher,
    private readonly subjects: SubjectNames,
  ) {}

  // Storms: many messages in flight, so the ingest service can gather them into batches (INGEST_BATCH).
  @OnEvent('alerts.received', { concurrency: 512, durable: ALERTS_INBOX })
  async received(event: EventOf<'alerts.received'>, ctx: HandlerContext): Promise<void> {
    const outcome = await this.ingest.ingest(event, ALERTS_INBOX);
    ctx.log.debug({ duplicate: outcome.duplicate, transition: outcome.duplicate ? undefined : outcome.transition }, 'alert event handled');
  }

  /**
   * The ingress's one message per request: each alert goes into the same batcher as its own
   * alerts.received event would (its own id, so its own inbox claim), and the message is acked only
   * once every alert in it is settled. A redelivery finds the committed ones in the inbox.
   *
   * An outage (Postgres away) sends the whole message back. An alert that failed otherwise failed on its
   * own (the batcher runs a failed batch's alerts one by one): it goes on as its own alerts.received
   * event, with that consumer's retries and, in the end, a dead letter holding that one alert, which can
   * be replayed. Failing the message instead would hold its batch-mates back through every retry and
   * dead-letter the whole request, cut to fit when large, so that it could never be replayed.
   */
  @OnEvent('alerts.received.batch', { concurrency: 128 })
  async receivedBatch(event: EventOf<'alerts.received.batch'>, ctx: HandlerContext): Promise<void> {
    const { alerts } = event.data;
    const taken = await this.budget.take(alerts.length);
    let settled: Array<PromiseSettledResult<unknown>>;
    try {
      // Settled only once none of its alerts is in flight: a redelivery never races the first delivery's work.
      settled = await Promise.allSettled(alerts.map(({ id, data }) => this.ingest.ingest(alertEvent(event, id, data), ALERTS_INBOX)));
    } finally {
      this.budget.giveBack(taken);
    }
    const failed = alerts.flatMap((alert, index) => {
      const result = settled[index];
      return result.status === 'rejected' ? [{ alert, error: result.reason as unknown }] : [];
    });
    if (failed.length === 0) {
      ctx.log.debug({ alerts: alerts.length }, 'alert batch handled');
      return;
    }
    const outage = failed.find(({ error }) => error instanceof DependencyUnavailableError);
    if (outage) throw outage.error;
    await this.handOn(
      event,
      failed.map(({ alert }) => alert),
    );
    ctx.log.warn(
      { alerts: alerts.length, failed: failed.length, err: failed[0].error },
      'alerts of a batch failed on their own: each goes on as its own alerts.received event, with its own retries and dead letter',
    );
  }

  /**
   * Publishes alerts as the per-alert events they stand for: each keeps its event id (so its receipt), and its
   * Nats-Msg-Id is the receipt. A second hand-on of the same receipt (the batch redelivered) is dropped by
   * JetStream; a later receipt of the same alert (a group re-send failing again within JetStream's window) is not.
   */
  private async handOn(batch: EventOf<'alerts.received.batch'>, alerts: BatchedAlert[]): Promise<void> {
    const wire = this.subjects.wire('alerts.received');
    await Promise.all(
      alerts.map(({ id, data }) => {
        // The batch passed the contract when it was consumed, and each alert is carried unchanged.
        const event = this.publisher.buildTrusted('alerts.received', data, { id, subject: data.alert.fingerprint, time: batch.time });
        return this.publisher.publishRaw(wire, 'alerts.received', encoder.encode(JSON.stringify(event)), receiptId(event));
      }),
    );
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
