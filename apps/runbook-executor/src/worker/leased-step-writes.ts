import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { EventPublisher, Transaction, traceHeadersRecord } from '@firebreak/bus';
import { CONFIG, LOGGER, table } from '@firebreak/platform';
import { AttemptRecord, EngineState } from '../engine/engine.types';
import type { FinalWrite } from '../lifecycle/execution-records';
import {
  batchedFinishParameters,
  batchedFinishStatement,
  batchedStepParameters,
  batchedStepStatement,
  FinishWriteRow,
  StepWriteRow,
} from '../lifecycle/batched-write-statements';
import { preparedName } from '../lifecycle/prepared-query';
import type { ExecutorConfig } from '../service';
import { BUSY, WriteBatches } from './write-batches';

interface StagedRow {
  id: string;
  subject: string;
  event: Parameters<EventPublisher['publishEvent']>[1];
  traceHeaders: Record<string, string>;
  /** The event's JSON: the outbox row's column and, after the commit, the published message (encoded once). */
  json: string;
}

/** What one write did: whether the lease held (nothing was written otherwise), and the event ids published after it. */
export interface StepWriteResult {
  written: boolean;
  published: string[];
}

/** A closing write's result: as a step write's, and the latest cancel request's author when the lease held. */
export interface FinishWriteResult extends StepWriteResult {
  cancelRequestedBy: string | null;
}

/** How long published rows wait for another write to delete them before a DELETE of their own. */
const LEFTOVERS_WAIT_MS = 50;

/**
 * A step's write as one autocommitted statement (batchedStepStatement): the state, its attempts and the
 * outbox rows of their events only while this worker holds the lease, and the delete of the rows an
 * earlier write of the run published. Through TransactionalMessaging the same write took four round
 * trips (BEGIN, the write, the outbox INSERT, COMMIT) and a fifth shared one for the delete: those were
 * most of the executor's CPU per run. Events are published after the statement returned, as
 * TransactionalMessaging does after its COMMIT; a row left unpublished (a crash, NATS away) is the
 * outbox relay's, which publishes it under the same Nats-Msg-Id.
 *
 * Writes of concurrent runs share that statement (WriteBatches): those asked for while one is under way go together in
 * the next, each still guarded by its own run's lease, with one commit for all.
 *
 * A run's closing write (finish) is one statement too, batched likewise. The rows either write published are deleted by the
 * next step write of any run here, with its own statement, or, when none comes within LEFTOVERS_WAIT_MS, by
 * one DELETE for all of them (flush; the worker closes it on shutdown, see close). The run's own next write lists
 * its step write's rows again (a no-op unless that delete failed).
 */
@Injectable()
export class LeasedStepWrites {
  /** Step writes of concurrent runs, one statement for those asked for while the one before was under way. */
  private readonly steps: WriteBatches<StepWriteRow, true>;
  /** Closing writes, likewise: answered with the run's latest cancel request's author. */
  private readonly finishes: WriteBatches<FinishWriteRow, string | null>;
  private readonly outbox: string;
  /** Rows writes published, for the next step write (or flush) to delete. */
  private leftovers: string[] = [];
  private leftoversTimer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  /** Set by close: no timer is armed any more (it would fire once Postgres is closed). */
  private closed = false;
  /** LEFTOVERS_WAIT_MS; a test sets it longer to see which write deleted the rows. */
  leftoversWaitMs = LEFTOVERS_WAIT_MS;

