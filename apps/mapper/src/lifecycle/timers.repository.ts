import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SqlRunner } from '../core/write-batch';
import { CONFIG, table } from '@firebreak/platform';
import { MapperConfig } from '../service';
import { AlertRecord, alertSelectList } from './alert-record';

export interface DueTimer {
  sourceId: string;
  delayMs: number;
  alert: AlertRecord;
}

/** `escalation_timers`: one pending escalation per alert, a row with a due time. */
@Injectable()
export class TimersRepository {
  private readonly timers: string;
  private readonly alerts: string;

  constructor(@Inject(CONFIG) config: MapperConfig) {
    this.timers = table(config.dbSchema, 'escalation_timers');
    this.alerts = table(config.dbSchema, 'alerts');
  }

  async schedule(runner: SqlRunner, fingerprint: string, dueAt: Date, delayMs: number, sourceId: string, now: Date): Promise<void> {
    await runner.query(
      `INSERT INTO ${this.timers} (fingerprint, due_at, source_id, delay_ms, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (fingerprint) DO UPDATE SET due_at = EXCLUDED.due_at, source_id = EXCLUDED.source_id, delay_ms = EXCLUDED.delay_ms, created_at = EXCLUDED.created_at`,
      [fingerprint, dueAt, sourceId, delayMs, now],
    );
  }

  async cancel(runner: SqlRunner, fingerprints: string[]): Promise<void> {
    if (fingerprints.length === 0) return;
    await runner.query(`DELETE FROM ${this.timers} WHERE fingerprint = ANY($1)`, [fingerprints]);
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
