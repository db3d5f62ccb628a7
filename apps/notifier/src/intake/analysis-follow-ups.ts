import { EntityManager } from 'typeorm';
import { deriveEventId, EventOf } from '@firebreak/contracts';
import { Channel } from '../channel-config/channel-set';
import { ChannelRegistry } from '../channel-config/channel-registry';
import { DeliveryService, FiringDelivery, NewDelivery } from '../delivery/delivery.service';
import { fromAlertAnalysis } from '../notifications/from-events';
import type { Planned } from './intake.service';

/**
 * Follow-ups have a queue of their own: in the alert's queue, anything sent about the alert while the
 * model thought (resolved, a repeat, an ack) would make the follow-up look superseded and skip it.
 * Their order behind the firing message is kept at claim time instead (`followUpOf`).
 */
export const analysisKey = (fingerprint: string) => `analysis:${fingerprint}`;

/**
 * Analysis follow-ups (`analysis: true` channels): an analysis goes out behind its alert's firing message, on
 * the channels and targets that message went to, or waits (parked) until that message is recorded.
 */
export class AnalysisFollowUps {
  constructor(
    private readonly registry: ChannelRegistry,
    private readonly delivery: DeliveryService,
  ) {}

  /** Whether any channel opted in (with none, an analysis is recorded in the inbox and nothing else). */
  wanted(): boolean {
    return this.registry.all().some(postsAnalyses);
  }

  postsTo(name: string): boolean {
    const channel = this.registry.get(name);
    return channel !== undefined && postsAnalyses(channel);
  }

  /** The follow-ups of an analysis, one per opted-in channel and target its episode's firing message went to. */
  private followUps(event: EventOf<'alerts.analysis'>, firing: FiringDelivery[]): NewDelivery[] {
    const { fingerprint } = event.data;
    const notification = fromAlertAnalysis(event);
    return firing.flatMap((f): NewDelivery[] => {
      const channel = this.registry.get(f.channel);
      if (!channel || !postsAnalyses(channel) || (f.status !== 'pending' && f.status !== 'sent')) return [];
      // Every follow-up names the firing delivery it follows: the claim waits while that one is pending.
      const content = channel.type === 'webhook' ? { ...notification, event, followUpOf: f.id } : { ...notification, followUpOf: f.id };
      return [
        {
          id: deriveEventId('delivery', event.id, channel.name, f.target),
          announcementId: event.id,
          announcementSubject: 'alerts.analysis',
          channel: channel.name,
          channelType: channel.type,
          target: f.target,
          kind: notification.kind,
          severity: notification.severity,
          fingerprint,
          title: notification.title.slice(0, 500),
          content,
          status: channel.enabled ? 'pending' : 'skipped',
          ...(channel.enabled ? {} : { lastError: `channel disabled: ${channel.disabledReason}` }),
          receivedAt: new Date(event.time),
          orderedAt: new Date(event.time),
          orderKey: analysisKey(fingerprint),
        },
      ];
    });
  }

  /** Inside the batch's transaction, after its other rows are in: follow-ups of analyses, both ways round. */
  async rows(manager: EntityManager, items: Planned[], now: Date): Promise<Map<Planned, NewDelivery[]>> {
    const out = new Map<Planned, NewDelivery[]>();
    const analyses = items.filter((item) => item.analysis);
    const firings = items.filter((item) => item.firingEpisode);
    if (analyses.length === 0 && firings.length === 0) return out;
    await this.delivery.lockEpisodes(manager, [
      ...analyses.map((item) => ({ fingerprint: item.analysis!.data.fingerprint, startsAt: item.analysis!.data.startsAt })),
      ...firings.map((item) => item.firingEpisode!),
    ]);
    for (const item of analyses) {
      const { fingerprint, startsAt } = item.analysis!.data;
      const firing = await this.delivery.firingDeliveries(manager, fingerprint, startsAt);
      // Parked only while the firing message is not recorded: once it is, its rows say where the analysis goes
      // (nowhere, when none of its channels opted in or none of its deliveries is pending or sent).
      if (firing.length === 0) await this.delivery.parkAnalysis(manager, fingerprint, startsAt, item.analysis, now);
      out.set(item, this.followUps(item.analysis!, firing));
    }
    for (const item of firings) {
      const parked = (await this.delivery.takeParked(manager, [item.firingEpisode!])) as Array<EventOf<'alerts.analysis'>>;
      if (parked.length === 0) continue;
      const firing = item.rows
        .filter((row) => row.status === 'pending')
        .map((row) => ({ id: row.id, channel: row.channel, target: row.target, status: row.status, orderedAt: row.orderedAt }));
      out.set(item, [...item.rows, ...parked.flatMap((event) => this.followUps(event, firing))]);
    }
    return out;
  }
}

/** Channels that opted in to analysis follow-ups; never PagerDuty (a message there would open an incident). */
function postsAnalyses(channel: Channel): boolean {
  return Boolean(channel.config.analysis) && channel.type !== 'pagerduty';
}