  constructor(
    @Inject(CONFIG) config: ExecutorConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly dataSource: DataSource,
    private readonly publisher: EventPublisher,
  ) {
    this.outbox = table(config.dbSchema, 'outbox');
    const [executions, attempts] = [table(config.dbSchema, 'executions'), table(config.dbSchema, 'step_attempts')];
    const stepStatements = [false, true].map((wait) => batchedStepStatement(executions, attempts, this.outbox, wait));
    const steps = async (writes: StepWriteRow[], wait: boolean) => {
      const rows = await this.query<{ id: string; busy: boolean }>(
        wait ? 'executor_step_waiting' : 'executor_steps',
        stepStatements[Number(wait)],
        batchedStepParameters(writes),
      );
      return new Map<string, true | typeof BUSY>(rows.map((row) => [row.id, row.busy ? BUSY : true]));
    };
    this.steps = new WriteBatches(
      (writes) => steps(writes, false),
      async (write) => withoutBusy(await steps([write], true)),
    );
    const approvals = table(config.dbSchema, 'approvals');
    const finishStatements = [false, true].map((wait) => batchedFinishStatement(executions, attempts, approvals, this.outbox, wait));
    const finishes = async (writes: FinishWriteRow[], wait: boolean) => {
      const rows = await this.query<{ id: string; busy: boolean; cancel_requested_by: string | null }>(
        wait ? 'executor_finish_waiting' : 'executor_finishes',
        finishStatements[Number(wait)],
        batchedFinishParameters(writes),
      );
      return new Map<string, string | null | typeof BUSY>(rows.map((row) => [row.id, row.busy ? BUSY : row.cancel_requested_by]));
    };
    this.finishes = new WriteBatches(
      (writes) => finishes(writes, false),
      async (write) => withoutBusy(await finishes([write], true)),
    );
  }

  /**
   * Writes `state` and `attempts` of execution `id` if `workerId` holds its lease, with the events
   * `announce` stages, and deletes the outbox rows of `publishedBefore` (published after an earlier
   * write, whatever this write finds). Returns once the events are published.
   */
  async write(
    id: string,
    workerId: string,
    state: EngineState,
    attempts: AttemptRecord[],
    announce: (tx: Transaction) => void,
    publishedBefore: readonly string[],
  ): Promise<StepWriteResult> {
    const staged = this.stage(announce);
    // Rows published before go with this statement's own delete (put back if it fails).
    const leftovers = this.leftovers.splice(0);
    const write = {
      id,
      workerId,
      state: JSON.stringify(state),
      attempts,
      outbox: staged.map(rowJson),
      deletes: [...publishedBefore, ...leftovers],
    };
    let written: boolean;
    try {
      written = (await this.steps.write(write)) !== undefined;
    } catch (error) {
      this.keepLeftovers(leftovers);
      throw error;
    }
    if (!written) return { written: false, published: [] };
    const published = await this.publish(staged);
    // Deleted with the next write of any run here or within LEFTOVERS_WAIT_MS, not left for this run's next write:
    // a step can run for minutes, and a published row older than the relay's grace is published again.
    this.keepLeftovers(published);
    return { written: true, published };
  }

  /**
   * A run's closing write (batchedFinishStatement): its end, state and attempts if `workerId` holds the
   * lease, with the events `announce` stages, and the delete of `closing.published`. Returns once the
   * events are published; their rows are left to the next step write or flush.
   */
  async finish(
    id: string,
    workerId: string,
    closing: { state: EngineState | null; attempts: AttemptRecord[]; published: readonly string[] },
    final: FinalWrite,
    announce: (tx: Transaction) => void,
  ): Promise<FinishWriteResult> {
    const staged = this.stage(announce);
    const state = closing.state ? JSON.stringify(closing.state) : null;
    const write = { id, workerId, state, attempts: closing.attempts, final, outbox: staged.map(rowJson), deletes: closing.published };
    const cancelRequestedBy = await this.finishes.write(write);
    if (cancelRequestedBy === undefined) return { written: false, published: [], cancelRequestedBy: null };
    const published = await this.publish(staged);
    this.keepLeftovers(published);
    return { written: true, published, cancelRequestedBy };
  }

  /** Deletes the rows closing writes published that no step write took yet (and waits for a delete under way). */
  async flush(): Promise<void> {
    clearTimeout(this.leftoversTimer);
    this.leftoversTimer = undefined;
    const ids = this.leftovers.splice(0);
    this.flushing = this.flushing.then(() => this.deletePublished(ids));
    await this.flushing;
  }

