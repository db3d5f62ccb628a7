import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { CONFIG, rowsOf, table } from '@firebreak/platform';
import { Signal } from '../core/signals';
import { SloConfig } from '../service';
import { BucketIncrement } from './minute-buckets';

/** Minute buckets of counted events: one upsert per batch of events, sums over any range. */
@Injectable()
export class EventCountsRepository {
  private readonly counts: string;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(CONFIG) config: SloConfig,
  ) {
    this.counts = table(config.dbSchema, 'event_counts');
  }

  /**
   * Adds each increment to its bucket in the caller's transaction, with one statement for a whole batch. The rows are
   * locked in the order given (bucketIncrements sorts them), so concurrent batches never deadlock.
   */
  async add(manager: EntityManager, increments: readonly BucketIncrement[]): Promise<void> {
    if (increments.length === 0) return;
    await manager.query(
      `INSERT INTO ${this.counts} (signal, bucket, count)
       SELECT signal, to_timestamp(bucket_ms / 1000.0), count FROM unnest($1::text[], $2::float8[], $3::bigint[]) AS i(signal, bucket_ms, count)
       ON CONFLICT (signal, bucket) DO UPDATE SET count = ${this.counts}.count + EXCLUDED.count`,
      [
        increments.map((increment) => increment.signal),
        // Epoch milliseconds: an ISO text of a year Postgres reads otherwise (0000, -000001, +010000: times the
        // contract accepts) would fail the whole batch.
        increments.map((increment) => increment.bucket),
        increments.map((increment) => increment.count),
      ],
    );
  }

  /** Deletes buckets older than `before`, at most `limit` rows (short transactions); returns how many went. */
  async prune(before: Date, limit = 10_000): Promise<number> {
    const rows = rowsOf<{ signal: string }>(
      await this.dataSource.query(
        `DELETE FROM ${this.counts} WHERE ctid IN (SELECT ctid FROM ${this.counts} WHERE bucket < $1 LIMIT $2) RETURNING signal`,
        [before, limit],
      ),
    );
    return rows.length;
  }

  /** Events per signal with from ≤ bucket < to (whole minutes). */
  async sums(signals: readonly Signal[], from: Date, to: Date): Promise<Map<Signal, number>> {
    const rows: Array<{ signal: Signal; total: string }> = await this.dataSource.query(
      `SELECT signal, sum(count)::text AS total FROM ${this.counts}
       WHERE signal = ANY($1::text[]) AND bucket >= $2 AND bucket < $3 GROUP BY signal`,
      [signals, from, to],
    );
    return new Map(rows.map((row) => [row.signal, Number(row.total)]));
  }

  /** Events per signal and step (buckets of `stepMs` from `from`), for charts. */
  async series(
    signals: readonly Signal[],
    from: Date,
    to: Date,
    stepMs: number,
  ): Promise<Array<{ at: Date; signal: Signal; count: number }>> {
    const rows: Array<{ at: Date; signal: Signal; total: string }> = await this.dataSource.query(
      `SELECT date_bin(make_interval(secs => $4::double precision / 1000), bucket, $2::timestamptz) AS at, signal, sum(count)::text AS total
       FROM ${this.counts} WHERE signal = ANY($1::text[]) AND bucket >= $2 AND bucket < $3 GROUP BY 1, 2 ORDER BY 1`,
      [signals, from, to, stepMs],
    );
    return rows.map((row) => ({ at: new Date(row.at), signal: row.signal, count: Number(row.total) }));
  }
}
