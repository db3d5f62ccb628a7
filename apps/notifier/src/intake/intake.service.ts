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
import { AnalysisFollowUps } from './analysis-follow-ups';
import { approvalKey, ApprovalRows } from './approval-rows';
import { notifierMetrics } from '../metrics';

/** The handler context an announcement needs: its inbox (the durable consumer) and its log. */
type Context = Pick<HandlerContext, 'consumer' | 'log'>;

export interface Planned {
  inbox: string;
  eventId: string;
  /** Announcements with the same key are written in the order they arrived (the bus's Batcher with a key, several items of one key per batch). */
  key: string;
  rows: NewDelivery[];
  /** An approval's request: not sent when its decision was recorded first. */
  approvalRequest?: string;
  /** An approval's decision: its rows are made in the transaction, from the deliveries of its request. */
  decision?: EventOf<'runbooks.approval.decided'>;
  /** An alert's analysis: its follow-ups are made in the transaction, behind the firing message (or it is parked for it). */
  analysis?: EventOf<'alerts.analysis'>;
  /** The firing message of an episode: analyses parked for it are taken in the same transaction. */
  firingEpisode?: Episode;
}

export interface Episode {
  fingerprint: string;
  startsAt: string;
}

interface Announcement {
  subject: string;
  event: CloudEvent<unknown>;
  notification: Notification;
  channels: Channel[];
  receivedAt: Date;
  ctx: Context;
  approvalId?: string;
}

/**
 * Turns an announcement into one delivery per (channel, target), written with the inbox row in
 * one transaction: a redelivered announcement finds its inbox row (and its delivery ids) and
 * sends nothing twice. Announcements arriving together share the transaction (a storm costs one
 * commit per batch, not per alert). Sending is the delivery worker's job.
 *
 * Order: the delivery worker sends an alert's deliveries by announcement time, but it can only
 * order the rows it sees. Batches run concurrently, so a later batch could commit an alert's
 * resolve while the batch with its trigger was still running, and the resolve went out first.
 * Batches are therefore keyed by the order key (fingerprint, or the approval): announcements with
 * one key never run in two batches at once, and commit in the order they arrived. Those of one
 * alert may share a batch (their rows are inserted in arrival order, in one transaction), so a
 * burst about one alert costs a few transactions, not one after the other per announcement. An
 * approval's request and decision never share one: the decision reads the rows the request wrote.
 */
@Injectable()
export class IntakeService {
  private readonly analyses: AnalysisFollowUps;
  private readonly approvals: ApprovalRows;
  private readonly batcher = new Batcher<Planned, string[] | null>((items) => this.write(items), {
    maxSize: 200,
    maxInFlight: 4,
    key: (item) => item.key,
    alone: (item) => Boolean(item.approvalRequest || item.decision),
  });

