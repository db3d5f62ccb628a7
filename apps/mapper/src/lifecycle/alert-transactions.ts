import { Inject, Injectable } from '@nestjs/common';
import { InboxBatch, InboxKey, TransactionalMessaging } from '@firebreak/bus';
import { Severity } from '@firebreak/contracts';
import { CONFIG } from '@firebreak/platform';
import { Clock } from '../core/clock';
import { ESCALATION_POLICY } from '../core/core.module';
import { MapperConfig } from '../service';
import { AlertEffects, EffectDependencies } from './alert-effects';
import { HistoryRepository } from './history.repository';
import { RunbookRequestsRepository } from './runbook-requests.repository';
import { TimersRepository } from './timers.repository';

export type Outcome<T> = { duplicate: true } | { duplicate: false; result: T };

/**
 * Runs alert work in one transaction with its effects; the inbox key makes a redelivery a no-op.
 * With an inbox batch, `work` gets the ids that are new and handles only those.
 */
@Injectable()
export class AlertTransactions {
  private readonly deps: EffectDependencies;

  constructor(
    private readonly messaging: TransactionalMessaging,
    private readonly clock: Clock,
    history: HistoryRepository,
    timers: TimersRepository,
    requests: RunbookRequestsRepository,
    @Inject(CONFIG) config: MapperConfig,
    @Inject(ESCALATION_POLICY) escalationPolicy: ReadonlyMap<Severity, number>,
  ) {
    this.deps = { history, timers, requests, escalationPolicy, automationEnabled: config.FIREBREAK_AUTOMATION_ENABLED };
  }

  async run<T>(work: (effects: AlertEffects, fresh: ReadonlySet<string>) => Promise<T>, inbox?: InboxKey | InboxBatch): Promise<Outcome<T>> {
    let effects: AlertEffects | undefined;
    const outcome = await this.messaging.run(async (tx, fresh) => {
      effects = new AlertEffects(tx, this.deps, this.clock);
      const result = await work(effects, fresh);
      await effects.flush();
      return result;
    }, inbox);
    if (outcome.duplicate) return outcome;
    effects?.committed();
    return { duplicate: false, result: outcome.result };
  }
}
