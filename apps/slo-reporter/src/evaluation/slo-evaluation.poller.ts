import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { CONFIG, LOGGER, Poller } from '@firebreak/platform';
import { SloConfig } from '../service';
import { SloEvaluator } from './slo-evaluator.service';

/** Evaluates every SLO each FIREBREAK_SLO_EVAL_INTERVAL_MS. */
@Injectable()
export class SloEvaluationPoller implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly poller: Poller;

  constructor(evaluator: SloEvaluator, @Inject(CONFIG) config: SloConfig, @Inject(LOGGER) logger: Logger) {
    this.poller = new Poller({
      name: 'slo-evaluation',
      intervalMs: config.FIREBREAK_SLO_EVAL_INTERVAL_MS,
      tick: () => evaluator.evaluateAll(),
      logger,
    });
  }

  onApplicationBootstrap(): void {
    this.poller.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.poller.stop();
  }
}
