import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { deriveEventId } from '@firebreak/contracts';
import { DependencyUnavailableError, isConnectionFailure, Transaction, TransactionalMessaging } from '@firebreak/bus';
import { Clock, CLOCK, CONFIG, LOGGER } from '@firebreak/platform';
import { Channel } from '../channel-config/channel-set';
import { notifierMetrics } from '../metrics';
import { SendOutcome } from '../providers/provider';
import { NotifierConfig } from '../service';
import { ClaimedDelivery, DeliveriesRepository, DeliveryUpdate } from './deliveries.repository';
import { RateBucketsRepository } from './rate-buckets.repository';
import { DeliveryBackoff, nextStep, NextStep } from './delivery-backoff';

export interface Attempt {
  delivery: ClaimedDelivery;
  outcome: SendOutcome;
  answeredAt: Date;
}

type Judged = Attempt & { next: NextStep };

interface Answered {
  channel: Channel;
  attempt: Attempt;
}

// While Postgres is away the answers wait in memory; a retry every few seconds finds it back.
const RECORD_RETRY_MS = [250, 500, 1_000, 2_000, 5_000];

/**
 * Records each answer as soon as the provider gave it, and announces the final ones (delivered /
 * failed) in the same transaction. Answers that arrive while a write is running go in the next
 * one (micro-batches), so a crash can repeat at most the sends still on the wire. An answer whose
 * write fails because Postgres is away is kept and written once it is back: a failed write never
 * makes a delivery go out again.
 */
@Injectable()
export class OutcomeRecorder {
  private readonly backoff: DeliveryBackoff;
  private readonly waiting: Answered[] = [];
  private writing?: Promise<void>;

