import { Inject, Injectable } from '@nestjs/common';
import { TransactionalMessaging } from '@firebreak/bus';
import { AuditLog, Clock, CLOCK, CONFIG } from '@firebreak/platform';
import { ExecutionFinalizer, Finalized } from '../lifecycle/execution-finalizer';
import { ExecutionsRepository } from '../lifecycle/executions.repository';
import { RunbookCatalogService } from '../runbooks/runbook-catalog.service';
import type { ExecutorConfig } from '../service';
import { AutomationRepository } from './automation.repository';
import { ExecutionGate } from './execution-gate';

/** The global switch for automatic runs (Postgres-backed, so every replica obeys it on the next request). */
@Injectable()
export class AutomationService {
  constructor(
    @Inject(CONFIG) private readonly config: ExecutorConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly messaging: TransactionalMessaging,
    private readonly repo: AutomationRepository,
    private readonly gate: ExecutionGate,
    private readonly catalog: RunbookCatalogService,
    private readonly audit: AuditLog,
    private readonly executions: ExecutionsRepository,
    private readonly finalizer: ExecutionFinalizer,
  ) {}

  async status() {
    const state = await this.repo.get();
    const now = this.clock.now();
    // One transaction's connection runs one query at a time: the runbooks are checked in turn.
    const circuits = await this.messaging.run(async (tx) => {
      const states = [];
      for (const { runbook } of this.catalog.list())
        states.push({ runbook: runbook.id, ...(await this.gate.circuitOpen(tx.manager, runbook, now)) });
      return states;
    });
    return {
      enabled: this.config.FIREBREAK_AUTOMATION_ENABLED,
      paused: state.paused,
      changedBy: state.changed_by,
      changedAt: state.changed_at,
      reason: state.reason,
      automaticRunsAllowed: this.config.FIREBREAK_AUTOMATION_ENABLED && !state.paused,
      approvalRequired: this.config.FIREBREAK_APPROVAL_REQUIRED,
      circuits,
    };
  }

  /** Pausing also skips (and escalates) automatic runs that are queued but not started yet. */
  async setPaused(paused: boolean, actor: string, reason: string | undefined) {
    const now = this.clock.now();
    const skipped = await this.messaging.run(async (tx) => {
      await this.repo.set(tx.manager, paused, actor, reason ?? null, now);
      const queued = paused ? await this.executions.lockUnstartedAutomatic(tx.manager) : [];
      const finalized: Finalized[] = [];
      const why = `automation paused by ${actor}${reason ? `: ${reason}` : ''} before this run started`;
      for (const row of queued)
        finalized.push(await this.finalizer.finalize(tx, row, { status: 'skipped', reason: why, escalate: true }, now));
      await this.audit.record(
        {
          actor,
          action: paused ? 'automation.pause' : 'automation.resume',
          target: 'automation',
          details: { reason, skipped: finalized.length },
        },
        tx.manager,
      );
      return finalized;
    });
    for (const finalized of skipped) this.finalizer.observe(finalized);
    return this.status();
  }
}
