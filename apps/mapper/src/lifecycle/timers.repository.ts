import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { jsonArray, RowWrite, Statement, WriteBatch } from '../core/write-batch';
import { jsonTuples } from '../core/json-tuples';
import { CONFIG, table } from '@firebreak/platform';
import { MapperConfig } from '../service';
import { AlertRecord, alertSelectList } from './alert-record';

export interface DueTimer {
  sourceId: string;
  delayMs: number;
  alert: AlertRecord;
}

interface TimerSet {
  fingerprint: string;
  cancelled: false;
  dueAt: Date;
  delayMs: number;
  sourceId: string;
  createdAt: Date;
}

type TimerChange = TimerSet | { fingerprint: string; cancelled: true };

/** `escalation_timers`: one pending escalation per alert, a row with a due time. */
@Injectable()
export class TimersRepository {
  private readonly timers: string;
  private readonly alerts: string;
  /** The last change of each alert's timer in a transaction: set (with its due time) or cancelled. */
  private readonly changes: RowWrite<TimerChange>;

  constructor(@Inject(CONFIG) config: MapperConfig) {
    this.timers = table(config.dbSchema, 'escalation_timers');
    this.alerts = table(config.dbSchema, 'alerts');
    const tuples = jsonTuples<TimerChange>(
      'fingerprint text, "dueAt" timestamptz, "sourceId" text, "delayMs" bigint, "createdAt" timestamptz',
    );
    const set = `INSERT INTO ${this.timers} (fingerprint, due_at, source_id, delay_ms, created_at)
       SELECT r.fingerprint, r."dueAt", r."sourceId", r."delayMs", r."createdAt"
         FROM ${tuples.from('$1')}
       ON CONFLICT (fingerprint) DO UPDATE SET due_at = EXCLUDED.due_at, source_id = EXCLUDED.source_id, delay_ms = EXCLUDED.delay_ms, created_at = EXCLUDED.created_at`;
    const cancel = `DELETE FROM ${this.timers} WHERE fingerprint = ANY($1)`;
    this.changes = {
      key: (change) => change.fingerprint,
      // A cancel's tuple is its fingerprint and nulls: only sized, never sent.
      encode: tuples.tuple,
      // One row per alert (the key), so neither statement touches a row twice and they never touch the same one.
      statements: (changes, encoded) => {
        const sets = encoded.filter((_, index) => !changes[index].cancelled);
        const cancels = changes.filter((change) => change.cancelled).map((change) => change.fingerprint);
        const statements: Statement[] = [];
        if (sets.length) statements.push({ sql: set, params: [jsonArray(sets)] });
        if (cancels.length) statements.push({ sql: cancel, params: [cancels] });
        return statements;
      },
    };
  }

  schedule(batch: WriteBatch, fingerprint: string, dueAt: Date, delayMs: number, sourceId: string, now: Date): void {
    batch.row(this.changes, { fingerprint, cancelled: false, dueAt, delayMs, sourceId, createdAt: now });
  }

  cancel(batch: WriteBatch, fingerprints: string[]): void {
    for (const fingerprint of fingerprints) batch.row(this.changes, { fingerprint, cancelled: true });
  }

  /**
   * Claims due timers with their alerts. SKIP LOCKED on both rows: another replica's claim, or an
   * alert being changed right now, is left for the next poll instead of waited on (no deadlock
   * with a handler that holds the alert and wants the timer).
   */
  async claimDue(manager: EntityManager, now: Date, limit: number): Promise<DueTimer[]> {
    const rows: Array<AlertRecord & { timerSourceId: string; timerDelayMs: string }> = await manager.query(
      `SELECT t.source_id AS "timerSourceId", t.delay_ms AS "timerDelayMs", ${alertSelectList('a')}
         FROM ${this.timers} t JOIN ${this.alerts} a ON a.fingerprint = t.fingerprint
        WHERE t.due_at <= $1 ORDER BY t.due_at LIMIT $2 FOR UPDATE OF t, a SKIP LOCKED`,
      [now, limit],
    );
    return rows.map(({ timerSourceId, timerDelayMs, ...alert }) => ({ sourceId: timerSourceId, delayMs: Number(timerDelayMs), alert }));
  }
}
