import { FakeClock } from '@firebreak/testing';
import { normaliseRunbook, Runbook, RunbookSchema } from '../../definitions/runbook.schema';
import { STEP_TYPES } from '../../definitions/step.schemas';
import { Engine } from '../engine';
import {
  EngineDefaults,
  EngineOptions,
  EngineState,
  ExecutionInfo,
  initialState,
  StepResult,
  StepRunContext,
  StepRunner,
  StepRunners,
} from '../engine.types';
import { StepFailure } from '../step-failure';
import { MemoryStore } from './memory-store';

/** What a scripted step does on each attempt: succeed, fail (retryable or not), or hang until aborted. */
export type Behaviour = 'ok' | 'fail' | 'fail-permanent' | 'hang' | ((ctx: StepRunContext) => Promise<StepResult>);

export class ScriptedRunner implements StepRunner {
  readonly calls: Array<{ stepId: string; attempt: number; at: number; aborted?: string }> = [];

  constructor(
    private readonly script: Record<string, Behaviour[]>,
    private readonly clock: FakeClock,
  ) {}

  async run(ctx: StepRunContext): Promise<StepResult> {
    const call = { stepId: ctx.step.id, attempt: ctx.attempt, at: this.clock.elapsedMs() } as (typeof this.calls)[number];
    this.calls.push(call);
    const plan = this.script[ctx.step.id] ?? ['ok'];
    const behaviour = plan[Math.min(this.calls.filter((c) => c.stepId === ctx.step.id).length - 1, plan.length - 1)];
    if (typeof behaviour === 'function') return behaviour(ctx);
    switch (behaviour) {
      case 'ok':
        return { outputs: { ran: ctx.step.id } };
      case 'fail':
        throw new StepFailure(`${ctx.step.id} broke`, true);
      case 'fail-permanent':
        throw new StepFailure(`${ctx.step.id} broke for good`, false);
      case 'hang':
        return new Promise((_, reject) =>
          ctx.signal.addEventListener('abort', () => {
            call.aborted = String((ctx.signal.reason as Error)?.message);
            reject(ctx.signal.reason as Error);
          }),
        );
    }
  }
}

export function runbookOf(doc: Record<string, unknown>): Runbook {
  return normaliseRunbook(RunbookSchema.parse({ id: 'test_rb', title: 'Test runbook', severity: 'critical', ...doc }));
}

export interface HarnessOptions {
  script?: Record<string, Behaviour[]>;
  mode?: ExecutionInfo['mode'];
  state?: EngineState;
  store?: MemoryStore;
  clock?: FakeClock;
  defaults?: Partial<EngineDefaults>;
  labels?: Record<string, string>;
  sloStates?: EngineOptions['sloStates'];
}

export function harness(runbook: Runbook, options: HarnessOptions = {}) {
  const clock = options.clock ?? new FakeClock();
  const store = options.store ?? new MemoryStore();
  const runner = new ScriptedRunner(options.script ?? {}, clock);
  const runners = Object.fromEntries(STEP_TYPES.map((type) => [type, runner])) as unknown as StepRunners;
  const cancel = new AbortController();
  const stop = new AbortController();
  const execution: ExecutionInfo = {
    id: 'exec-1',
    requestId: 'req-1',
    runbookId: runbook.id,
    mode: options.mode ?? 'live',
    trigger: 'alert',
    severity: 'critical',
  };
  const engine = new Engine({
    runbook,
    execution,
    scope: {
      alert: { name: 'ServiceDown', labels: options.labels ?? { instance: 'api-1' }, annotations: {} },
      context: {},
      params: {},
      execution: { id: execution.id, mode: execution.mode, runbookId: runbook.id, trigger: 'alert' },
      vars: {},
    },
    state: options.state ?? initialState(),
    store,
    runners,
    clock,
    cancel: cancel.signal,
    stop: stop.signal,
    defaults: { maxRetries: 3, stepTimeoutMs: 60_000, runbookTimeoutMs: 600_000, approvalRequired: false, ...options.defaults },
    sloStates: options.sloStates,
  });
  // As the executor does: the outcome's closing write takes what the engine deferred.
  const run = async () => {
    const outcome = await clock.run(engine.run());
    store.close(engine.closingState());
    return outcome;
  };
  return { engine, store, clock, runner, cancel, stop, run };
}
