import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { SloBudgetChanged } from '@firebreak/contracts';
import { InboxKey, TransactionalMessaging } from '@firebreak/bus';
import { Clock, CLOCK, LOGGER } from '@firebreak/platform';
import { SloState, sloView, SloView } from '../definitions/slo-scope';
import { SloStateRow, SloStatesRepository } from './slo-states.repository';

export interface SloStateEntry extends SloView {
  sloId: string;
  previousState: string | null;
  receivedAt: string;
}

const stateOf = (row: SloStateRow): SloState => ({
  sloId: row.slo_id,
  service: row.service,
  state: row.state,
  tier: row.tier,
  budgetRemaining: row.budget_remaining,
  changedAt: row.changed_at,
});

/**
 * The executor's own copy of SLO states, kept from `slo.budget.changed` so runbook conditions can
 * read them without calling the slo-reporter (services talk only through the bus).
 */
@Injectable()
export class SloStatesService {
  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly messaging: TransactionalMessaging,
    private readonly repo: SloStatesRepository,
  ) {}

  async onBudgetChanged(change: SloBudgetChanged, inbox: InboxKey): Promise<void> {
    const result = await this.messaging.run(async (tx) => this.repo.upsert(tx.manager, change, inbox.eventId, this.clock.now()), inbox);
    if (!result.duplicate && !result.result)
      this.logger.info({ sloId: change.sloId, at: change.at, state: change.state }, 'older SLO state ignored: a newer one is kept');
  }

  /** For the engine: every known SLO (a handful), read when a condition refers to `slo`. */
  async states(): Promise<SloState[]> {
    return (await this.repo.all()).map(stateOf);
  }

  async list(): Promise<SloStateEntry[]> {
    return (await this.repo.all()).map((row) => ({
      sloId: row.slo_id,
      ...sloView(stateOf(row)),
      previousState: row.previous_state,
      receivedAt: row.received_at.toISOString(),
    }));
  }
}
