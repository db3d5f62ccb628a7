import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { DependencyUnavailableError, isConnectionFailure, TransactionalMessaging } from '@firebreak/bus';
import { Clock, CLOCK, CONFIG, LOGGER } from '@firebreak/platform';
import { Channel } from '../channel-config/channel-set';
import { notifierMetrics } from '../metrics';
import { NotifierConfig } from '../service';
import { DeliveryOutcomesRepository } from './delivery-outcomes.repository';
import { Attempt, OutcomeWriter } from './outcome-writer';
import { RateBucketsRepository } from './rate-buckets.repository';

export type { Attempt } from './outcome-writer';

interface Answered {
  channel: Channel;
  attempt: Attempt;
}

// While Postgres is away the answers wait in memory; a retry every second at most finds it back
// soon after it returns, well before the leases of the deliveries it holds run out.
const RECORD_RETRY_MS = [250, 500, 1_000];

/** Whether waiting can help: Postgres was away or busy, not the answer wrong. */
function isOutage(error: unknown): boolean {
  return error instanceof DependencyUnavailableError || isConnectionFailure(error);
}

/**
 * Records each answer as soon as the provider gave it, and announces the final ones (delivered /
 * failed) in the same transaction. Answers that arrive while a write is running go in the next
 * one (micro-batches), so a crash can repeat at most the sends still on the wire.
 *
 * An answer whose write fails because Postgres is away is kept and written once it is back, and
 * meanwhile this replica claims nothing (`backedUp`). With one replica that is the whole story:
 * nothing is sent again. With several, an outage longer than the lease (twice the HTTP timeout + 30 s) can
 * still make a delivery go out twice, with the same idempotency key: once Postgres is back another
 * replica may claim the row, its lease over, before this one wrote the answer. That late answer is
 * then fenced out (the row's claim token no longer matches) and neither recorded nor announced.
 *
 * A write that fails for another reason (Postgres refused the data) is retried answer by answer so
 * one bad answer cannot take the others down; an answer that still fails is written without its
 * excerpt and error text, and only if that fails too is it dropped (its delivery goes out again
 * after its lease).
 */
@Injectable()
export class OutcomeRecorder {
  private readonly writer: OutcomeWriter;
  private readonly waiting: Answered[] = [];
  /** Settles each taken answer's `submit` promise once it is written (or dropped for good). */
  private readonly settled = new Map<Attempt, () => void>();
  private writing?: Promise<void>;
  private outage = false;
  private abandoned = false;

