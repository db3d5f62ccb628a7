import type { Logger } from 'pino';
import { deriveEventId } from '@firebreak/contracts';
import { Transaction, TransactionalMessaging } from '@firebreak/bus';
import { Clock } from '@firebreak/platform';
import { Channel } from '../channel-config/channel-set';
import { notifierMetrics } from '../metrics';
import { storableText } from '../notifications/text';
import { SendOutcome } from '../providers/provider';
import { NotifierConfig } from '../service';
import { DeliveryOutcomesRepository } from './delivery-outcomes.repository';
import { ClaimedDelivery, DeliveryUpdate } from './delivery.types';
import { DeliveryBackoff, nextStep, NextStep } from './delivery-backoff';
import { RateBucketsRepository } from './rate-buckets.repository';

export interface Attempt {
  delivery: ClaimedDelivery;
  outcome: SendOutcome;
  answeredAt: Date;
}

type Judged = Attempt & { next: NextStep };

// What a failed answer is stored with when its own error text could not be written.
const UNSTORED_ERROR = 'the error text could not be stored';

/**
 * One transaction for one channel's answers: each delivery's next step (sent, retried, failed),
 * the rate bucket paused when a provider asked, and the final outcomes announced. The recorder
 * decides when to call it and what to do when it fails.
 */
export class OutcomeWriter {
  private readonly backoff: DeliveryBackoff;

  constructor(
    private readonly messaging: TransactionalMessaging,
    private readonly deliveries: DeliveryOutcomesRepository,
    private readonly buckets: RateBucketsRepository,
    private readonly clock: Clock,
    config: NotifierConfig,
    private readonly logger: Logger,
  ) {
    this.backoff = {
      maxAttempts: config.FIREBREAK_NOTIFY_MAX_ATTEMPTS,
      baseMs: config.FIREBREAK_NOTIFY_RETRY_BASE_MS,
      maxMs: config.FIREBREAK_NOTIFY_RETRY_MAX_MS,
    };
  }

  /** `texts: false` leaves out the response excerpt and the error text (Postgres refused them). */
  async record(channel: Channel, attempts: Attempt[], { texts = true } = {}): Promise<void> {
    const judged: Judged[] = attempts.map((a) => ({ ...a, next: nextStep(a.outcome, a.delivery.attempts, this.backoff, a.answeredAt) }));
    const pauses = judged.flatMap((j) =>
      j.next.status === 'pending' && j.next.pauseChannelUntil ? [j.next.pauseChannelUntil.getTime()] : [],
    );
    const applied = await this.messaging.run(async (tx) => {
      const updated = await this.deliveries.applyOutcomes(
        tx.manager,
        judged.map((j) => toUpdate(j, texts)),
        this.clock.now(),
      );
      // Only answers whose update went through are announced: a fenced-out one did nothing.
      // (The order marks were set when the deliveries were claimed.)
      const recorded = judged.filter((j) => updated.has(j.delivery.id));
      if (pauses.length > 0) await this.buckets.pause(tx.manager, channel.name, new Date(Math.max(...pauses)));
      for (const j of recorded) this.stage(tx, channel, j, texts);
      return recorded;
    });
    for (const j of judged) {
      if (applied.includes(j)) this.report(channel, j);
      else
        this.logger.warn(
          { channel: channel.name, deliveryId: j.delivery.id, attempts: j.delivery.attempts },
          'delivery answer not recorded: the delivery was claimed again (its lease ran out) or is no longer pending',
        );
    }
  }

  private stage(tx: Transaction, channel: Channel, { delivery, outcome, answeredAt, next }: Judged, texts: boolean): void {
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
      // Trusted: built from the delivery's own row (from an announcement validated when consumed) and the channel
      // config. A failure's error text comes from the provider: that one stays validated.
      tx.stageTrusted('notifications.delivered', { ...common, deliveredAt: answeredAt.toISOString(), latencyMs }, options);
    } else if (next.status === 'failed' && outcome.result !== 'sent') {
      tx.stage('notifications.failed', { ...common, failedAt: answeredAt.toISOString(), error: errorText(outcome.error, texts) }, options);
    }
  }

  private report(channel: Channel, { delivery, outcome, answeredAt, next }: Judged): void {
    // Plain fields, no child logger: a sent delivery's line is a debug line (a no-op at the usual
    // levels), and a child logger per delivery cost more than the rest of reporting it.
    const fields = () => ({
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
        this.logger.debug(fields(), 'delivered');
        return;
      case 'pending':
        if (outcome.result === 'retry') notifierMetrics.retried.inc({ channel: channel.name, reason: outcome.reason });
        this.logger.warn(
          { ...fields(), error: outcome.result === 'sent' ? undefined : outcome.error, nextAttemptAt: next.nextAttemptAt },
          'delivery attempt failed; will retry',
        );
        return;
      case 'failed':
        notifierMetrics.failed.inc({ channel: channel.name, severity: delivery.severity });
        this.logger.error(
          { ...fields(), error: outcome.result === 'sent' ? undefined : outcome.error },
          'delivery failed for good; notifications.failed published',
        );
        return;
    }
  }
}

function errorText(error: string, texts: boolean): string {
  return texts ? storableText(error, 2000) : UNSTORED_ERROR;
}

function toUpdate({ delivery, outcome, answeredAt, next }: Judged, texts: boolean): DeliveryUpdate {
  const excerpt = texts && outcome.excerpt !== undefined ? { responseExcerpt: storableText(outcome.excerpt) } : {};
  const response = { ...(outcome.status !== undefined ? { responseStatus: outcome.status } : {}), ...excerpt };
  const error = outcome.result === 'sent' ? {} : { lastError: errorText(outcome.error, texts) };
  const claim = { id: delivery.id, claimToken: delivery.claimToken, attempts: delivery.attempts };
  switch (next.status) {
    case 'sent':
      return { ...claim, status: 'sent', sentAt: answeredAt, ...response };
    case 'pending':
      return { ...claim, status: 'pending', nextAttemptAt: next.nextAttemptAt, ...response, ...error };
    case 'failed':
      return { ...claim, status: 'failed', ...response, ...error };
  }
}
