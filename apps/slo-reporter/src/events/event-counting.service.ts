import { Injectable } from '@nestjs/common';
import { TransactionalMessaging } from '@firebreak/bus';
import { Signal } from '../core/signals';
import { EventCountsRepository } from './event-counts.repository';

/** Counts one bus event into its signals' minute buckets, once: the inbox row commits with the counts. */
@Injectable()
export class EventCountingService {
  constructor(
    private readonly messaging: TransactionalMessaging,
    private readonly counts: EventCountsRepository,
  ) {}

  /** Returns false for an event this consumer already counted (a redelivery). */
  async count(consumer: string, eventId: string, signals: readonly Signal[], at: Date): Promise<boolean> {
    const outcome = await this.messaging.run((tx) => this.counts.increment(tx.manager, signals, at), { consumer, eventId });
    return !outcome.duplicate;
  }

  prune(before: Date): Promise<number> {
    return this.counts.prune(before);
  }

  sums(signals: readonly Signal[], from: Date, to: Date): Promise<Map<Signal, number>> {
    return this.counts.sums(signals, from, to);
  }

  series(signals: readonly Signal[], from: Date, to: Date, stepMs: number) {
    return this.counts.series(signals, from, to, stepMs);
  }
}