  constructor(
    messaging: TransactionalMessaging,
    deliveries: DeliveryOutcomesRepository,
    buckets: RateBucketsRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CONFIG) config: NotifierConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.writer = new OutcomeWriter(messaging, deliveries, buckets, clock, config, logger);
  }

  /**
   * Takes a provider's answer; it is written in the next micro-batch. Resolves once it is written
   * (or dropped for good): a send holds its channel's slot until then, so the sends a crash can
   * repeat — on the wire or answered but not yet written — never exceed the channel's concurrency.
   */
  submit(channel: Channel, attempt: Attempt): Promise<void> {
    // After shutdown gave up on Postgres, a late answer is kept for a last try but holds nothing up.
    if (this.abandoned) {
      this.waiting.push({ channel, attempt });
      return Promise.resolve();
    }
    const written = new Promise<void>((resolve) => this.settled.set(attempt, resolve));
    this.waiting.push({ channel, attempt });
    this.writing ??= this.writeWaiting().finally(() => (this.writing = undefined));
    return written;
  }

  /**
   * Shutdown gave up waiting for Postgres: lets every send still waiting for its answer to be written
   * end. Returns how many answers are lost with the process (sent again after their lease).
   */
  abandon(): number {
    this.abandoned = true;
    const unwritten = this.settled.size;
    for (const release of this.settled.values()) release();
    this.settled.clear();
    return unwritten;
  }

  /** Answers not yet written (Postgres away, or a write in progress). */
  get unwritten(): number {
    return this.waiting.length;
  }

  /**
   * True from a write that failed because Postgres was away until the answers it kept are written.
   * Answers merely waiting for the next micro-batch do not count. While it is set the replica
   * claims nothing: a claim would run before its own answers are written.
   */
  get backedUp(): boolean {
    return this.outage;
  }

  /**
   * Waits until every answer taken is written, at most `timeoutMs`; returns how many are still
   * unwritten (their deliveries are sent again once their lease runs out).
   */
  async drain(timeoutMs: number): Promise<number> {
    const deadline = this.clock.now().getTime() + timeoutMs;
    while (this.writing && this.clock.now().getTime() < deadline) {
      await Promise.race([this.writing, this.clock.sleep(Math.min(100, Math.max(1, deadline - this.clock.now().getTime())))]);
    }
    return this.waiting.length;
  }

  private async writeWaiting(): Promise<void> {
    let failures = 0;
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0);
      const { unwritten, outage } = await this.writeBatch(batch);
      const kept = new Set(unwritten.map((answer) => answer.attempt));
      for (const { attempt } of batch) if (!kept.has(attempt)) this.release(attempt);
      if (unwritten.length === 0) {
        if (failures > 0) this.logger.info({ written: batch.length }, 'Postgres is back: delivery outcomes written');
        failures = 0;
        this.outage = false;
        continue;
      }
      // Only what an outage kept from being written goes back, ahead of what came in meanwhile.
      this.waiting.unshift(...unwritten);
      this.outage = true;
      if (failures === 0)
        this.logger.warn(
          { err: outage, unwritten: this.waiting.length },
          'Postgres is away: keeping delivery outcomes until they can be written and claiming nothing meanwhile ' +
            '(should it outlast their lease, another replica may send those deliveries again, with the same idempotency key)',
        );
      notifierMetrics.outcomesUnwritten.set(this.waiting.length);
      await this.clock.sleep(RECORD_RETRY_MS[Math.min(failures, RECORD_RETRY_MS.length - 1)]);
      failures++;
    }
    this.outage = false;
    notifierMetrics.outcomesUnwritten.set(0);
  }

  private release(attempt: Attempt): void {
    this.settled.get(attempt)?.();
    this.settled.delete(attempt);
  }

  /**
   * Writes a micro-batch, one transaction per channel. On an outage it stops and returns what is
   * still unwritten: the answers of the failed write and of the channels not tried yet.
   */
  private async writeBatch(batch: Answered[]): Promise<{ unwritten: Answered[]; outage?: unknown }> {
    const groups = [...byChannel(batch)];
    for (const [index, [channel, attempts]] of groups.entries()) {
      const failed = await this.writeChannel(channel, attempts);
      if (failed)
        return {
          unwritten: [
            ...failed.unwritten,
            ...groups.slice(index + 1).flatMap(([c, rest]) => rest.map((attempt) => ({ channel: c, attempt }))),
          ],
          outage: failed.outage,
        };
    }
    return { unwritten: [] };
  }

  /** Writes one channel's answers; returns those an outage kept from being written, or nothing. */
  private async writeChannel(channel: Channel, attempts: Attempt[]): Promise<{ unwritten: Answered[]; outage: unknown } | undefined> {
    try {
      await this.writer.record(channel, attempts);
      return undefined;
    } catch (error) {
      if (isOutage(error)) return { unwritten: attempts.map((attempt) => ({ channel, attempt })), outage: error };
      if (attempts.length > 1)
        this.logger.warn(
          { err: error, channel: channel.name, deliveries: attempts.length },
          'writing delivery outcomes failed; writing them one by one',
        );
      for (const [index, attempt] of attempts.entries()) {
        const outage = await this.writeAlone(channel, attempt, attempts.length > 1 ? undefined : error);
        if (outage !== undefined) return { unwritten: attempts.slice(index).map((a) => ({ channel, attempt: a })), outage };
      }
      return undefined;
    }
  }

  /**
   * Writes one answer (`failed`: the error its own write already met); when Postgres refuses it,
   * once more without its excerpt and error text; when that fails too, drops it. Returns the
   * error of an outage met on the way (the answer is then still unwritten).
   */
  private async writeAlone(channel: Channel, attempt: Attempt, failed?: unknown): Promise<unknown> {
    let refused = failed;
    if (refused === undefined) {
      try {
        await this.writer.record(channel, [attempt]);
        return undefined;
      } catch (error) {
        if (isOutage(error)) return error;
        refused = error;
      }
    }
    const log = { channel: channel.name, deliveryId: attempt.delivery.id, attempts: attempt.delivery.attempts };
    try {
      await this.writer.record(channel, [attempt], { texts: false });
      this.logger.warn(
        { ...log, err: refused },
        'delivery outcome written without its response excerpt and error text: Postgres refused them',
      );
      return undefined;
    } catch (error) {
      if (isOutage(error)) return error;
      this.logger.error(
        { ...log, err: error, firstError: refused },
        'writing a delivery outcome failed; it is dropped and the delivery will be sent again after its lease',
      );
      return undefined;
    }
  }
}

function byChannel(answers: Answered[]): Map<Channel, Attempt[]> {
  const groups = new Map<Channel, Attempt[]>();
  for (const { channel, attempt } of answers) groups.set(channel, [...(groups.get(channel) ?? []), attempt]);
  return groups;
}
