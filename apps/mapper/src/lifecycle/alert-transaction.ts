import { EntityManager } from 'typeorm';
import { Transaction } from '@firebreak/bus';
import { Clock } from '@firebreak/platform';
import { BatchLimits, DEFAULT_BATCH_LIMITS, WriteBatch } from '../core/write-batch';
import { HistoryEntry, HistoryRepository } from './history.repository';
import { RunbookRequestsRepository } from './runbook-requests.repository';
import { TimersRepository } from './timers.repository';

/** The tables effects write to besides `alerts`. */
export interface EffectStores {
  history: HistoryRepository;
  timers: TimersRepository;
  requests: RunbookRequestsRepository;
}

/**
 * One alert transaction: the bus transaction, its writes (sent together at flush), and the time
 * its changes are stamped with. History goes out at flush (a statement per chunk); metrics count only
 * once the transaction committed, so a rolled-back or duplicate event counts nothing.
 */
export class AlertTransaction {
  /** Writes that need no answer go out together at flush (or before a read that must see them). */
  readonly writes: WriteBatch;
  private readonly entries: HistoryEntry[] = [];
  private readonly counts: Array<() => void> = [];
  private current: Date;

  constructor(
    readonly bus: Transaction,
    readonly stores: EffectStores,
    private readonly clock: Pick<Clock, 'now'>,
    limits: BatchLimits = DEFAULT_BATCH_LIMITS,
  ) {
    this.writes = new WriteBatch(bus.manager, limits);
    this.current = clock.now();
  }

  get manager(): EntityManager {
    return this.bus.manager;
  }

  /**
   * The transaction's clock reading. Each alert's change is stamped with `stampFor(stored, now)`,
   * which never goes back from the alert's last stamp; that is what the notifier orders by.
   */
  get now(): Date {
    return this.current;
  }

  /**
   * Called once the alert rows are locked. A transaction that waited for another's lock must not
   * stamp its announcements earlier than the one it waited for, or the notifier would take the
   * later announcement for the older one and skip it.
   */
  locked(): void {
    const now = this.clock.now();
    if (now > this.current) this.current = now;
  }

  /** Queues a history entry, stamped `at` (the decision's time) or the transaction's. */
  record(entry: Omit<HistoryEntry, 'at'>, at: Date = this.now): void {
    this.entries.push({ ...entry, at });
  }

  afterCommit(increment: () => void): void {
    this.counts.push(increment);
  }

  async flush(): Promise<void> {
    this.stores.history.insert(this.writes, this.entries.splice(0));
    await this.writes.flush();
  }

  committed(): void {
    for (const increment of this.counts.splice(0)) increment();
  }
}
