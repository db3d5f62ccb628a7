import { Injectable } from '@nestjs/common';
import { asPostgresOutage, Batcher, TransactionalMessaging } from '@firebreak/bus';
import { AlertAnalysis } from '@firebreak/contracts';
import { AnalysesRepository } from './analyses.repository';

interface Episode {
  fingerprint: string;
  startsAt: string;
}

interface Submitted {
  analysis: AlertAnalysis;
  eventId: string;
  /** The notify event's inbox key. */
  inbox: { consumer: string; eventId: string };
}

/**
 * Full analyses, checked and stored in batches: the announcements handled in one turn of the event loop cost one
 * statement to check and one transaction to store (inbox claims, rows, outbox), instead of a check and a transaction
 * of five statements each. Each item's outcome is what it would have been alone.
 */
@Injectable()
export class FullAnalyses {
  private readonly checks = new Batcher<Episode, boolean>((episodes) => this.checkBatch(episodes), {
    maxSize: 256,
    maxInFlight: 2,
  });

  private readonly stores = new Batcher<Submitted, boolean>((items) => this.storeBatch(items), {
    maxSize: 256,
    // Each batch holds a pooled connection; two keep one batch forming while the other commits.
    maxInFlight: 2,
    // An alert's episodes (and an event's redeliveries) one batch after another: the later one finds the earlier
    // one's row (a duplicate), and one INSERT never meets the same episode twice.
    key: (item) => item.analysis.fingerprint,
  });

  constructor(
    private readonly repository: AnalysesRepository,
    private readonly messaging: TransactionalMessaging,
  ) {}

  /** Whether the episode has an analysis (full or a summary) already. */
  exists(fingerprint: string, startsAt: string): Promise<boolean> {
    return this.checks.submit({ fingerprint, startsAt });
  }

  /**
   * Claims the event, stores the analysis and stages its announcement (`alerts.analysis`, published once committed)
   * in one transaction with the others of its batch. False: the event was handled before, or the episode has an
   * analysis already; nothing of it was stored or announced. `analysis` must have been validated (it is staged as is).
   */
  store(analysis: AlertAnalysis, eventId: string, inbox: { consumer: string; eventId: string }): Promise<boolean> {
    return this.stores.submit({ analysis, eventId, inbox });
  }

  private async checkBatch(episodes: Episode[]): Promise<boolean[]> {
    // Postgres away is an outage to wait out: counted as the alerts' failures, a minute of it would dead-letter them.
    const found = await this.repository.existing(episodes).catch((error: unknown) => Promise.reject(asPostgresOutage(error)));
    return episodes.map((_, index) => found.has(index));
  }

  private async storeBatch(items: Submitted[]): Promise<boolean[]> {
    const { consumer } = items[0].inbox;
    // One handler feeds this, so one consumer; were there two, failing sends each item through alone, under its own.
    if (items.some((item) => item.inbox.consumer !== consumer)) throw new Error('full analyses of several consumers in one batch');
    const outcome = await this.messaging.run(
      async (tx, fresh) => {
        const stored = await this.repository.insertFull(
          tx.manager,
          items.filter((item) => fresh.has(item.inbox.eventId)),
        );
        for (const item of items)
          if (stored.has(item.eventId))
            tx.stageTrusted('alerts.analysis', item.analysis, { id: item.eventId, subject: item.analysis.fingerprint });
        return stored;
      },
      { consumer, eventIds: items.map((item) => item.inbox.eventId) },
    );
    return items.map((item) => !outcome.duplicate && outcome.result.has(item.eventId));
  }
}
