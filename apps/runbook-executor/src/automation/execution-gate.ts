import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { RunbookRequested } from '@firebreak/contracts';
import { CONFIG } from '@firebreak/platform';
import { executorMetrics } from '../common/metrics';
import { ExecutorSettings, SETTINGS } from '../common/settings';
import { runbookLabel } from '../definitions/metric-labels';
import { Runbook } from '../definitions/runbook.schema';
import { ExecutionsRepository } from '../lifecycle/executions.repository';
import type { ExecutorConfig } from '../service';
import { AutomationRepository } from './automation.repository';

export type Admission = { admitted: true } | { admitted: false; rule: string; reason: string };

export interface GateInput {
  runbookId: string;
  runbook: Runbook | undefined;
  /** How the mapper chose the runbook; `annotation` is the alert sender's choice, not an admin's. */
  selectedBy?: RunbookRequested['selectedBy'];
  /** The concurrency key, else the fingerprint: what loop protection counts runs of. */
  loopKey: string;
  now: Date;
}

/**
 * The safety rules an automatic (alert-triggered) run must pass; manual runs and drills are not
 * gated. Decided inside the creating transaction, under a lock on the runbook and key, so two
 * replicas cannot both let the run past a limit.
 */
@Injectable()
export class ExecutionGate {
  constructor(
    @Inject(CONFIG) private readonly config: ExecutorConfig,
    @Inject(SETTINGS) private readonly settings: ExecutorSettings,
    private readonly automation: AutomationRepository,
    private readonly executions: ExecutionsRepository,
  ) {}

  async admitAutomatic(manager: EntityManager, input: GateInput): Promise<Admission> {
    const decision = await this.admission(manager, input);
    if (!decision.admitted) executorMetrics.skipped.inc({ runbook: runbookLabel(input.runbook), rule: decision.rule });
    return decision;
  }

  async circuitOpen(manager: EntityManager, runbook: Runbook, now: Date): Promise<{ open: boolean; failures: number; threshold: number }> {
    const breaker = runbook.circuitBreaker ?? this.settings.automation.circuitBreaker;
    const failures = await this.executions.breakerFailures(manager, runbook.id, new Date(now.getTime() - breaker.window));
    const open = failures >= breaker.failures;
    executorMetrics.circuitOpen.set({ runbook: runbook.id }, open ? 1 : 0);
    return { open, failures, threshold: breaker.failures };
  }

  private async admission(manager: EntityManager, { runbookId, runbook, selectedBy, loopKey, now }: GateInput): Promise<Admission> {
    if (!runbook) return { admitted: false, rule: 'unknown_runbook', reason: `runbook ${runbookId} is not loaded` };
    // Any alert sender can set annotations: without the runbook's opt-in it could run maintenance or page
    // people with its own text. Requests from before `selectedBy` existed carry none and are mappings' choices.
    if (selectedBy === 'annotation' && runbook.selectable !== 'annotation')
      return {
        admitted: false,
        rule: 'not_selectable',
        reason: `runbook ${runbookId} was chosen by the alert's automation_runbook annotation, and it does not opt in to that (selectable: annotation)`,
      };
    if (runbook.mode === 'manual')
      return { admitted: false, rule: 'manual_only', reason: `runbook ${runbookId} is manual: it never runs for an alert` };
    if (!this.config.FIREBREAK_AUTOMATION_ENABLED)
      return { admitted: false, rule: 'automation_disabled', reason: 'automation is disabled (FIREBREAK_AUTOMATION_ENABLED=false)' };
    const state = await this.automation.get(manager);
    if (state.paused)
      return {
        admitted: false,
        rule: 'automation_paused',
        reason: `automation is paused by ${state.changed_by ?? 'an admin'}${state.reason ? `: ${state.reason}` : ''}`,
      };
    await this.executions.lockKey(manager, runbookId, loopKey);
    const circuit = await this.circuitOpen(manager, runbook, now);
    if (circuit.open)
      return {
        admitted: false,
        rule: 'circuit_open',
        reason: `circuit breaker open: ${circuit.failures} failures of ${runbookId} in its window (threshold ${circuit.threshold})`,
      };
    const loop = runbook.loop ?? this.settings.automation.loopProtection;
    const runs = await this.executions.recentAutomaticRuns(manager, runbookId, loopKey, new Date(now.getTime() - loop.window));
    if (runs >= loop.maxRuns)
      return {
        admitted: false,
        rule: 'loop_protection',
        reason: `loop protection: ${runs} automatic runs of ${runbookId} for "${loopKey}" in the window (max ${loop.maxRuns})`,
      };
    return { admitted: true };
  }
}
