import { EntityManager } from 'typeorm';
import { deriveEventId, EventOf } from '@firebreak/contracts';
import { ChannelRegistry } from '../channel-config/channel-registry';
import { DeliveryService, NewDelivery } from '../delivery/delivery.service';
import { fromApprovalDecided } from '../notifications/from-events';
import type { Planned } from './intake.service';

export const approvalKey = (approvalId: string) => `approval:${approvalId}`;

/** The deliveries of an approval's request and of its decision, made inside the intake's transaction. */
export class ApprovalRows {
  constructor(
    private readonly registry: ChannelRegistry,
    private readonly delivery: DeliveryService,
  ) {}

  /** A request whose decision is already recorded (it arrived late) is recorded, not sent. */
  async requestRows(manager: EntityManager, item: Planned, now: Date): Promise<NewDelivery[]> {
    const ids = item.rows.map((row) => row.id);
    const decided = await this.delivery.approvalRequested(manager, item.approvalRequest!, ids, now);
    if (!decided) return item.rows;
    return item.rows.map((row) => ({ ...row, status: 'skipped' as const, lastError: `superseded: the approval was already ${decided}` }));
  }

  /** One delivery per (channel, target) the request went to, with the decision in the request's words. */
  async decisionRows(manager: EntityManager, event: EventOf<'runbooks.approval.decided'>, now: Date): Promise<NewDelivery[]> {
    const { approvalId, decision, decidedAt } = event.data;
    const requests = await this.delivery.approvalDecided(manager, approvalId, decision, new Date(decidedAt), now);
    return requests.flatMap((request) => {
      const channel = this.registry.get(request.channel);
      // A channel removed from channels.yaml since: nothing to resolve there.
      if (!channel) return [];
      const notification = fromApprovalDecided(event, request.content);
      const content = channel.type === 'webhook' ? { ...notification, event } : notification;
      return [
        {
          id: deriveEventId('delivery', event.id, channel.name, request.target),
          announcementId: event.id,
          announcementSubject: 'runbooks.approval.decided',
          channel: channel.name,
          channelType: channel.type,
          target: request.target,
          kind: notification.kind,
          severity: request.severity,
          ...(request.fingerprint ? { fingerprint: request.fingerprint } : {}),
          title: notification.title.slice(0, 500),
          content,
          status: channel.enabled ? ('pending' as const) : ('skipped' as const),
          ...(channel.enabled ? {} : { lastError: `channel disabled: ${channel.disabledReason}` }),
          receivedAt: new Date(event.time),
          orderedAt: decisionOrderedAt(new Date(event.time), request.orderedAt),
          orderKey: approvalKey(approvalId),
          approvalId,
        },
      ];
    });
  }
}

/**
 * Where a decision stands in its approval's queue: after its request, whatever the clocks say. The
 * decision's time comes from the executor replica that decided, the request's from the one that
 * asked; with a skew larger than the time to decide, the decision's own time sorts before the
 * request, the resolve would go first and the request after it, leaving the incident open.
 */
export function decisionOrderedAt(decidedEventTime: Date, requestOrderedAt: Date): Date {
  return new Date(Math.max(decidedEventTime.getTime(), requestOrderedAt.getTime() + 1));
}
