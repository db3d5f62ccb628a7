import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { deriveEventId } from '@firebreak/contracts';
import { CONFIG } from '@firebreak/platform';
import { Channel } from '../channel-config/channel-set';
import { summaryNotification } from '../notifications/summary';
import { NotifierConfig } from '../service';
import { DeliveriesRepository } from './deliveries.repository';

// How much of a backlog one round looks at; a larger storm is folded over several rounds.
const SCAN_LIMIT = 5_000;

/**
 * Over its rate limit, a channel's queue grows. Past FIREBREAK_NOTIFY_FOLD_AFTER deliveries waiting
 * beyond what the bucket lets out now, the waiting ones become one summary per target ("N more
 * alerts: …"), itself queued; a later fold merges an unsent summary. Every folded delivery keeps
 * its row (status folded, folded_into the summary): nothing disappears.
 */
@Injectable()
export class BacklogFolder {
  constructor(
    private readonly deliveries: DeliveriesRepository,
    @Inject(CONFIG) private readonly config: NotifierConfig,
  ) {}

  /**
   * `tokens`: how many deliveries the bucket lets out now; only what is beyond them waits. Returns
   * how many deliveries (not counting merged summaries) were folded.
   */
  async fold(manager: EntityManager, channel: Channel, tokens: number, now: Date): Promise<number> {
    const bound = tokens + this.config.FIREBREAK_NOTIFY_FOLD_AFTER;
    // A bounded count first: most rounds end here without reading or locking the backlog.
    if ((await this.deliveries.countBacklog(manager, channel.name, now, bound + 1)) <= bound) return 0;
    const waiting = await this.deliveries.lockBacklog(manager, channel.name, now, tokens, SCAN_LIMIT);
    if (waiting.length === 0) return 0;
    let folded = 0;
    for (const target of new Set(waiting.map((row) => row.target))) {
      const rows = waiting.filter((row) => row.target === target);
      const summary = summaryNotification(
        channel.name,
        rows.map((row) => ({ severity: row.severity, kind: row.kind, title: row.title, ...(row.summary ? { summary: row.summary } : {}) })),
        now,
      );
      const id = deriveEventId('summary', channel.name, target, rows[0].id, rows[rows.length - 1].id, rows.length);
      const receivedAt = new Date(Math.min(...rows.map((row) => row.receivedAt.getTime())));
      await this.deliveries.insert(
        manager,
        [
          {
            id,
            announcementId: id,
            announcementSubject: 'notifier.summary',
            channel: channel.name,
            channelType: channel.type,
            target,
            kind: 'message',
            severity: summary.severity,
            title: summary.title,
            content: summary,
            status: 'pending',
            receivedAt,
            orderedAt: now,
          },
        ],
        now,
      );
      await this.deliveries.markFolded(
        manager,
        rows.map((row) => row.id),
        id,
        now,
      );
      folded += rows.filter((row) => !row.summary).length;
    }
    return folded;
  }
}
