import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Batcher, PermanentError, TransactionalMessaging } from '@firebreak/bus';
import { EventOf } from '@firebreak/contracts';
import { BusLearningService } from './bus-learning.service';
import { EpisodeChange, EpisodeRepository } from './episode.repository';

type AlertStateEvent = EventOf<'alerts.state.changed'>;

/** What became of one alerts.state.changed event: it moved an episode, needed nothing, or was handled before. */
export type AlertStateOutcome = 'learnt' | 'ignored' | 'duplicate';

interface Submitted {
  id: string;
  /** The durable consumer that received it: the inbox key. */
  consumer: string;
  kind: 'open' | 'close' | 'none';
  change: EpisodeChange;
}

/**
 * alerts.state.changed → alert episodes, in batches: one transaction, one inbox claim, one lock statement and one
 * statement per kind of change for many alerts, instead of a transaction of ~5 statements per event. In a storm
 * of new alerts this is most of what the knowledge service spends next to the delivery path.
 *
 * Several events of one alert in a batch are applied in rounds (the n-th event of every alert in round n), each
 * event followed by its settle as one-by-one handling would do it: an alert sees exactly the statements it saw
 * one event at a time, in the same order.
 */
@Injectable()
export class AlertStateLearning {
  private readonly batcher = new Batcher<Submitted, AlertStateOutcome>((batch) => this.learnBatch(batch), {
    maxSize: 256,
    // Each batch holds a pooled connection; two keep one batch forming while the other commits.
    maxInFlight: 2,
    key: (item) => item.change.fingerprint,
    // The rounds of learnBatch keep an alert's events in order inside one batch.
    alone: () => false,
  });

  constructor(
    private readonly messaging: TransactionalMessaging,
    private readonly episodes: EpisodeRepository,
    private readonly learning: BusLearningService,
  ) {}

  /**
   * Learns from one event (with the others submitted in the same turn). An event Postgres could never store is
   * refused here, alone and for good (it is dead-lettered, not retried), before it can fail a batch.
   */
  learn(event: AlertStateEvent, consumer: string): Promise<AlertStateOutcome> {
    const { fingerprint, alertname, severity, from, to } = event.data;
    const at = new Date(event.data.at);
    if (Number.isNaN(at.getTime())) return Promise.reject(new PermanentError(`alert state change ${event.id}: "at" is no time`));
    if (fingerprint.includes('\0') || alertname.includes('\0') || severity.includes('\0'))
      return Promise.reject(new PermanentError(`alert state change ${event.id}: a NUL character cannot be stored`));
    const kind = to === 'firing' && (from === null || from === 'resolved') ? 'open' : to === 'resolved' ? 'close' : 'none';
    return this.batcher.submit({ id: event.id, consumer, kind, change: { fingerprint, alertname, severity, at } });
  }

  /** One handler feeds the batcher, so every item of a batch has the same consumer. */
  private async learnBatch(batch: Submitted[]): Promise<AlertStateOutcome[]> {
    const outcome = await this.messaging.run((tx, fresh) => this.apply(tx.manager, firstOfEach(batch, fresh)), {
      consumer: batch[0].consumer,
      eventIds: batch.map((item) => item.id),
    });
    const applied: ReadonlySet<Submitted> = outcome.duplicate ? new Set() : outcome.result;
    return batch.map((item) => (!applied.has(item) ? 'duplicate' : item.kind === 'none' ? 'ignored' : 'learnt'));
  }

  private async apply(manager: EntityManager, fresh: Submitted[]): Promise<ReadonlySet<Submitted>> {
    const changes = fresh.filter((item) => item.kind !== 'none');
    await this.episodes.lockFingerprints(
      manager,
      changes.map((item) => item.change.fingerprint),
    );
    for (const round of rounds(changes)) {
      const moved = await this.episodes.openEpisodes(
        manager,
        round.filter((item) => item.kind === 'open').map((item) => item.change),
      );
      const closed = await this.episodes.closeEpisodes(
        manager,
        round.filter((item) => item.kind === 'close').map((item) => item.change),
      );
      for (const { kind, change } of round) {
        // A firing that opened an episode (or found one open) changes nothing settle looks at: settle links runs to
        // resolved episodes only, and every earlier event of the alert settled what it changed. Only a late firing
        // that moved a resolved episode's start is settled; a resolution always is (a repeat too, as before).
        const episodeId = kind === 'open' ? moved.get(change.fingerprint) : (closed.get(change.fingerprint) ?? null);
        if (episodeId !== undefined) await this.learning.settle(manager, change.fingerprint, { episodeId });
      }
    }
    return new Set(fresh);
  }
}

/** The items whose ids were claimed now, each id once (a message delivered twice into one batch is one event). */
function firstOfEach(batch: Submitted[], fresh: ReadonlySet<string>): Submitted[] {
  const seen = new Set<string>();
  return batch.filter((item) => {
    if (!fresh.has(item.id) || seen.has(item.id)) return false;
    seen.add(item.id);
    return true;
  });
}

/** The n-th change of every alert in round n, in batch order: each alert at most once per round. */
export function rounds<T extends { change: { fingerprint: string } }>(changes: T[]): T[][] {
  const out: T[][] = [];
  const seen = new Map<string, number>();
  for (const item of changes) {
    const n = seen.get(item.change.fingerprint) ?? 0;
    seen.set(item.change.fingerprint, n + 1);
    (out[n] ??= []).push(item);
  }
  return out;
}
