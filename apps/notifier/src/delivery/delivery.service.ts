import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditEntry, AuditLog, Clock, CLOCK } from '@firebreak/platform';
import { AnalysisWaitsRepository } from './analysis-waits.repository';
import { DeliveriesRepository } from './deliveries.repository';
import { DeliveryHistoryRepository } from './delivery-history.repository';
import { DeliveryOutcomesRepository } from './delivery-outcomes.repository';
import { ApprovalRequestDelivery, FiringDelivery, NewDelivery } from './delivery.types';
import { DeliveryWorker } from './delivery-worker';

export type { ApprovalRequestDelivery, DeliveryStatus, FiringDelivery, NewDelivery } from './delivery.types';

/** What the other features may ask of the delivery queue; its repositories and worker stay inside. */
@Injectable()
export class DeliveryService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly deliveries: DeliveriesRepository,
    private readonly waits: AnalysisWaitsRepository,
    private readonly outcomes: DeliveryOutcomesRepository,
    private readonly history: DeliveryHistoryRepository,
    private readonly worker: DeliveryWorker,
    private readonly audit: AuditLog,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Inside the caller's transaction: where an episode's firing message went (its analysis follows it there). */
  firingDeliveries(manager: EntityManager, fingerprint: string, startsAt: string): Promise<FiringDelivery[]> {
    return this.waits.firingDeliveries(manager, fingerprint, startsAt);
  }

  /** Inside the caller's transaction: one episode's firing message and analysis are recorded one after the other. */
  lockEpisodes(manager: EntityManager, episodes: Array<{ fingerprint: string; startsAt: string }>): Promise<void> {
    return this.waits.lockEpisodes(manager, episodes);
  }

  /** Inside the caller's transaction: an analysis that came before its firing message waits for it. */
  parkAnalysis(manager: EntityManager, fingerprint: string, startsAt: string, event: unknown, now: Date): Promise<void> {
    return this.waits.parkAnalysis(manager, fingerprint, startsAt, event, now);
  }

  /** Inside the caller's transaction: the analyses that waited for these episodes' firing messages. */
  takeParked(manager: EntityManager, episodes: Array<{ fingerprint: string; startsAt: string }>): Promise<unknown[]> {
    return this.waits.takeParked(manager, episodes);
  }

  /** Adds deliveries inside the caller's transaction; the caller wakes their channels after the commit. */
  async add(manager: EntityManager, rows: NewDelivery[], now: Date): Promise<void> {
    await this.deliveries.insert(manager, rows, now);
  }

  /**
   * Inside the caller's transaction: an approval's request arrived with these deliveries; the
   * decision already recorded, if any.
   */
  approvalRequested(manager: EntityManager, approvalId: string, deliveryIds: string[], now: Date): Promise<string | null> {
    return this.history.approvalRequested(manager, approvalId, deliveryIds, now);
  }

  /**
   * Inside the caller's transaction: an approval was decided. Returns the deliveries of its request
   * (what the decision must resolve); none when the request was never seen. A request the page has
   * no record of (taken by a replica of the previous release during a rolling deploy) is looked up
   * by its dedup key instead.
   */
  async approvalDecided(
    manager: EntityManager,
    approvalId: string,
    decision: string,
    decidedAt: Date,
    now: Date,
  ): Promise<ApprovalRequestDelivery[]> {
    const page = await this.history.approvalDecided(manager, approvalId, decision, decidedAt, now);
    return page.requested
      ? this.history.approvalRequestDeliveries(manager, page.requestDeliveryIds)
      : this.history.unrecordedApprovalRequestDeliveries(manager, approvalId);
  }

  /** Queues deliveries someone asked for, audited in the same transaction, and wakes their channels. */
  async queue(rows: NewDelivery[], now: Date, entry: AuditEntry): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await this.deliveries.insert(manager, rows, now);
      await this.audit.record(entry, manager);
    });
    this.wake([...new Set(rows.map((row) => row.channel))]);
  }

  /**
   * A failed delivery back to the queue for a fresh set of attempts, audited. `changed` when it is no
   * longer failed; `superseded` when a newer announcement of its order key already went to its
   * target (it would only be skipped, so it is left as it is).
   */
  async retryFailed(id: string, channel: string, entry: AuditEntry): Promise<'requeued' | 'changed' | 'superseded'> {
    const outcome = await this.dataSource.transaction(async (manager) => {
      if (await this.deliveries.isSuperseded(manager, id)) return 'superseded' as const;
      if (!(await this.outcomes.requeue(manager, id, this.clock.now()))) return 'changed' as const;
      await this.audit.record(entry, manager);
      return 'requeued' as const;
    });
    if (outcome === 'requeued') this.wake([channel]);
    return outcome;
  }

  /** Pending deliveries per channel: the queue a rate limit or an outage has built up. */
  pendingByChannel(): Promise<Map<string, number>> {
    return this.history.pendingByChannel();
  }

  wake(channels: string[]): void {
    this.worker.wake(channels);
  }
}
