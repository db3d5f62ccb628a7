import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { CONFIG, table } from '@firebreak/platform';
import { MapperConfig } from '../service';
import { SilenceRecord, SilenceState } from './silence';

const COLUMNS = `id, matchers, starts_at AS "startsAt", ends_at AS "endsAt", created_by AS "createdBy", comment, created_at AS "createdAt", updated_at AS "updatedAt", applied_state AS "appliedState"`;

@Injectable()
export class SilencesRepository {
  private readonly table: string;

  constructor(
    @Inject(CONFIG) config: MapperConfig,
    private readonly dataSource: DataSource,
  ) {
    this.table = table(config.dbSchema, 'silences');
  }

  async insert(manager: EntityManager, silence: SilenceRecord): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.table} (id, matchers, starts_at, ends_at, created_by, comment, created_at, updated_at, applied_state) VALUES ($1, $2::jsonb, $3, $4, $5, $6, $7, $8, $9)`,
      [
        silence.id,
        JSON.stringify(silence.matchers),
        silence.startsAt,
        silence.endsAt,
        silence.createdBy,
        silence.comment,
        silence.createdAt,
        silence.updatedAt,
        silence.appliedState,
      ],
    );
  }

  async lock(manager: EntityManager, id: string): Promise<SilenceRecord | null> {
    const rows: SilenceRecord[] = await manager.query(`SELECT ${COLUMNS} FROM ${this.table} WHERE id = $1 FOR UPDATE`, [id]);
    return rows[0] ?? null;
  }

  /**
   * Ends the silence at `at`. Its `applied_state` stays until the alerts it holds are released (the
   * last page marks it `expired`): until then the sweeper finds it due and finishes the release.
   */
  async expire(manager: EntityManager, id: string, at: Date): Promise<void> {
    // As Alertmanager does, a silence that had not started yet ends (and starts) now.
    await manager.query(
      `UPDATE ${this.table} SET starts_at = LEAST(starts_at, $2::timestamptz), ends_at = $2, updated_at = $2 WHERE id = $1`,
      [id, at],
    );
  }

  async markApplied(manager: EntityManager, id: string, state: SilenceState): Promise<void> {
    await manager.query(`UPDATE ${this.table} SET applied_state = $2 WHERE id = $1`, [id, state]);
  }

  /**
   * Alert transactions hold this shared, silence changes exclusive: a change waits for the alerts
   * being written, and alerts written after it wait for it and then see it. Always taken before any
   * row lock, so it cannot deadlock with them.
   */
  async lockShared(manager: EntityManager): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock_shared(hashtext($1))', [`${this.table}:change`]);
  }

  async lockExclusive(manager: EntityManager): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${this.table}:change`]);
  }

  /**
   * Silences whose start or end has passed but whose effect on alerts was not (fully) applied yet.
   * Not locked: carrying one out is many transactions (SilenceTransitions), each safe to repeat, so two
   * replicas on the same silence only share the work.
   */
  async transitionsDue(now: Date, limit: number): Promise<SilenceRecord[]> {
    return this.dataSource.query(
      `SELECT ${COLUMNS} FROM ${this.table}
        WHERE (applied_state = 'pending' AND starts_at <= $1) OR (applied_state <> 'expired' AND ends_at <= $1)
        ORDER BY starts_at LIMIT $2`,
      [now, limit],
    );
  }

  /** Silences not over at `now` (active or still to come). */
  async unexpired(now: Date, manager: EntityManager = this.dataSource.manager): Promise<SilenceRecord[]> {
    return manager.query(`SELECT ${COLUMNS} FROM ${this.table} WHERE ends_at > $1 ORDER BY created_at`, [now]);
  }

  async list(state: SilenceState | undefined, now: Date, limit: number): Promise<SilenceRecord[]> {
    const condition =
      state === 'expired'
        ? 'WHERE ends_at <= $1'
        : state === 'active'
          ? 'WHERE starts_at <= $1 AND ends_at > $1'
          : state === 'pending'
            ? 'WHERE starts_at > $1'
            : 'WHERE $1::timestamptz IS NOT NULL';
    return this.dataSource.query(`SELECT ${COLUMNS} FROM ${this.table} ${condition} ORDER BY created_at DESC, id LIMIT $2`, [now, limit]);
  }
}
