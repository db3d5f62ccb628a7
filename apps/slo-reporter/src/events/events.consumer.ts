import { Injectable } from '@nestjs/common';
import { HandlerContext, OnEvent } from '@firebreak/bus';
import { EventOf } from '@firebreak/contracts';
import { Signal } from '../core/signals';
import { EventCountingService } from './event-counting.service';
import { remediationFailedSignals, remediationSucceededSignals, stateChangedSignals } from './signal-of';

/**
 * Counts Firebreak's own events, one durable consumer per subject. Each is counted at the time it
 * happened (not when it arrived), so a late or redelivered event lands in its own minute. Many events are in
 * flight at once so that EventCountingService counts a burst in a few batches (each handler returns, and its
 * message is acknowledged, once its batch has committed).
 */
@Injectable()
export class EventsConsumer {
  constructor(private readonly counting: EventCountingService) {}

  @OnEvent('notifications.delivered', { concurrency: 256 })
  async delivered(event: EventOf<'notifications.delivered'>, ctx: HandlerContext): Promise<void> {
    await this.count(ctx, event.id, ['notifications.delivered'], event.data.deliveredAt);
  }

  @OnEvent('notifications.failed', { concurrency: 256 })
  async failed(event: EventOf<'notifications.failed'>, ctx: HandlerContext): Promise<void> {
    await this.count(ctx, event.id, ['notifications.failed'], event.data.failedAt);
  }

  @OnEvent('runbooks.execution.succeeded', { concurrency: 32 })
  async remediationSucceeded(event: EventOf<'runbooks.execution.succeeded'>, ctx: HandlerContext): Promise<void> {
    await this.count(ctx, event.id, remediationSucceededSignals(event), event.data.finishedAt);
  }

  @OnEvent('runbooks.execution.failed', { concurrency: 32 })
  async remediationFailed(event: EventOf<'runbooks.execution.failed'>, ctx: HandlerContext): Promise<void> {
    await this.count(ctx, event.id, remediationFailedSignals(event), event.data.finishedAt);
  }

  @OnEvent('alerts.state.changed', { concurrency: 256 })
  async stateChanged(event: EventOf<'alerts.state.changed'>, ctx: HandlerContext): Promise<void> {
    await this.count(ctx, event.id, stateChangedSignals(event), event.data.at);
  }

  private async count(ctx: HandlerContext, eventId: string, signals: Signal[], at: string): Promise<void> {
    // Events that count towards nothing are still claimed, so the inbox says they were seen.
    const counted = await this.counting.count(ctx.consumer, eventId, signals, new Date(at));
    ctx.log.debug({ signals, counted }, counted ? 'event counted' : 'event already counted');
  }
}
