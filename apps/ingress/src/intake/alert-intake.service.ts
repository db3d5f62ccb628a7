import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { AlertReceived, BatchedAlert, ContractViolation } from '@firebreak/contracts';
import { BusConnection, EventPublisher, PayloadTooLargeError, PublishError } from '@firebreak/bus';
import { AppError, CONFIG, LOGGER } from '@firebreak/platform';
import { IngressConfig } from '../service';
import { BATCH_SUBJECT, batchEventId, chunkToFit } from './alert-batches';
import { ingressMetrics } from '../metrics';
import { alertEventId } from './alert-event-id';
import { AcceptedAlertsDto } from './intake.dto';
import { IntakeUnavailableError } from './intake-unavailable';

function countReceived(alerts: AlertReceived[]): void {
  if (alerts.length === 0) return;
  const firing = alerts.reduce((count, { alert }) => (alert.status === 'firing' ? count + 1 : count), 0);
  // Each request has one source: the labels are hashed at most twice, not once per alert.
  const source = alerts[0].source;
  if (firing > 0) ingressMetrics.alertsReceived.inc({ source, status: 'firing' }, firing);
  if (alerts.length > firing) ingressMetrics.alertsReceived.inc({ source, status: 'resolved' }, alerts.length - firing);
}

// While JetStream is in trouble every retry fails the same way: one line per interval is enough.
const FAILURE_LOG_INTERVAL_MS = 10_000;

/**
 * The one path every alert takes into Firebreak: one `alerts.received.batch` event per request
 * (per chunk of it that fits a NATS message) carrying every alert with its own event id, answered
 * only once JetStream acknowledged it. One message per alert could not outpace Alertmanager: the
 * raw JetStream ceiling per message is below twice its ingest.
 */
@Injectable()
export class AlertIntake implements OnApplicationBootstrap {
  private lastFailureLog = 0;
  private failuresSinceLog = 0;

  constructor(
    private readonly publisher: EventPublisher,
    private readonly connection: BusConnection,
    @Inject(CONFIG) private readonly config: IngressConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const maxEventBytes = this.publisher.maxEventBytes();
    if (this.config.FIREBREAK_WEBHOOK_MAX_BYTES > maxEventBytes) {
      this.logger.warn(
        { webhookMaxBytes: this.config.FIREBREAK_WEBHOOK_MAX_BYTES, maxEventBytes },
        "FIREBREAK_WEBHOOK_MAX_BYTES is above what one NATS message can carry (the server's max_payload): an alert that large has its annotations cut to fit",
      );
    }
  }

  /**
   * `validatedAtEdge`: the alerts were built by the contracts' own mapping from a body the edge
   * validated (the Alertmanager webhook), so the event is not validated a second time; the other
   * endpoints build alerts by hand and keep the check.
   */
  async accept(alerts: AlertReceived[], receivedAt: Date, validatedAtEdge = false): Promise<AcceptedAlertsDto> {
    // Fail fast: buffering while disconnected would hold the caller until the publish timeout.
    if (!this.connection.isConnected()) throw new IntakeUnavailableError('the event bus (NATS) is disconnected');
    const started = performance.now();
    // Each alert's id comes from the alert as sent (before any cut), so a resend of the same notification keeps its ids.
    const batched: BatchedAlert[] = alerts.map((data) => ({ id: alertEventId(data), data }));
    try {
      if (batched.length > 0) await this.publishFitted(batched, receivedAt.toISOString(), validatedAtEdge);
      ingressMetrics.publishDuration.observe({ outcome: 'acked' }, (performance.now() - started) / 1000);
      countReceived(alerts);
      return { status: 'accepted', received: alerts.length, eventIds: batched.map(({ id }) => id) };
    } catch (error) {
      if (error instanceof PayloadTooLargeError) {
        ingressMetrics.rejected.inc({ reason: 'event_too_large' });
        throw new AppError(
          'payload_too_large',
          `an alert is too large to carry: ${error.message}; shorten its labels or annotations`,
          413,
          {
            bytes: error.bytes,
            maxBytes: error.maxBytes,
          },
        );
      }
      if (error instanceof ContractViolation) {
        // Validated at the edge, so this is a gap between the edge and the contract: the request
        // can never pass, and a 500 would have Alertmanager retry the whole group for ever.
        this.logger.error({ err: error }, 'an accepted alert broke the alerts.received.batch contract; refusing the request');
        throw new AppError('invalid_alert', `an alert cannot be carried: ${error.issues.join('; ')}`, 400, { issues: error.issues });
      }
      if (!(error instanceof PublishError)) {
        this.logger.error({ err: error }, 'publishing alerts failed unexpectedly; answering 503 so the sender retries');
        throw new IntakeUnavailableError('the alerts could not be handed to the event bus', { cause: error });
      }
      ingressMetrics.publishDuration.observe({ outcome: 'failed' }, (performance.now() - started) / 1000);
      this.reportFailure(error);
      throw new IntakeUnavailableError('JetStream did not acknowledge every alert', { cause: error });
    }
  }

  /**
   * The whole request as one event; only when it is too large for a NATS message (the publisher
   * refuses it before sending anything) is it cut into chunks that fit, all in flight at once and
   * in order on the one connection. Sizing every alert up front cost a JSON.stringify per alert on
   * every request.
   */
  private async publishFitted(alerts: BatchedAlert[], time: string, validatedAtEdge: boolean): Promise<void> {
    const publish = (chunks: BatchedAlert[][]) => {
      const items = chunks.map((chunk) => ({
        subject: BATCH_SUBJECT,
        data: { alerts: chunk },
        options: { id: batchEventId(chunk), time },
      }));
      return validatedAtEdge ? this.publisher.publishTrustedMany(items) : this.publisher.publishMany(items);
    };
    try {
      await publish([alerts]);
    } catch (error) {
      if (!(error instanceof PayloadTooLargeError)) throw error;
      const { chunks, cut } = chunkToFit(alerts, this.publisher.maxEventBytes());
      for (const received of cut) this.reportCut(received);
      await publish(chunks);
    }
  }

  private reportCut(received: AlertReceived): void {
    ingressMetrics.cutAnnotations.inc();
    this.logger.warn(
      { fingerprint: received.alert.fingerprint },
      'an alert was larger than one NATS message: its annotations were cut to fit',
    );
  }

  private reportFailure(error: PublishError): void {
    this.failuresSinceLog++;
    const now = Date.now();
    if (now - this.lastFailureLog < FAILURE_LOG_INTERVAL_MS) return;
    this.logger.warn(
      { err: error, failedRequests: this.failuresSinceLog },
      'JetStream did not acknowledge every alert; answering 503 so the sender retries',
    );
    this.lastFailureLog = now;
    this.failuresSinceLog = 0;
  }
}
