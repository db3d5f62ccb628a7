import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { deriveEventId } from '@firebreak/contracts';
import { Transaction, TransactionalMessaging } from '@firebreak/bus';
import { CONFIG, LOGGER } from '@firebreak/platform';
import { Channel } from '../channels/channel-set';
import { CLOCK, Clock } from '../clock';
import { notifierMetrics } from '../metrics';
import { SendOutcome } from '../providers/provider';
import { NotifierConfig } from '../service';
import { ClaimedDelivery, DeliveriesRepository, DeliveryUpdate } from './deliveries.repository';
import { RateBucketsRepository } from './rate-buckets.repository';
import { decide, Decision, RetryPolicy } from './retry-policy';

export interface Attempt {
  delivery: ClaimedDelivery;
  outcome: SendOutcome;
  answeredAt: Date;
}

type Settled = Attempt & { decision: Decision };

/** Records a round's outcomes and announces the final ones (delivered / failed) in the same transaction. */
@Injectable()
export class DeliverySettler {
  private readonly policy: RetryPolicy;

  constructor(
    private readonly messaging: TransactionalMessaging,
    private readonly deliveries: DeliveriesRepository,
    private readonly buckets: RateBucketsRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CONFIG) config: NotifierConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.policy = { maxAttempts: config.FIREBREAK_NOTIFY_MAX_ATTEMPTS, baseMs: config.FIREBREAK_NOTIFY_RETRY_BASE_MS, maxMs: config.FIREBREAK_NOTIFY_RETRY_MAX_MS };
  }

  async settle(channel: Channel, attempts: Attempt[]): Promise<void> {
    const settled: Settled[] = attempts.map((a) => ({ ...a, decision: decide(a.outcome, a.delivery.attempts, this.policy, a.answeredAt) }));
    const pauses = settled.flatMap((s) => (s.decision.status === 'pending' && s.decision.pauseChannelUntil ? [s.decision.pauseChannelUntil.getTime()] : []));
    await this.messaging.run(async (tx) => {
      await this.deliveries.applyOutcomes(tx.manager, settled.map(toUpdate), this.clock.now());
      await this.deliveries.markSent(tx.manager, channel.name, settled.filter((s) => s.decision.status === 'sent').map((s) => s.delivery), this.clock.now());
      if (pauses.length > 0) await this.buckets.pause(tx.manager, channel.name, new Date(Math.max(...pauses)));
      for (const s of settled) this.stage(tx, channel, s);
    });
    for (const s of settled) this.report(channel, s);
  }

  private stage(tx: Transaction, channel: Channel, { delivery, outcome, answeredAt, decision }: Settled): void {
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
    const options = { id: deriveEventId('notifier-settled', delivery.id, answeredAt.toISOString()), ...(delivery.fingerprint ? { subject: delivery.fingerprint } : {}) };
    if (decision.status === 'sent') {
      const latencyMs = Math.max(0, answeredAt.getTime() - delivery.receivedAt.getTime());
      tx.stage('notifications.delivered', { ...common, deliveredAt: answeredAt.toISOString(), latencyMs }, options);
    } else if (decision.status === 'failed' && outcome.result !== 'sent') {
      tx.stage('notifications.failed', { ...common, failedAt: answeredAt.toISOString(), error: outcome.error.slice(0, 2000) }, options);
    }
  }

  private report(channel: Channel, { delivery, outcome, answeredAt, decision }: Settled): void {
    const log = this.logger.child({ channel: channel.name, deliveryId: delivery.id, fingerprint: delivery.fingerprint, attempts: delivery.attempts });
    switch (decision.status) {
      case 'sent':
        notifierMetrics.sent.inc({ channel: channel.name, severity: delivery.severity });
        notifierMetrics.latency.observe({ channel: channel.name }, Math.max(0, answeredAt.getTime() - delivery.receivedAt.getTime()) / 1000);
        log.debug('delivered');
        return;
      case 'pending':
        if (outcome.result === 'retry') notifierMetrics.retried.inc({ channel: channel.name, reason: outcome.reason });
        log.warn({ error: outcome.result === 'sent' ? undefined : outcome.error, nextAttemptAt: decision.nextAttemptAt }, 'delivery attempt failed; will retry');
        return;
      case 'failed':
        notifierMetrics.failed.inc({ channel: channel.name, severity: delivery.severity });
        log.error({ error: outcome.result === 'sent' ? undefined : outcome.error }, 'delivery failed for good; notifications.failed published');
        return;
    }
  }
}

function toUpdate({ delivery, outcome, answeredAt, decision }: Settled): DeliveryUpdate {
  const response = outcome.result === 'sent' ? { responseStatus: outcome.status, responseExcerpt: outcome.excerpt } : { ...(outcome.status !== undefined ? { responseStatus: outcome.status } : {}), ...(outcome.excerpt !== undefined ? { responseExcerpt: outcome.excerpt } : {}) };
  const error = outcome.result === 'sent' ? {} : { lastError: outcome.error.slice(0, 2000) };
  switch (decision.status) {
    case 'sent':
      return { id: delivery.id, status: 'sent', sentAt: answeredAt, ...response };
    case 'pending':
      return { id: delivery.id, status: 'pending', nextAttemptAt: decision.nextAttemptAt, ...response, ...error };
    case 'failed':
      return { id: delivery.id, status: 'failed', ...response, ...error };
  }
}