  constructor(
    private readonly messaging: TransactionalMessaging,
    private readonly deliveries: DeliveriesRepository,
    private readonly buckets: RateBucketsRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CONFIG) config: NotifierConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.backoff = {
      maxAttempts: config.FIREBREAK_NOTIFY_MAX_ATTEMPTS,
      baseMs: config.FIREBREAK_NOTIFY_RETRY_BASE_MS,
      maxMs: config.FIREBREAK_NOTIFY_RETRY_MAX_MS,
    };
  }

  /** Takes a provider's answer; it is written in the next micro-batch. */
  submit(channel: Channel, attempt: Attempt): void {
    this.waiting.push({ channel, attempt });
    this.writing ??= this.writeWaiting().finally(() => (this.writing = undefined));
  }

  /** Answers not yet written (Postgres away, or a write in progress). */
  get unwritten(): number {
    return this.waiting.length;
  }

  /**
   * Waits until every answer taken is written, at most `timeoutMs`; returns how many are still
   * unwritten (their deliveries are sent again once their lease runs out).
   */
  async drain(timeoutMs: number): Promise<number> {
    const deadline = this.clock.now().getTime() + timeoutMs;
    while (this.writing && this.clock.now().getTime() < deadline) {
      await Promise.race([this.writing, this.clock.sleep(Math.min(100, Math.max(1, deadline - this.clock.now().getTime())))]);
    }
    return this.waiting.length;
  }

  private async writeWaiting(): Promise<void> {
    let failures = 0;
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0);
      try {
        for (const [channel, attempts] of byChannel(batch)) await this.record(channel, attempts);
        if (failures > 0) this.logger.info({ written: batch.length }, 'Postgres is back: delivery outcomes written');
        failures = 0;
      } catch (error) {
        if (!(error instanceof DependencyUnavailableError || isConnectionFailure(error))) {
          // Not an outage, so waiting will not help: the leases run out and the deliveries are tried again.
          this.logger.error(
            { err: error, deliveries: batch.length },
            'writing delivery outcomes failed; they will be retried after their lease',
          );
          continue;
        }
        this.waiting.unshift(...batch);
        if (failures === 0)
          this.logger.warn(
            { err: error, unwritten: this.waiting.length },
            'Postgres is away: keeping delivery outcomes until they can be written (nothing is sent again)',
          );
        notifierMetrics.outcomesUnwritten.set(this.waiting.length);
        await this.clock.sleep(RECORD_RETRY_MS[Math.min(failures, RECORD_RETRY_MS.length - 1)]);
        failures++;
      }
    }
    notifierMetrics.outcomesUnwritten.set(0);
  }

  private async record(channel: Channel, attempts: Attempt[]): Promise<void> {
    const judged: Judged[] = attempts.map((a) => ({ ...a, next: nextStep(a.outcome, a.delivery.attempts, this.backoff, a.answeredAt) }));
    const pauses = judged.flatMap((j) =>
      j.next.status === 'pending' && j.next.pauseChannelUntil ? [j.next.pauseChannelUntil.getTime()] : [],
    );
    await this.messaging.run(async (tx) => {
      await this.deliveries.applyOutcomes(tx.manager, judged.map(toUpdate), this.clock.now());
      await this.deliveries.markSent(
        tx.manager,
        channel.name,
        judged.filter((j) => j.next.status === 'sent').map((j) => j.delivery),
        this.clock.now(),
      );
      if (pauses.length > 0) await this.buckets.pause(tx.manager, channel.name, new Date(Math.max(...pauses)));
      for (const j of judged) this.stage(tx, channel, j);
    });
    for (const j of judged) this.report(channel, j);
  }

  private stage(tx: Transaction, channel: Channel, { delivery, outcome, answeredAt, next }: Judged): void {
    const common = {
      deliveryId: delivery.id,
      announcementId: delivery.announcementId,
      channel: channel.name,
      channelType: channel.type,
      target: delivery.target,
      ...(delivery.fingerprint ? { fingerprint: delivery.fingerprint } : {}),
      kind: delivery.kind,
      severity: delivery.severity,
      attempts: delivery.attempts,
    };
    // The seed keeps its old word: a new one would give an outcome already published a second event id.
    const options = {
      id: deriveEventId('notifier-settled', delivery.id, answeredAt.toISOString()),
      ...(delivery.fingerprint ? { subject: delivery.fingerprint } : {}),
    };
    if (next.status === 'sent') {
      const latencyMs = Math.max(0, answeredAt.getTime() - delivery.receivedAt.getTime());
      tx.stage('notifications.delivered', { ...common, deliveredAt: answeredAt.toISOString(), latencyMs }, options);
    } else if (next.status === 'failed' && outcome.result !== 'sent') {
      tx.stage('notifications.failed', { ...common, failedAt: answeredAt.toISOString(), error: outcome.error.slice(0, 2000) }, options);
    }
  }

  private report(channel: Channel, { delivery, outcome, answeredAt, next }: Judged): void {
    const log = this.logger.child({
      channel: channel.name,
      deliveryId: delivery.id,
      fingerprint: delivery.fingerprint,
      attempts: delivery.attempts,
    });
    switch (next.status) {
      case 'sent':
        notifierMetrics.sent.inc({ channel: channel.name, severity: delivery.severity });
        notifierMetrics.latency.observe(
          { channel: channel.name },
          Math.max(0, answeredAt.getTime() - delivery.receivedAt.getTime()) / 1000,
        );
        log.debug('delivered');
        return;
      case 'pending':
        if (outcome.result === 'retry') notifierMetrics.retried.inc({ channel: channel.name, reason: outcome.reason });
        log.warn(
          { error: outcome.result === 'sent' ? undefined : outcome.error, nextAttemptAt: next.nextAttemptAt },
          'delivery attempt failed; will retry',
        );
        return;
      case 'failed':
        notifierMetrics.failed.inc({ channel: channel.name, severity: delivery.severity });
        log.error(
          { error: outcome.result === 'sent' ? undefined : outcome.error },
          'delivery failed for good; notifications.failed published',
        );
        return;
    }
  }
}

function byChannel(answers: Answered[]): Map<Channel, Attempt[]> {
  const groups = new Map<Channel, Attempt[]>();
  for (const { channel, attempt } of answers) groups.set(channel, [...(groups.get(channel) ?? []), attempt]);
  return groups;
}

function toUpdate({ delivery, outcome, answeredAt, next }: Judged): DeliveryUpdate {
  const response =
    outcome.result === 'sent'
      ? { responseStatus: outcome.status, responseExcerpt: outcome.excerpt }
      : {
          ...(outcome.status !== undefined ? { responseStatus: outcome.status } : {}),
          ...(outcome.excerpt !== undefined ? { responseExcerpt: outcome.excerpt } : {}),
        };
  const error = outcome.result === 'sent' ? {} : { lastError: outcome.error.slice(0, 2000) };
  switch (next.status) {
    case 'sent':
      return { id: delivery.id, status: 'sent', sentAt: answeredAt, ...response };
    case 'pending':
      return { id: delivery.id, status: 'pending', nextAttemptAt: next.nextAttemptAt, ...response, ...error };
    case 'failed':
      return { id: delivery.id, status: 'failed', ...response, ...error };
  }
}
