import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CONFIG, rowsOf, table } from '@firebreak/platform';
import { NotifierConfig } from '../service';
import { DeliveryUpdate } from './delivery.types';

/** Settles deliveries: a claim's answer written (fenced by its claim token), a failed one put back in the queue. */
@Injectable()
export class DeliveryOutcomesRepository {
  private readonly deliveries: string;

  constructor(@Inject(CONFIG) config: NotifierConfig) {
    this.deliveries = table(config.dbSchema, 'deliveries');
  }

  /**
   * Records answers, each only if its row is still pending under the claim the answer belongs to.
   * A row whose lease ran out while its answer waited (Postgres away) may have been claimed again by
   * another replica, or failed and been retried by an operator (which resets `attempts`, so the
   * attempt number cannot tell the claims apart): the late answer must not overwrite that claim,
   * so it is fenced out by the claim token. The attempt number fences too: a replica of the previous
   * release, during a rolling deploy, claims without a token. Returns the ids actually updated: only those may be announced.
   * The claim ends with its answer: its token is cleared, so a lease renewal racing the answer cannot push back a retry.
   */
  async applyOutcomes(manager: EntityManager, updates: DeliveryUpdate[], now: Date): Promise<Set<string>> {
    if (updates.length === 0) return new Set();
    const result: unknown = await manager.query(
      `UPDATE ${this.deliveries} d SET status = u.status, next_attempt_at = COALESCE(u.next_attempt_at, d.next_attempt_at), sent_at = u.sent_at,
              last_error = COALESCE(u.last_error, d.last_error), response_status = u.response_status,
              response_excerpt = COALESCE(u.response_excerpt, d.response_excerpt), updated_at = $9, claim_token = NULL
         FROM unnest($1::text[], $2::uuid[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::text[], $7::int[], $8::text[], $10::int[])
              AS u(id, claim_token, status, next_attempt_at, sent_at, last_error, response_status, response_excerpt, attempts)
        WHERE d.id = u.id AND d.status = 'pending' AND d.claim_token = u.claim_token AND d.attempts = u.attempts
        RETURNING d.id`,
      [
        updates.map((u) => u.id),
        updates.map((u) => u.claimToken),
        updates.map((u) => u.status),
        updates.map((u) => u.nextAttemptAt ?? null),
        updates.map((u) => u.sentAt ?? null),
        updates.map((u) => u.lastError ?? null),
        updates.map((u) => u.responseStatus ?? null),
        updates.map((u) => u.responseExcerpt ?? null),
        now,
        updates.map((u) => u.attempts),
      ],
    );
    return new Set(rowsOf<{ id: string }>(result).map((row) => row.id));
  }
  /** A failed delivery goes back to the queue for a fresh set of attempts. */
  async requeue(manager: EntityManager, id: string, now: Date): Promise<boolean> {
    const result: unknown = await manager.query(
      `UPDATE ${this.deliveries} SET status = 'pending', attempts = 0, claim_token = NULL, next_attempt_at = $2, updated_at = $2
        WHERE id = $1 AND status = 'failed' RETURNING id`,
      [id, now],
    );
    return rowsOf(result).length > 0;
  }
}
