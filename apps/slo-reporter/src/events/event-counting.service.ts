import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Batcher, PermanentError, TransactionalMessaging } from '@firebreak/bus';
import { Signal } from '../core/signals';
import { EventCountsRepository } from './event-counts.repository';
import { bucketIncrements } from './minute-buckets';

interface Counted {
  /** The durable consumer that received it: the inbox key. */
  consumer: string;
  eventId: string;
  signals: readonly Signal[];
  at: Date;
}

/**
 * Counts bus events into their signals' minute buckets, once, in batches: one transaction claims a batch's events
 * in the inbox and adds their sums with one upsert, and commits both together. One event per transaction cost two
 * statements and a new counter row version per event, with every handler queued on the same minute's row locks.
 */
@Injectable()
export class EventCountingService {
  // No key: counting commutes, so the events of any consumer may share a batch in any order.
  private readonly batcher = new Batcher<Counted, boolean>((batch) => this.countBatch(batch), {
    maxSize: 512,
    // Each batch holds a pooled connection; two keep one batch forming while the other commits.
    maxInFlight: 2,
  });

  constructor(
    private readonly messaging: TransactionalMessaging,
    private readonly counts: EventCountsRepository,
  ) {}

  /**
   * Counts one event with the others submitted in the same turn; resolves once their transaction committed. Returns
   * false for an event this consumer already counted (a redelivery). An event of no signal is claimed all the same.
   */
  count(consumer: string, eventId: string, signals: readonly Signal[], at: Date): Promise<boolean> {
    // Refused alone and for good, before it could fail a batch of good events.
    if (Number.isNaN(at.getTime())) return Promise.reject(new PermanentError(`event ${eventId}: its time is no time`));
    return this.batcher.submit({ consumer, eventId, signals, at });
  }

  private async countBatch(batch: Counted[]): Promise<boolean[]> {
    const counted = await this.messaging.run(async (tx) => {
      const fresh = await this.claim(tx.manager, batch);
      await this.counts.add(tx.manager, bucketIncrements(fresh));
      return fresh;
    });
    return batch.map((item) => counted.has(item));
  }

  /**
   * Claims the batch's events in the inbox, one statement per consumer (in name order, so concurrent batches lock
   * inbox rows in one order), and returns the items that are new: each event id once per consumer, also when the
   * batch holds it twice. An id a concurrent batch claimed first is not new once that batch commits.
   */
  private async claim(manager: EntityManager, batch: Counted[]): Promise<Set<Counted>> {
    const byConsumer = new Map<string, Counted[]>();
    for (const item of batch) {
      const items = byConsumer.get(item.consumer);
      if (items) items.push(item);
      else byConsumer.set(item.consumer, [item]);
    }
    const fresh = new Set<Counted>();
    for (const consumer of [...byConsumer.keys()].sort()) {
      const items = byConsumer.get(consumer)!;
      const claimed = await this.messaging.claimInbox(
        manager,
        consumer,
        items.map((item) => item.eventId),
      );
      for (const item of items) if (claimed.delete(item.eventId)) fresh.add(item);
    }
    return fresh;
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
