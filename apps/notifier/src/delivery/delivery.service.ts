import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditEntry, AuditLog, Clock, CLOCK } from '@firebreak/platform';
import { ApprovalRequestDelivery, DeliveriesRepository, NewDelivery } from './deliveries.repository';
import { DeliveryWorker } from './delivery-worker';

export type { ApprovalRequestDelivery, DeliveryStatus, NewDelivery } from './deliveries.repository';

/** What the other features may ask of the delivery queue; its repositories and worker stay inside. */
@Injectable()
export class DeliveryService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly deliveries: DeliveriesRepository,
    private readonly worker: DeliveryWorker,
    private readonly audit: AuditLog,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Adds deliveries inside the caller's transaction; the caller wakes their channels after the commit. */
  async add(manager: EntityManager, rows: NewDelivery[], now: Date): Promise<void> {
    await this.deliveries.insert(manager, rows, now);
  }

  /** Inside the caller's transaction: an approval's request arrived; the decision already recorded, if any. */
  approvalRequested(manager: EntityManager, approvalId: string, now: Date): Promise<string | null> {
    return this.deliveries.approvalRequested(manager, approvalId, now);
  }

  /**
   * Inside the caller's transaction: an approval was decided. Returns the deliveries of its request
   * (what the decision must resolve); none when the request was never seen.
   */
  async approvalDecided(
    manager: EntityManager,
    approvalId: string,
    decision: string,
    decidedAt: Date,
    now: Date,
  ): Promise<ApprovalRequestDelivery[]> {
    const requested = await this.deliveries.approvalDecided(manager, approvalId, decision, decidedAt, now);
    return requested ? this.deliveries.approvalRequestDeliveries(manager, approvalId) : [];
  }

  /** Queues deliveries someone asked for, audited in the same transaction, and wakes their channels. */
  async queue(rows: NewDelivery[], now: Date, entry: AuditEntry): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await this.deliveries.insert(manager, rows, now);
      await this.audit.record(entry, manager);
    });
    this.wake([...new Set(rows.map((row) => row.channel))]);
  }

  /** A failed delivery back to the queue for a fresh set of attempts, audited; false when it is no longer failed. */
  async retryFailed(id: string, channel: string, entry: AuditEntry): Promise<boolean> {
    const requeued = await this.dataSource.transaction(async (manager) => {
      const done = await this.deliveries.requeue(manager, id, this.clock.now());
      if (done) await this.audit.record(entry, manager);
      return done;
    });
    if (requeued) this.wake([channel]);
    return requeued;
  }

  /** Pending deliveries per channel: the queue a rate limit or an outage has built up. */
  pendingByChannel(): Promise<Map<string, number>> {
    return this.deliveries.pendingByChannel();
  }

  wake(channels: string[]): void {
    this.worker.wake(channels);
  }
}
