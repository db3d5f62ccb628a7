import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { CONFIG, LOGGER, Poller } from '@firebreak/platform';
import { SloConfig } from '../service';
import { SloEvaluator } from './slo-evaluator.service';

/** Evaluates every SLO each FIREBREAK_SLO_EVAL_INTERVAL_MS. */
@Injectable()
export class SloEvaluationPoller implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly poller: Poller;

  constructor(
    private readonly evaluator: SloEvaluator,
    @Inject(CONFIG) config: SloConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.poller = new Poller({
      name: 'slo-evaluation',
      intervalMs: config.FIREBREAK_SLO_EVAL_INTERVAL_MS,
      tick: () => evaluator.evaluateAll(),
      logger,
    });
  }

  /**
   * Resolves the alerts of SLOs removed from (or relabelled in) slos.yaml before the first tick, so a
   * restart with a new file does not wait an interval to clean up; a failure here is retried by each tick.
   */
  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.evaluator.resolveOrphans();
    } catch (error) {
      this.logger.warn({ err: error }, 'could not resolve the alerts of removed or relabelled SLOs at start; the next evaluation retries');
    }
    this.poller.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.poller.stop();
  }
}
