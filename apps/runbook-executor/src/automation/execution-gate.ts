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
    private readonly executions: ExecutionsRepository,
  ) {}

  async admitAutomatic(manager: EntityManager, input: GateInput): Promise<Admission> {
    return (await this.admitMany(manager, [input]))[0];
  }

  /**
   * Decides many automatic runs in one transaction with two statements: every key locked, then
   * everything the rules read. Each is decided in order, as if recorded one after another: a run
   * admitted earlier in the batch counts towards the loop protection of a later one of its key.
   */
  async admitMany(manager: EntityManager, inputs: GateInput[]): Promise<Admission[]> {
    const decisions = inputs.map((input) => this.refusal(input));
    const open = inputs.filter((_, index) => !decisions[index]);
    if (open.length) {
      await this.executions.lockKeys(
        manager,
        open.map((input) => ({ runbookId: input.runbookId, key: input.loopKey })),
      );
      const reads = await this.read(manager, open);
      const admittedHere = new Map<string, number>();
      inputs.forEach((input, index) => {
        if (decisions[index]) return;
        const decision = this.decide(input, reads, admittedHere);
        if (decision.admitted) admittedHere.set(loopId(input), (admittedHere.get(loopId(input)) ?? 0) + 1);
        decisions[index] = decision;
      });
    }
    return decisions.map((decision, index) => {
      if (!decision!.admitted) executorMetrics.skipped.inc({ runbook: runbookLabel(inputs[index].runbook), rule: decision!.rule });
      return decision!;
    });
  }

  async circuitOpen(manager: EntityManager, runbook: Runbook, now: Date): Promise<{ open: boolean; failures: number; threshold: number }> {
    const breaker = runbook.circuitBreaker ?? this.settings.automation.circuitBreaker;
    const failures = await this.executions.breakerFailures(manager, runbook.id, new Date(now.getTime() - breaker.window));
    const open = failures >= breaker.failures;
    executorMetrics.circuitOpen.set({ runbook: runbook.id }, open ? 1 : 0);
    return { open, failures, threshold: breaker.failures };
  }

  /** The rules decided without Postgres; undefined when the run must be checked against what is recorded. */
  private refusal({ runbookId, runbook, selectedBy }: GateInput): Admission | undefined {
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
    return undefined;
  }

  /** One statement for the batch; the windows are those of each runbook's first run in it. */
  private async read(manager: EntityManager, open: GateInput[]): Promise<GateReads> {
    const breakers = new Map<string, { runbookId: string; since: Date }>();
    const loops = new Map<string, { runbookId: string; key: string; since: Date }>();
    for (const { runbookId, runbook, loopKey, now } of open) {
      const breaker = runbook!.circuitBreaker ?? this.settings.automation.circuitBreaker;
      if (!breakers.has(runbookId)) breakers.set(runbookId, { runbookId, since: new Date(now.getTime() - breaker.window) });
      const loop = runbook!.loop ?? this.settings.automation.loopProtection;
      const id = loopId({ runbookId, loopKey });
      if (!loops.has(id)) loops.set(id, { runbookId, key: loopKey, since: new Date(now.getTime() - loop.window) });
    }
    const rows = await this.executions.gateReads(manager, [...breakers.values()], [...loops.values()]);
    const reads: GateReads = { paused: undefined, failures: new Map(), runs: new Map() };
    for (const row of rows)
      if (row.kind === 'switch') reads.paused = row.n ? { by: row.changed_by, reason: row.reason } : undefined;
      else if (row.kind === 'breaker') reads.failures.set(row.runbook_id!, row.n);
      else reads.runs.set(loopId({ runbookId: row.runbook_id!, loopKey: row.key! }), row.n);
    return reads;
  }

  private decide(input: GateInput, reads: GateReads, admittedHere: Map<string, number>): Admission {
    const { runbookId, loopKey } = input;
    const runbook = input.runbook!;
    if (reads.paused)
      return {
        admitted: false,
        rule: 'automation_paused',
        reason: `automation is paused by ${reads.paused.by ?? 'an admin'}${reads.paused.reason ? `: ${reads.paused.reason}` : ''}`,
      };
    const breaker = runbook.circuitBreaker ?? this.settings.automation.circuitBreaker;
    const failures = reads.failures.get(runbookId) ?? 0;
    executorMetrics.circuitOpen.set({ runbook: runbookId }, failures >= breaker.failures ? 1 : 0);
    if (failures >= breaker.failures)
      return {
        admitted: false,
        rule: 'circuit_open',
        reason: `circuit breaker open: ${failures} failures of ${runbookId} in its window (threshold ${breaker.failures})`,
      };
    const loop = runbook.loop ?? this.settings.automation.loopProtection;
    const runs = (reads.runs.get(loopId(input)) ?? 0) + (admittedHere.get(loopId(input)) ?? 0);
    if (runs >= loop.maxRuns)
      return {
        admitted: false,
        rule: 'loop_protection',
        reason: `loop protection: ${runs} automatic runs of ${runbookId} for "${loopKey}" in the window (max ${loop.maxRuns})`,
      };
    return { admitted: true };
  }
}

interface GateReads {
  paused: { by: string | null; reason: string | null } | undefined;
  failures: Map<string, number>;
  runs: Map<string, number>;
}

/** Runbook and loop key as one map key (NUL cannot occur in either: both are stored as Postgres text). */
function loopId({ runbookId, loopKey }: Pick<GateInput, 'runbookId' | 'loopKey'>): string {
  return `${runbookId}\u0000${loopKey}`;
}
