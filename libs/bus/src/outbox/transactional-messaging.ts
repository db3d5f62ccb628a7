import { CloudEvent, DataOf, Subject } from '@firebreak/contracts';
import type { Logger } from 'pino';
import { DataSource, EntityManager } from 'typeorm';
import { DependencyUnavailableError, isConnectionFailure, PermanentError } from '../errors';
import { busMetrics } from '../metrics';
import { EventPublisher } from '../publisher';
import { traceHeadersRecord } from '../trace';
import { encodeStaged, EncodedStaged, outboxPruneStatements, insertOutboxRows, Staged } from './outbox-statements';
import { PublishedDeletes } from './published-deletes';
import { InboxBatch, InboxKey, Transaction, TransactionResult } from './transaction';

export interface RelayOptions {
  sweepIntervalMs: number;
  /** Rows younger than this are left to the publish right after their commit. */
  graceMs: number;
  batchSize: number;
  keepInboxForMs: number;
  /** Publish attempts of one row before it is set aside as dead. */
  maxAttempts: number;
  /** Wait after a row's n-th failed attempt: `retryBaseMs` doubling, at most `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
}

const DEFAULT_RELAY: RelayOptions = {
  sweepIntervalMs: 2_000,
  // A row normally lives from its commit until the (coalesced, background) delete after its publish: under load
  // that took up to ~1 s at p99 (mapper backlog), so a 1 s grace had the sweep publish rows a second time exactly
  // when the box was busiest (JetStream drops the repeat: wasted work, not duplicates). Only a crash or an outage
  // leaves rows for the sweep, and those wait at most graceMs + sweepIntervalMs.
  graceMs: 10_000,
  batchSize: 200,
  keepInboxForMs: 7 * 86_400_000,
  // 2 s doubling to 5 min: twenty attempts span about an hour of JetStream refusing a subject.
  maxAttempts: 20,
  retryBaseMs: 2_000,
  retryMaxMs: 300_000,
};

interface OutboxRow {
  id: string;
  subject: string;
  event: CloudEvent<unknown>;
  trace_headers: Record<string, string>;
  attempts: number;
}

/**
 * Exactly-once in effect over an at-least-once bus: the inbox row, the state change and the outbox
 * rows commit together; the events are published right after the commit, and a relay sweep
 * publishes whatever a crash left unsent.
 *
 * A published row is deleted, not marked sent: `sent_at` is in the partial indexes' predicates, so a
 * mark was never a HOT update (a new ~1 KB tuple and index entries per event, deleted again by a
 * prune a day later), while a delete writes one small WAL record and touches no index. The outbox
 * holds only what is still to publish and the dead rows kept for inspection.
 */
export class TransactionalMessaging {
  private sweeper?: NodeJS.Timeout;
  private sweeping?: Promise<number>;
  private readonly relay: RelayOptions;
  private readonly schema: string;
  private readonly publishedDeletes: PublishedDeletes;

  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: EventPublisher,
    private readonly logger: Logger,
    relay: Partial<RelayOptions> = {},
  ) {
    this.relay = { ...DEFAULT_RELAY, ...relay };
    this.schema = `"${(dataSource.options as { schema?: string }).schema ?? 'public'}"`;
    // Rows the relay's sweep holds (it took them FOR UPDATE, and deletes the ones it publishes) are skipped, not
    // waited for: deletes are shared by every transaction publishing at once, and one waiting on the sweep's lock
    // would hold up every run() of the process. A row left behind is published again under the same Nats-Msg-Id.
    this.publishedDeletes = new PublishedDeletes(async (ids) => {
      await this.dataSource.query(
        `DELETE FROM ${this.schema}.outbox WHERE id IN (SELECT id FROM ${this.schema}.outbox WHERE id = ANY($1) FOR UPDATE SKIP LOCKED)`,
        [ids],
      );
    });
  }

  /**
   * Runs `work` and writes its staged events in one transaction, publishing them after the commit,
   * and returns what `work` returned.
   *
   * With an inbox key the event is claimed first, and a redelivery is `{ duplicate: true }` without
   * running `work`. With an inbox batch the ids are claimed in one statement and `work` receives the
   * new ones (`fresh`), to handle only those; the result is `{ duplicate: true }` only when none is new.
   * `fresh` is the claimed id for a key.
   */
  run<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  run<T>(work: (tx: Transaction, fresh: ReadonlySet<string>) => Promise<T>, inbox: InboxKey | InboxBatch): Promise<TransactionResult<T>>;
  async run<T>(
    work: (tx: Transaction, fresh: ReadonlySet<string>) => Promise<T>,
    inbox?: InboxKey | InboxBatch,
  ): Promise<T | TransactionResult<T>> {
    try {
      const outcome = await this.runOnce(work, inbox);
      if (inbox) return outcome;
      // Without an inbox nothing is claimed, so nothing can be a duplicate.
      return (outcome as { result: T }).result;
    } catch (error) {
      if (isConnectionFailure(error)) throw new DependencyUnavailableError('postgres', { cause: error });
      throw error;
    }
  }

