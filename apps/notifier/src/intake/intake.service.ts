import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { CloudEvent, deriveEventId, EventOf } from '@firebreak/contracts';
import { Batcher, HandlerContext, PermanentError, TransactionalMessaging } from '@firebreak/bus';
import { Clock, CLOCK } from '@firebreak/platform';
import { Channel } from '../channel-config/channel-set';
import { ChannelRegistry } from '../channel-config/channel-registry';
import { DeliveryService, NewDelivery } from '../delivery/delivery.service';
import { fromAlertNotify, fromApprovalRequested, fromNotificationRequested } from '../notifications/from-events';
import { Notification } from '../notifications/notification';
import { notifierMetrics } from '../metrics';

/** The handler context an announcement needs: its inbox (the durable consumer) and its log. */
type Context = Pick<HandlerContext, 'consumer' | 'log'>;

interface Planned {
  inbox: string;
  eventId: string;
  rows: NewDelivery[];
}

interface Announcement {
  subject: string;
  event: CloudEvent<unknown>;
  notification: Notification;
  channels: Channel[];
  receivedAt: Date;
  ctx: Context;
}

/**
 * Turns an announcement into one delivery per (channel, target), written with the inbox row in
 * one transaction: a redelivered announcement finds its inbox row (and its delivery ids) and
 * sends nothing twice. Announcements arriving together share the transaction (a storm costs one
 * commit per batch, not per alert). Sending is the delivery worker's job.
 */
@Injectable()
export class IntakeService {
  private readonly batcher = new Batcher<Planned, boolean>((items) => this.write(items), { maxSize: 200, maxInFlight: 4 });

  constructor(
    private readonly registry: ChannelRegistry,
    private readonly messaging: TransactionalMessaging,
    private readonly delivery: DeliveryService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async announceAlert(event: EventOf<'alerts.notify'>, ctx: Context): Promise<void> {
    const { alert } = event.data;
    const channels = this.known(this.registry.route(alert.labels, alert.severity), ctx.log);
    await this.enqueue({
      subject: 'alerts.notify',
      event,
      notification: fromAlertNotify(event),
      channels,
      receivedAt: new Date(event.data.receivedAt),
      ctx,
    });
  }

  async announceRequest(event: EventOf<'notifications.requested'>, ctx: Context): Promise<void> {
    const { data } = event;
    const names = data.channels.length > 0 ? data.channels : this.registry.route(data.labels, data.severity);
    const channels = this.known(names, ctx.log);
    if (data.channels.length > 0 && channels.length === 0)
      throw new PermanentError(`none of the requested channels exists: ${data.channels.join(', ')}`);
    await this.enqueue({
      subject: 'notifications.requested',
      event,
      notification: fromNotificationRequested(event),
      channels,
      receivedAt: new Date(event.time),
      ctx,
    });
  }

  async announceApproval(event: EventOf<'runbooks.approval.requested'>, ctx: Context): Promise<void> {
    const labels = { runbook: event.data.runbookId };
    const channels = this.known(this.registry.route(labels, event.data.severity), ctx.log);
    const notification = fromApprovalRequested(event);
    await this.enqueue({ subject: 'runbooks.approval.requested', event, notification, channels, receivedAt: new Date(event.time), ctx });
  }

  private async enqueue(announcement: Announcement): Promise<void> {
    const { event, channels, ctx } = announcement;
    const rows = channels.flatMap((channel) => this.deliveriesFor(announcement, channel));
    const fresh = await this.batcher.submit({ inbox: ctx.consumer, eventId: event.id, rows });
    if (!fresh) {
      ctx.log.info('announcement already handled; nothing sent again');
      return;
    }
    if (channels.length === 0) ctx.log.info({ subject: announcement.subject }, 'no route matched; nobody is told');
    for (const row of rows.filter((r) => r.status === 'skipped')) notifierMetrics.skipped.inc({ channel: row.channel, reason: 'disabled' });
    this.delivery.wake(channels.filter((channel) => channel.enabled).map((channel) => channel.name));
  }

  /**
   * One transaction for a batch: claims the inbox rows (one statement per inbox, as a batch may mix
   * subjects), adds the deliveries of the new ones.
   */
  private write(items: Planned[]): Promise<boolean[]> {
    const now = this.clock.now();
    return this.messaging.run(async ({ manager }) => {
      const fresh = new Map<string, Set<string>>();
      // Inboxes in a fixed order, so two batches claim in the same order and cannot deadlock.
      for (const consumer of [...new Set(items.map((item) => item.inbox))].sort()) {
        const eventIds = items.filter((item) => item.inbox === consumer).map((item) => item.eventId);
        fresh.set(consumer, await this.messaging.claimInbox(manager, consumer, eventIds));
      }
      // The same event twice in one batch (a redelivery racing its original) counts once.
      const results = items.map((item) => fresh.get(item.inbox)!.delete(item.eventId));
      await this.delivery.add(
        manager,
        items.flatMap((item, index) => (results[index] ? item.rows : [])),
        now,
      );
      return results;
    });
  }

  private deliveriesFor(announcement: Announcement, channel: Channel): NewDelivery[] {
    const { event, notification } = announcement;
    const content = channel.type === 'webhook' ? { ...notification, event } : notification;
    return channel.targets.map((target) => ({
      id: deriveEventId('delivery', event.id, channel.name, target),
      announcementId: event.id,
      announcementSubject: announcement.subject,
      channel: channel.name,
      channelType: channel.type,
      target,
      kind: notification.kind,
      severity: notification.severity,
      ...(notification.fingerprint ? { fingerprint: notification.fingerprint } : {}),
      title: notification.title.slice(0, 500),
      content,
      status: channel.enabled ? ('pending' as const) : ('skipped' as const),
      ...(channel.enabled ? {} : { lastError: `channel disabled: ${channel.disabledReason}` }),
      receivedAt: announcement.receivedAt,
      orderedAt: new Date(event.time),
    }));
  }

  private known(names: string[], log: Logger): Channel[] {
    return names.flatMap((name) => {
      const channel = this.registry.get(name);
      if (!channel) log.error({ channel: name }, 'message names a channel that channels.yaml does not define; that channel is left out');
      return channel ? [channel] : [];
    });
  }
}