  constructor(
    private readonly registry: ChannelRegistry,
    private readonly messaging: TransactionalMessaging,
    private readonly delivery: DeliveryService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.analyses = new AnalysisFollowUps(registry, delivery);
    this.approvals = new ApprovalRows(registry, delivery);
  }

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
    await this.enqueue({
      subject: 'runbooks.approval.requested',
      event,
      notification,
      channels,
      receivedAt: new Date(event.time),
      ctx,
      approvalId: event.data.approvalId,
    });
  }

  /**
   * An approval was decided: its request is resolved where it went (PagerDuty: resolve with the
   * request's dedup_key; chat: a short follow-up, as an alert's resolution is), in order behind it.
   * A decision whose request was never seen sends nothing.
   */
  async announceDecision(event: EventOf<'runbooks.approval.decided'>, ctx: Context): Promise<void> {
    const { approvalId } = event.data;
    const woken = await this.batcher.submit({
      inbox: ctx.consumer,
      eventId: event.id,
      key: approvalKey(approvalId),
      rows: [],
      decision: event,
    });
    if (!woken) ctx.log.info('announcement already handled; nothing sent again');
    else if (woken.length === 0)
      ctx.log.info({ approvalId }, 'decision of an approval whose request was not sent anywhere; nothing to resolve');
    else this.delivery.wake(woken);
  }

  /**
   * An alert's analysis, as a follow-up where the episode's firing message went, on channels that opted
   * in (`analysis: true`). Never PagerDuty: a message there would open an incident. Recorded at once:
   * behind the firing message when it is recorded, else parked until it is (the firing message's
   * transaction queues it). Queued under `analysis:<fingerprint>`, and claimed only once the firing
   * delivery it follows is no longer pending, so Telegram can reply to it (or, if that one failed, it
   * goes out standalone).
   */
  async announceAnalysis(event: EventOf<'alerts.analysis'>, ctx: Context): Promise<void> {
    const woken = await this.batcher.submit({
      inbox: ctx.consumer,
      eventId: event.id,
      key: event.data.fingerprint,
      rows: [],
      // With no channel opted in, nothing is looked up or parked: the inbox row alone.
      ...(this.analyses.wanted() ? { analysis: event } : {}),
    });
    if (!woken) ctx.log.info('announcement already handled; nothing sent again');
    else if (woken.length === 0) ctx.log.info('no opted-in channel has this alert’s firing message (yet); nothing posted now');
    else this.delivery.wake(woken);
  }

  private async enqueue(announcement: Announcement): Promise<void> {
    const { event, channels, ctx, approvalId } = announcement;
    const rows = channels.flatMap((channel) => this.deliveriesFor(announcement, channel));
    const key = approvalId ? approvalKey(approvalId) : (announcement.notification.fingerprint ?? `event:${event.id}`);
    const alert = announcement.subject === 'alerts.notify' ? (event as EventOf<'alerts.notify'>).data.alert : undefined;
    // A firing message may have an analysis waiting for it only when one of its own channels wants analyses:
    // otherwise its transaction neither locks the episode nor looks for one.
    const firingEpisode =
      alert &&
      announcement.notification.kind === 'firing' &&
      rows.some((row) => row.status === 'pending' && this.analyses.postsTo(row.channel))
        ? { fingerprint: alert.fingerprint, startsAt: alert.startsAt }
        : undefined;
    const woken = await this.batcher.submit({
      inbox: ctx.consumer,
      eventId: event.id,
      key,
      rows,
      ...(approvalId ? { approvalRequest: approvalId } : {}),
      ...(firingEpisode ? { firingEpisode } : {}),
    });
    if (!woken) {
      ctx.log.info('announcement already handled; nothing sent again');
      return;
    }
    if (channels.length === 0) ctx.log.info({ subject: announcement.subject }, 'no route matched; nobody is told');
    for (const row of rows.filter((r) => r.status === 'skipped')) notifierMetrics.skipped.inc({ channel: row.channel, reason: 'disabled' });
    this.delivery.wake(woken);
  }

  /**
   * One transaction for a batch: claims the inbox rows (one statement per inbox, as a batch may mix
   * subjects), adds the deliveries of the new ones. Returns, per item, the channels to wake, or null
   * for an announcement already handled.
   */
  private write(items: Planned[]): Promise<Array<string[] | null>> {
    const now = this.clock.now();
    return this.messaging.run(async ({ manager }) => {
      const fresh = new Map<string, Set<string>>();
      // Inboxes in a fixed order, so two batches claim in the same order and cannot deadlock.
      for (const consumer of [...new Set(items.map((item) => item.inbox))].sort()) {
        const eventIds = items.filter((item) => item.inbox === consumer).map((item) => item.eventId);
        fresh.set(consumer, await this.messaging.claimInbox(manager, consumer, eventIds));
      }
      // The same event twice in one batch (a redelivery racing its original) counts once.
      const isNew = items.map((item) => fresh.get(item.inbox)!.delete(item.eventId));
      const rows = new Map<Planned, NewDelivery[]>();
      // Approval rows in a fixed order too (they are locks); a batch holds at most one item per approval.
      const approvals = items.filter((item, index) => isNew[index] && (item.approvalRequest || item.decision));
      for (const item of approvals.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)))
        rows.set(
          item,
          item.decision
            ? await this.approvals.decisionRows(manager, item.decision, now)
            : await this.approvals.requestRows(manager, item, now),
        );
      let added = items.map((item, index) => (isNew[index] ? (rows.get(item) ?? item.rows) : null));
      await this.delivery.add(
        manager,
        added.flatMap((r) => r ?? []),
        now,
      );
      // Analyses next: they look for the firing deliveries just added (an alert and its analysis may share a batch).
      const followUps = await this.analyses.rows(
        manager,
        items.filter((_, index) => isNew[index]),
        now,
      );
      if (followUps.size > 0) {
        const fresh = [...followUps].flatMap(([item, all]) => (item.analysis ? all : all.slice(item.rows.length)));
        await this.delivery.add(manager, fresh, now);
        added = items.map((item, index) => (isNew[index] ? (followUps.get(item) ?? added[index]) : null));
      }
      return added.map((r) => (r ? [...new Set(r.filter((row) => row.status === 'pending').map((row) => row.channel))] : null));
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
      ...(announcement.approvalId ? { orderKey: approvalKey(announcement.approvalId), approvalId: announcement.approvalId } : {}),
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