  /**
   * Claims `eventIds` for `consumer` in the inbox, inside the caller's transaction, in one statement.
   * Returns the ids that were new; the others were handled before (or are being handled by a
   * transaction not yet committed, which this one waits for) and must be left alone.
   */
  async claimInbox(manager: EntityManager, consumer: string, eventIds: readonly string[]): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    const rows: Array<{ event_id: string }> = await manager.query(
      `INSERT INTO ${this.schema}.inbox (consumer, event_id) SELECT $1, id FROM unnest($2::text[]) AS id ON CONFLICT DO NOTHING RETURNING event_id`,
      // Sorted: concurrent claims of overlapping ids lock their rows in one order, never deadlocking.
      [consumer, [...new Set(eventIds)].sort()],
    );
    return new Set(rows.map((row) => row.event_id));
  }

  private async runOnce<T>(
    work: (tx: Transaction, fresh: ReadonlySet<string>) => Promise<T>,
    inbox?: InboxKey | InboxBatch,
  ): Promise<TransactionResult<T>> {
    const staged: Staged[] = [];
    const encoded: EncodedStaged[] = [];
    // Encoded when staged: a trusted event's data is the caller's object (not zod's copy), changed later or not.
    const push = <S extends Subject>(subject: S, event: CloudEvent<DataOf<S>>): CloudEvent<DataOf<S>> => {
      const entry = { subject, event, traceHeaders: traceHeadersRecord() };
      staged.push(entry);
      encoded.push(encodeStaged(entry));
      return event;
    };
    const outcome = await this.dataSource.transaction(async (manager) => {
      let fresh: ReadonlySet<string> = new Set();
      if (inbox) {
        fresh = await this.claimInbox(manager, inbox.consumer, 'eventIds' in inbox ? inbox.eventIds : [inbox.eventId]);
        if (fresh.size === 0) return { duplicate: true as const };
      }
      const tx: Transaction = {
        manager,
        stage: (subject, data, options) => push(subject, this.publisher.build(subject, data, options)),
        stageTrusted: (subject, data, options) => push(subject, this.publisher.buildTrusted(subject, data, options)),
      };
      const result = await work(tx, fresh);
      await insertOutboxRows(manager, this.schema, encoded);
      return { duplicate: false as const, result };
    });
    if (outcome.duplicate) return outcome;
    await this.publishStaged(staged, encoded);
    return { duplicate: false, result: outcome.result, events: staged.map((entry) => entry.event) };
  }

  startRelay(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => void this.sweep(), this.relay.sweepIntervalMs);
    this.sweeper.unref();
    void this.sweep();
  }

  /** Stops the relay and waits for a sweep and deletes in flight, so nothing uses Postgres after shutdown closed it. */
  async stopRelay(): Promise<void> {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    await this.sweeping;
    await this.publishedDeletes.idle();
  }

  /**
   * Waits until the rows of every run() that returned so far are deleted (or their delete failed, leaving them to
   * the relay): run() returns once its events are published, and their rows go behind it.
   */
  deletesIdle(): Promise<void> {
    return this.publishedDeletes.idle();
  }

  /** Publishes unsent outbox rows (crash leftovers) and deletes them, holding their row locks so replicas do not race. */
  sweep(): Promise<number> {
    // Nothing can be published while NATS is away; the rows wait in Postgres, not in memory.
    if (this.sweeping || !this.publisher.isConnected()) return Promise.resolve(0);
    const sweeping = this.sweepOnce().finally(() => (this.sweeping = undefined));
    this.sweeping = sweeping;
    return sweeping;
  }

  private async sweepOnce(): Promise<number> {
    try {
      const sent = await this.dataSource.transaction(async (manager) => {
        // `sent_at IS NULL` is outbox_due_idx's predicate (it also passes over rows marked sent before rows were deleted).
        const rows: OutboxRow[] = await manager.query(
          `SELECT id, subject, event, trace_headers, attempts FROM ${this.schema}.outbox
            WHERE sent_at IS NULL AND dead_at IS NULL AND next_attempt_at <= now() AND created_at < now() - make_interval(secs => $1)
            ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
          [this.relay.graceMs / 1000, this.relay.batchSize],
        );
        if (rows.length === 0) return 0;
        const results = await Promise.allSettled(rows.map((row) => this.publisher.publishEvent(row.subject, row.event, row.trace_headers)));
        const ok = rows.filter((_, index) => results[index].status === 'fulfilled').map((row) => row.id);
        // Deleted in the transaction holding their locks: if it fails, the rows stay and the next sweep publishes them
        // again under the same Nats-Msg-Id, which JetStream drops within its duplicate window.
        if (ok.length) await manager.query(`DELETE FROM ${this.schema}.outbox WHERE id = ANY($1)`, [ok]);
        await this.recordFailures(
          manager,
          rows.flatMap((row, index) =>
            results[index].status === 'rejected' ? [{ row, error: (results[index] as PromiseRejectedResult).reason }] : [],
          ),
        );
        return ok.length;
      });
      if (sent > 0) this.logger.info({ sent }, 'outbox relay published events left unsent');
      await this.prune();
      return sent;
    } catch (error) {
      this.logger.warn({ err: error }, 'outbox sweep failed; will try again');
      return 0;
    }
  }

  /**
   * Each failed row keeps its error and waits its own backoff; after its last attempt, or at once
   * when no attempt can ever succeed (larger than the server takes), it is set aside as dead.
   */
  private async recordFailures(manager: EntityManager, failures: Array<{ row: OutboxRow; error: unknown }>): Promise<void> {
    if (failures.length === 0) return;
    const decided = failures.map(({ row, error }) => {
      const attempts = row.attempts + 1;
      const dead = error instanceof PermanentError || attempts >= this.relay.maxAttempts;
      const delayMs = Math.min(this.relay.retryMaxMs, this.relay.retryBaseMs * 2 ** Math.min(attempts - 1, 30));
      const message = (error instanceof Error ? error.message : String(error)).slice(0, 2_000);
      return { id: row.id, subject: row.subject, dead, delaySeconds: delayMs / 1000, message, attempts };
    });
    await manager.query(
      `UPDATE ${this.schema}.outbox o SET attempts = o.attempts + 1, last_error = f.message,
              next_attempt_at = now() + make_interval(secs => f.delay_seconds), dead_at = CASE WHEN f.dead THEN now() END
         FROM unnest($1::text[], $2::text[], $3::float8[], $4::boolean[]) AS f(id, message, delay_seconds, dead)
        WHERE o.id = f.id`,
      [decided.map((d) => d.id), decided.map((d) => d.message), decided.map((d) => d.delaySeconds), decided.map((d) => d.dead)],
    );
    for (const dead of decided.filter((d) => d.dead)) {
      busMetrics.outboxDead.inc({ subject: dead.subject });
      this.logger.error(
        { eventId: dead.id, subject: dead.subject, attempts: dead.attempts, error: dead.message },
        'outbox row set aside: it cannot be published',
      );
    }
  }

  /**
   * Publishes the bytes the outbox row was written with (one JSON encoding per event, and the row and the message
   * cannot differ), and returns once JetStream has them: the delete of their rows runs behind, shared with the
   * transactions publishing meanwhile, so it no longer holds the caller (a consumer's batch slot) ~20 % longer.
   * stopRelay() still waits for it. A delete that fails leaves the row to the relay, which publishes it again under
   * the same Nats-Msg-Id; JetStream drops that repeat.
   */
  private async publishStaged(staged: Staged[], encoded: EncodedStaged[]): Promise<void> {
    if (encoded.length === 0) return;
    const results = await Promise.allSettled(
      staged.map((entry, index) => this.publisher.publishEvent(entry.subject, entry.event, entry.traceHeaders, encoded[index].event)),
    );
    const sent = encoded.filter((_, index) => results[index].status === 'fulfilled').map((row) => row.id);
    if (sent.length < encoded.length)
      this.logger.warn({ unsent: encoded.length - sent.length }, 'publish after commit failed; the outbox relay will retry');
    if (sent.length === 0) return;
    this.publishedDeletes.delete(sent).catch((error: unknown) => {
      this.logger.warn(
        { err: error },
        'could not delete published outbox rows; the relay will publish them again, JetStream drops the repeat',
      );
    });
  }

  /** What the sweep prunes (outboxPruneStatements): old inbox rows, and rows an older release marked sent. */
  private async prune(): Promise<void> {
    for (const [sql, params] of outboxPruneStatements(this.schema, this.relay.keepInboxForMs)) await this.dataSource.query(sql, params);
  }
}
