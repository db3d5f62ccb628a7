import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { deriveEventId } from '@firebreak/contracts';
import { Transaction, TransactionalMessaging } from '@firebreak/bus';
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

/** Records a round's outcomes and announces the final ones (delivered / failed) in the same transaction. */
@Injectable()
export class OutcomeRecorder {
  private readonly backoff: DeliveryBackoff;

  constructor(
    private readonly messaging: TransactionalMessaging,
    private readonly deliveries: DeliveriesRepository,
    private readonly buckets: RateBucketsRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CONFIG) config: NotifierConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.backoff = { maxAttempts: config.FIREBREAK_NOTIFY_MAX_ATTEMPTS, baseMs: config.FIREBREAK_NOTIFY_RETRY_BASE_MS, maxMs: config.FIREBREAK_NOTIFY_RETRY_MAX_MS };
  }

  async record(channel: Channel, attempts: Attempt[]): Promise<void> {
    const judged: Judged[] = attempts.map((a) => ({ ...a, next: nextStep(a.outcome, a.delivery.attempts, this.backoff, a.answeredAt) }));
    const pauses = judged.flatMap((j) => (j.next.status === 'pending' && j.next.pauseChannelUntil ? [j.next.pauseChannelUntil.getTime()] : []));
    await this.messaging.run(async (tx) => {
      await this.deliveries.applyOutcomes(tx.manager, judged.map(toUpdate), this.clock.now());
      await this.deliveries.markSent(tx.manager, channel.name, judged.filter((j) => j.next.status === 'sent').map((j) => j.delivery), this.clock.now());
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
    const options = { id: deriveEventId('notifier-settled', delivery.id, answeredAt.toISOString()), ...(delivery.fingerprint ? { subject: delivery.fingerprint } : {}) };
    if (next.status === 'sent') {
      const latencyMs = Math.max(0, answeredAt.getTime() - delivery.receivedAt.getTime());
      tx.stage('notifications.delivered', { ...common, deliveredAt: answeredAt.toISOString(), latencyMs }, options);
    } else if (next.status === 'failed' && outcome.result !== 'sent') {
      tx.stage('notifications.failed', { ...common, failedAt: answeredAt.toISOString(), error: outcome.error.slice(0, 2000) }, options);
    }
  }

  private report(channel: Channel, { delivery, outcome, answeredAt, next }: Judged): void {
    const log = this.logger.child({ channel: channel.name, deliveryId: delivery.id, fingerprint: delivery.fingerprint, attempts: delivery.attempts });
    switch (next.status) {
      case 'sent':
        notifierMetrics.sent.inc({ channel: channel.name, severity: delivery.severity });
        notifierMetrics.latency.observe({ channel: channel.name }, Math.max(0, answeredAt.getTime() - delivery.receivedAt.getTime()) / 1000);
        log.debug('delivered');
        return;
      case 'pending':
        if (outcome.result === 'retry') notifierMetrics.retried.inc({ channel: channel.name, reason: outcome.reason });
        log.warn({ error: outcome.result === 'sent' ? undefined : outcome.error, nextAttemptAt: next.nextAttemptAt }, 'delivery attempt failed; will retry');
        return;
      case 'failed':
        notifierMetrics.failed.inc({ channel: channel.name, severity: delivery.severity });
        log.error({ error: outcome.result === 'sent' ? undefined : outcome.error }, 'delivery failed for good; notifications.failed published');
        return;
    }
  }
}

function toUpdate({ delivery, outcome, answeredAt, next }: Judged): DeliveryUpdate {
  const response = outcome.result === 'sent' ? { responseStatus: outcome.status, responseExcerpt: outcome.excerpt } : { ...(outcome.status !== undefined ? { responseStatus: outcome.status } : {}), ...(outcome.excerpt !== undefined ? { responseExcerpt: outcome.excerpt } : {}) };
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
