import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CONFIG, table } from '@firebreak/platform';
import { MapperConfig } from '../service';
import { AlertRecord, alertSelectList } from '../lifecycle/alert-record';

/**
 * The alerts a silence starting or ending covers, one bounded page at a time, locked in fingerprint
 * order like every other lifecycle read (so no two transactions wait on each other in a cycle). A page
 * is one transaction's work: a silence over 20,000 alerts is many short transactions, not one that holds
 * the exclusive silence lock (and so all ingestion) for its whole length.
 */
@Injectable()
export class CoveredAlertsRepository {
  private readonly table: string;
  private readonly select = alertSelectList('a');

  constructor(@Inject(CONFIG) config: MapperConfig) {
    this.table = table(config.dbSchema, 'alerts');
  }

  /** Firing alerts whose labels contain `contains` (a cheap pre-filter of the matchers), after fingerprint `after`. */
  async lockFiringPage(manager: EntityManager, contains: Record<string, string>, after: string, limit: number): Promise<AlertRecord[]> {
    return manager.query(
      `SELECT ${this.select} FROM ${this.table} a
        WHERE a.status = 'firing' AND a.labels @> $1::jsonb AND a.fingerprint > $2
        ORDER BY a.fingerprint LIMIT $3 FOR UPDATE`,
      [JSON.stringify(contains), after, limit],
    );
  }

  /** Alerts the silence still holds; each one released leaves the set, so the next page starts over. */
  async lockHeldPage(manager: EntityManager, silenceId: string, limit: number): Promise<AlertRecord[]> {
    return manager.query(
      `SELECT ${this.select} FROM ${this.table} a WHERE a.silence_id = $1 AND a.status = 'silenced' ORDER BY a.fingerprint LIMIT $2 FOR UPDATE`,
      [silenceId, limit],
    );
  }
}