  /**
   * On shutdown, once the runs stopped: deletes what is left now and arms no timer after it. A run still going past the
   * grace period leaves the rows it publishes to the next step write or the relay (JetStream drops the repeat), not
   * to a DELETE fired once Postgres is closed.
   */
  close(): Promise<void> {
    this.closed = true;
    return this.flush();
  }

  private keepLeftovers(ids: readonly string[]): void {
    if (ids.length === 0) return;
    this.leftovers.push(...ids);
    if (this.closed) return;
    // Unref'd: a process with nothing else to do may exit; the rows are then the relay's (dropped by JetStream).
    this.leftoversTimer ??= setTimeout(() => void this.flush(), this.leftoversWaitMs).unref();
  }

  private stage(announce: (tx: Transaction) => void): StagedRow[] {
    const staged: StagedRow[] = [];
    const push = <E extends StagedRow['event']>(subject: string, event: E): E => {
      staged.push({ id: event.id, subject, event, traceHeaders: traceHeadersRecord(), json: JSON.stringify(event) });
      return event;
    };
    announce({
      // Nothing reads through a manager while staging: the statement is the only write.
      manager: this.dataSource.manager,
      // The run's own runbooks.execution.* events are staged trusted (executionEvents); a step's events (a notify
      // step's runbook text) are validated.
      stage: (subject, data, options) => push(subject, this.publisher.build(subject, data, options)),
      stageTrusted: (subject, data, options) => push(subject, this.publisher.buildTrusted(subject, data, options)),
    });
    return staged;
  }

  /** Best effort, for a run that ends without a later write: the rows stay to the relay (published again, dropped by JetStream) when it fails. */
  async deletePublished(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    try {
      await this.dataSource.query(
        `DELETE FROM ${this.outbox} WHERE id IN (SELECT id FROM ${this.outbox} WHERE id = ANY($1) FOR UPDATE SKIP LOCKED)`,
        [ids],
      );
    } catch (error) {
      this.logger.warn(
        { err: error },
        'could not delete published outbox rows; the relay will publish them again, JetStream drops the repeat',
      );
    }
  }

  private async publish(staged: StagedRow[]): Promise<string[]> {
    if (staged.length === 0) return [];
    const results = await Promise.allSettled(
      staged.map((row) => this.publisher.publishEvent(row.subject, row.event, row.traceHeaders, row.json)),
    );
    const sent = staged.filter((_, index) => results[index].status === 'fulfilled').map((row) => row.id);
    if (sent.length < staged.length)
      this.logger.warn({ unsent: staged.length - sent.length }, 'publish after commit failed; the outbox relay will retry');
    return sent;
  }

  /** On any pooled connection, outside a transaction: a single statement commits alone. Prepared (see queryPrepared). */
  private async query<T extends object>(name: string, text: string, values: unknown[]): Promise<T[]> {
    this.dataSource.logger.logQuery(text, values);
    const pool = (this.dataSource.driver as PostgresDriver).master as Pool;
    const result = await pool.query<T>({ name: preparedName(name, text), text, values });
    return result.rows;
  }
}

/** An outbox row's JSON object, its event's JSON put in as it is (not encoded a second time). */
function rowJson(row: StagedRow): string {
  return `{"id":${JSON.stringify(row.id)},"subject":${JSON.stringify(row.subject)},"event":${row.json},"trace_headers":${JSON.stringify(row.traceHeaders)}}`;
}

/** A waiting statement's answers: it skips no row, so none is busy. */
function withoutBusy<R>(answers: Map<string, R | typeof BUSY>): Map<string, R> {
  for (const [id, answer] of answers) if (answer === BUSY) throw new Error(`execution ${id}: a waiting write was answered busy`);
  return answers as Map<string, R>;
}
