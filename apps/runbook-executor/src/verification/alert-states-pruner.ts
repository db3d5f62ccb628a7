import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { Clock, CLOCK, CONFIG, LOGGER } from '@firebreak/platform';
import type { ExecutorConfig } from '../service';
import { VerificationRepository } from './verification.repository';

/** How often a replica prunes, and how much one prune deletes at most (in statements of PRUNE_BATCH rows). */
export const PRUNE_EVERY_MS = 60_000;
export const PRUNE_BATCH = 1_000;
const PRUNE_STATEMENTS = 10;

/**
 * Deletes the states of alerts resolved longer ago than FIREBREAK_ALERT_STATE_RETENTION_MS that no run still needs
 * (VerificationRepository.pruneAlertStates): every alert's state is stored, so without it the table only grows.
 * Called on every timer sweep, it prunes once every PRUNE_EVERY_MS, in bounded statements, so a backlog (a first
 * prune after an upgrade) is worked off over several sweeps and never holds a connection long.
 */
@Injectable()
export class AlertStatesPruner {
  private nextAt = Number.NEGATIVE_INFINITY;

  constructor(
    @Inject(CONFIG) private readonly config: ExecutorConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly repo: VerificationRepository,
  ) {}

  /** Prunes when it is time; answers how many states it deleted. */
  async pruneIfDue(): Promise<number> {
    const now = this.clock.now().getTime();
    if (now < this.nextAt) return 0;
    this.nextAt = now + PRUNE_EVERY_MS;
    const before = new Date(now - this.config.FIREBREAK_ALERT_STATE_RETENTION_MS);
    let pruned = 0;
    for (let statement = 0; statement < PRUNE_STATEMENTS; statement++) {
      const deleted = await this.repo.pruneAlertStates(before, PRUNE_BATCH);
      pruned += deleted;
      if (deleted < PRUNE_BATCH) break;
    }
    if (pruned) this.logger.debug({ pruned, before }, 'pruned the states of alerts resolved long ago');
    return pruned;
  }
}
