import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CONFIG, rowsOf, table } from '@firebreak/platform';
import { NotifierConfig } from '../service';
import { DeliveryStatus, FiringDelivery } from './delivery.types';

/**
 * An alert's analysis and its firing message, recorded by two transactions in either order: the firing
 * deliveries an analysis follows, the per-episode lock that orders the two, and the analyses parked until
 * their firing message is recorded.
 */
@Injectable()
export class AnalysisWaitsRepository {
  private readonly deliveries: string;
  private readonly waits: string;

  constructor(@Inject(CONFIG) config: NotifierConfig) {
    this.deliveries = table(config.dbSchema, 'deliveries');
    this.waits = table(config.dbSchema, 'analysis_waits');
  }

  async firingDeliveries(manager: EntityManager, fingerprint: string, startsAt: string): Promise<FiringDelivery[]> {
    const rows = await manager.query<Array<{ id: string; channel: string; target: string; status: DeliveryStatus; ordered_at: Date }>>(
      `SELECT id, channel, target, status, ordered_at FROM ${this.deliveries}
        WHERE fingerprint = $1 AND announcement_subject = 'alerts.notify' AND kind = 'firing'
          AND content->'details' @> jsonb_build_array(jsonb_build_array('started'::text, $2::text))
        ORDER BY seq`,
      [fingerprint, startsAt],
    );
    return rows.map((row) => ({
      id: row.id,
      channel: row.channel,
      target: row.target,
      status: row.status,
      orderedAt: new Date(row.ordered_at),
    }));
  }

  /**
   * Serialises, per alert episode, the transaction that records its firing message and the one that
   * records its analysis (replicas included): whichever commits second sees the first's rows, so an
   * analysis is either queued behind its firing message or parked and taken by it, never neither.
   * Taken in key order in one statement: two batches cannot deadlock on each other.
   */
  async lockEpisodes(manager: EntityManager, episodes: Array<{ fingerprint: string; startsAt: string }>): Promise<void> {
    if (episodes.length === 0) return;
    await manager.query(
      `SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended(u.fp || '|' || u.starts_at, 0) AS k
          FROM unnest($1::text[], $2::text[]) AS u(fp, starts_at) ORDER BY 1) AS keys`,
      [episodes.map((e) => e.fingerprint), episodes.map((e) => e.startsAt)],
    );
  }

  /** An analysis whose firing message is not recorded yet waits here (the first one of an episode stays). */
  async parkAnalysis(manager: EntityManager, fingerprint: string, startsAt: string, event: unknown, now: Date): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.waits} (fingerprint, starts_at, event, created_at) VALUES ($1, $2, $3::jsonb, $4) ON CONFLICT DO NOTHING`,
      [fingerprint, startsAt, JSON.stringify(event), now],
    );
  }

  /** Takes (deletes and returns) the analyses parked for these episodes. */
  async takeParked(manager: EntityManager, episodes: Array<{ fingerprint: string; startsAt: string }>): Promise<unknown[]> {
    if (episodes.length === 0) return [];
    const rows = rowsOf<{ event: unknown }>(
      await manager.query(
        `DELETE FROM ${this.waits} w USING unnest($1::text[], $2::text[]) AS u(fp, starts_at)
          WHERE w.fingerprint = u.fp AND w.starts_at = u.starts_at RETURNING w.event`,
        [episodes.map((e) => e.fingerprint), episodes.map((e) => e.startsAt)],
      ),
    );
    return rows.map((row) => row.event);
  }
}
