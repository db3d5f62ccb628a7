import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CONFIG, rowsOf, table } from '@firebreak/platform';
import { NotifierConfig } from '../service';
import { BucketLimits, BucketState, fullBucket } from './token-bucket';

export interface LockedBucket {
  state: BucketState;
  pausedUntil: Date | null;
}

/** One token bucket per channel in Postgres, so every replica spends from the same one. */
@Injectable()
export class RateBucketsRepository {
  private readonly buckets: string;

  constructor(@Inject(CONFIG) config: NotifierConfig) {
    this.buckets = table(config.dbSchema, 'rate_buckets');
  }

  /**
   * Locks the channel's bucket for this transaction, creating it full on first use, in one statement:
   * the no-op DO UPDATE locks the row as FOR UPDATE would (waiting for another replica's claim to
   * commit) and returns it as it stands then.
   */
  async lock(manager: EntityManager, channel: string, limits: BucketLimits, now: Date): Promise<LockedBucket> {
    const full = fullBucket(limits, now.getTime());
    const [row] = rowsOf<{ tokens: number; refilled_at: Date; paused_until: Date | null }>(
      await manager.query(
        `INSERT INTO ${this.buckets} AS b (channel, tokens, refilled_at) VALUES ($1, $2, $3)
         ON CONFLICT (channel) DO UPDATE SET channel = b.channel RETURNING b.tokens, b.refilled_at, b.paused_until`,
        [channel, full.tokens, now],
      ),
    );
    return {
      // A burst lowered in channels.yaml takes effect at once.
      state: { tokens: Math.min(Number(row.tokens), limits.burst), refilledAt: new Date(row.refilled_at).getTime() },
      pausedUntil: row.paused_until ? new Date(row.paused_until) : null,
    };
  }

  async save(manager: EntityManager, channel: string, state: BucketState): Promise<void> {
    await manager.query(`UPDATE ${this.buckets} SET tokens = $2, refilled_at = $3 WHERE channel = $1`, [
      channel,
      state.tokens,
      new Date(state.refilledAt),
    ]);
  }

  /** A provider said 429: nothing more goes to the channel before `until`. */
  async pause(manager: EntityManager, channel: string, until: Date): Promise<void> {
    await manager.query(`UPDATE ${this.buckets} SET paused_until = GREATEST(COALESCE(paused_until, $2), $2) WHERE channel = $1`, [
      channel,
      until,
    ]);
  }
}
