import { SloState } from '../definitions/slo-scope';
import { StepRunContext } from './engine.types';
import { harness, runbookOf } from './testing/engine-harness';
import { MemoryStore } from './testing/memory-store';

const http = (id: string, extra: Record<string, unknown> = {}) => ({ id, uses: 'http', with: { url: 'http://127.0.0.1/x' }, ...extra });
const post = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  uses: 'http',
  with: { method: 'POST', url: 'http://127.0.0.1/x' },
  ...extra,
});

function hangUntilAborted(ctx: StepRunContext): Promise<never> {
  return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error)));
}

describe('engine: order, conditions and outputs', () => {
  it('runs steps in order and lets a condition read an earlier outcome', async () => {
    const runbook = runbookOf({
      steps: [http('probe', { onFailure: 'continue' }), post('restart', { if: "steps.probe.outcome == 'failure'" }), http('verify')],
    });
    const failing = harness(runbook, { script: { probe: ['fail-permanent'] } });
    expect(await failing.run()).toMatchObject({ status: 'succeeded' });
    expect(failing.store.trail()).toEqual(['probe:failed', 'restart:succeeded', 'verify:succeeded']);

    const healthy = harness(runbook);
    expect(await healthy.run()).toMatchObject({ status: 'succeeded' });
    expect(healthy.store.trail()).toEqual(['probe:succeeded', 'restart:skipped', 'verify:succeeded']);
    expect(healthy.store.attempts.find((a) => a.stepId === 'restart')?.error).toBe('condition is false');
  });

  it('gives later steps the outputs of earlier ones', async () => {
    const seen: unknown[] = [];
    const runbook = runbookOf({ steps: [http('count'), http('use', { if: 'steps.count.outputs.total > 2' })] });
    const h = harness(runbook, {
      script: {
        count: [async () => ({ outputs: { total: 3 } })],
        use: [async (ctx) => (seen.push(ctx.scope.steps.count), { outputs: {} })],
      },
    });
    await h.run();
    expect(seen).toEqual([{ outcome: 'success', outputs: { total: 3 } }]);
  });
});

describe('engine: conditions over SLO states', () => {
  const burning = (sloId: string): SloState => ({
    sloId,
    service: 'api',
    state: 'burning',
    tier: 'page',
    budgetRemaining: 0.3,
    changedAt: new Date(0),
  });

  it('reads the states when the step comes up, not when the run began, and only for conditions that refer to slo', async () => {
    const states: SloState[] = [];
    let reads = 0;
    const runbook = runbookOf({
      steps: [
        http('first', { if: "!slo['api-availability'].burning" }),
        http('plain', { if: "steps.first.outcome == 'success'" }),
        post('restart', { if: "!slo['api-availability'].burning" }),
        http('page', { if: "slo['api-availability'].burning && slo['api-availability'].budgetRemaining < 0.5" }),
      ],
    });
    const h = harness(runbook, {
      // The SLO starts burning while the first step runs.
      script: { first: [async () => (states.push(burning('api-availability')), { outputs: {} })] },
      sloStates: async () => (reads++, [...states]),
    });
    expect(await h.run()).toMatchObject({ status: 'succeeded' });
    expect(h.store.trail()).toEqual(['first:succeeded', 'plain:succeeded', 'restart:skipped', 'page:succeeded']);
    expect(reads).toBe(3);
  });

  it('treats every SLO as unknown (not burning) when no states are given', async () => {
    const h = harness(runbookOf({ steps: [post('restart', { if: "!slo.api.burning && slo.api.state == 'unknown'" })] }));
    expect(await h.run()).toMatchObject({ status: 'succeeded' });
    expect(h.store.trail()).toEqual(['restart:succeeded']);
  });
});

describe('engine: retries, backoff and timeouts (virtual clock)', () => {
  it('retries a failing step with exponential backoff, then succeeds', async () => {
    const runbook = runbookOf({ steps: [http('probe', { retries: { max: 3, backoff: '1s' } })] });
    const h = harness(runbook, { script: { probe: ['fail', 'fail', 'ok'] } });
    expect(await h.run()).toMatchObject({ status: 'succeeded' });
    expect(h.runner.calls.map((c) => c.at)).toEqual([0, 1_000, 3_000]);
    expect(h.store.trail()).toEqual(['probe:failed', 'probe:failed', 'probe:succeeded']);
    expect(h.store.attempts.filter((a) => a.status !== 'running').map((a) => a.attempt)).toEqual([1, 2, 3]);
  });

  it('caps the backoff and gives up after max retries', async () => {
    const runbook = runbookOf({ steps: [http('probe', { retries: { max: 3, backoff: '10s', factor: 3, maxBackoff: '20s' } })] });
    const h = harness(runbook, { script: { probe: ['fail'] } });
    expect(await h.run()).toMatchObject({ status: 'failed', reason: 'step probe failed: probe broke' });
    expect(h.runner.calls.map((c) => c.at)).toEqual([0, 10_000, 30_000, 50_000]);
  });

  it('uses FIREBREAK_REMEDIATION_MAX_RETRIES for safe steps but never retries a mutating step unless told to', async () => {
    const safe = harness(runbookOf({ steps: [http('probe')] }), { script: { probe: ['fail'] }, defaults: { maxRetries: 2 } });
    await safe.run();
    expect(safe.runner.calls).toHaveLength(3);
    const mutating = harness(runbookOf({ steps: [post('restart')] }), { script: { restart: ['fail'] }, defaults: { maxRetries: 2 } });
    await mutating.run();
    expect(mutating.runner.calls).toHaveLength(1);
    const idempotent = harness(runbookOf({ steps: [post('restart', { idempotent: true })] }), {
      script: { restart: ['fail'] },
      defaults: { maxRetries: 2 },
    });
    await idempotent.run();
    expect(idempotent.runner.calls).toHaveLength(3);
  });

  it('does not retry a permanent failure', async () => {
    const h = harness(runbookOf({ steps: [http('probe')] }), { script: { probe: ['fail-permanent'] } });
    await h.run();
    expect(h.runner.calls).toHaveLength(1);
  });

  it('aborts a step at its timeout and counts it as a retryable failure', async () => {
    const runbook = runbookOf({ steps: [http('probe', { timeout: '5s', retries: { max: 1, backoff: '1s' } })] });
    const h = harness(runbook, { script: { probe: ['hang'] } });
    const outcome = await h.run();
    expect(outcome).toMatchObject({ status: 'failed', reason: 'step probe failed: timed out after 5s' });
    expect(h.runner.calls.map((c) => [c.at, c.aborted])).toEqual([
      [0, 'timed out after 5s'],
      [6_000, 'timed out after 5s'],
    ]);
    expect(h.clock.elapsedMs()).toBe(11_000);
  });

  it('stops at the runbook timeout even inside a long step', async () => {
    const runbook = runbookOf({ timeout: '30s', steps: [http('a'), http('slow', { timeout: '10m' })] });
    const h = harness(runbook, { script: { slow: ['hang'] } });
    expect(await h.run()).toMatchObject({ status: 'timed_out', reason: 'the runbook timeout was reached during step slow' });
    expect(h.clock.elapsedMs()).toBe(30_000);
  });
});

describe('engine: onFailure and rollback', () => {
  const withRollbacks = (onFailure: string) =>
    runbookOf({
      steps: [
        post('a', { rollback: [{ uses: 'notify', with: { text: 'undo a' } }] }),
        post('b', {
          rollback: [
            { id: 'undo_b1', uses: 'notify', with: { text: 'undo b 1' } },
            { id: 'undo_b2', uses: 'notify', with: { text: 'undo b 2' } },
          ],
        }),
        http('skipped_one', { if: 'false', rollback: [{ id: 'never', uses: 'notify', with: { text: 'not run' } }] }),
        post('c', { onFailure, rollback: [{ id: 'undo_c', uses: 'notify', with: { text: 'undo c' } }] }),
        http('d'),
      ],
    });

  it('rolls back the failing step, then the finished steps newest first', async () => {
    const h = harness(withRollbacks('rollback'), { script: { c: ['fail-permanent'] } });
    expect(await h.run()).toMatchObject({ status: 'failed', escalate: false });
    expect(h.store.trail()).toEqual([
      'a:succeeded',
      'b:succeeded',
      'skipped_one:skipped',
      'c:failed',
      'rb:undo_c:succeeded',
      'rb:undo_b1:succeeded',
      'rb:undo_b2:succeeded',
      'rb:a_rollback_1:succeeded',
    ]);
  });

  it('reports a rollback step that fails and escalates', async () => {
    const h = harness(withRollbacks('rollback'), { script: { c: ['fail-permanent'], undo_b1: ['fail-permanent'] } });
    expect(await h.run()).toMatchObject({
      status: 'failed',
      escalate: true,
      reason: expect.stringContaining('rollback failed at undo_b1'),
    });
    expect(h.store.trail().slice(-3)).toEqual(['rb:undo_b1:failed', 'rb:undo_b2:succeeded', 'rb:a_rollback_1:succeeded']);
  });

  it('continues past a step marked continue, aborts or escalates otherwise, without rollback', async () => {
    const cont = harness(withRollbacks('continue'), { script: { c: ['fail-permanent'] } });
    expect(await cont.run()).toMatchObject({ status: 'succeeded' });
    expect(cont.store.trail().slice(-2)).toEqual(['c:failed', 'd:succeeded']);
    const abort = harness(withRollbacks('abort'), { script: { c: ['fail-permanent'] } });
    expect(await abort.run()).toMatchObject({ status: 'failed', escalate: false });
    expect(abort.store.trail().some((entry) => entry.startsWith('rb:'))).toBe(false);
    const escalate = harness(withRollbacks('escalate'), { script: { c: ['fail-permanent'] } });
    expect(await escalate.run()).toMatchObject({ status: 'failed', escalate: true });
  });
});

describe('engine: modes', () => {
  it('dry_run and drill skip mutating steps (reported), and run the rest for real', async () => {
    for (const mode of ['dry_run', 'drill'] as const) {
      const h = harness(
        runbookOf({
          steps: [http('probe'), post('restart'), { id: 'shell', uses: 'command', with: { path: '/bin/true' } }, http('verify')],
        }),
        { mode },
      );
      expect(await h.run()).toMatchObject({ status: 'succeeded' });
      expect(h.store.trail()).toEqual(['probe:succeeded', 'restart:skipped', 'shell:skipped', 'verify:succeeded']);
      expect(h.store.attempts.find((a) => a.stepId === 'restart')?.error).toBe(`${mode}: mutating step not run`);
      expect(h.runner.calls.map((c) => c.stepId)).toEqual(['probe', 'verify']);
    }
  });
});

describe('engine: cancel and stop', () => {
  it('a cancel aborts the running step and, when the runbook says so, rolls back finished steps', async () => {
    const runbook = runbookOf({
      onCancel: 'rollback',
      steps: [
        post('a', { rollback: [{ uses: 'notify', with: { text: 'undo a' } }] }),
        { id: 'pause', uses: 'wait', with: { duration: '10m' } },
      ],
    });
    let h: ReturnType<typeof harness> | undefined = undefined;
    h = harness(runbook, { script: { pause: [async (ctx) => (h!.cancel.abort('operator: wrong alert'), hangUntilAborted(ctx))] } });
    expect(await h.run()).toEqual({ status: 'cancelled', reason: 'operator: wrong alert', escalate: false });
    expect(h.store.trail()).toEqual(['a:succeeded', 'pause:cancelled', 'rb:a_rollback_1:succeeded']);
  });

  it('a stop hands back at once from a re-runnable step, leaving it to run again', async () => {
    const runbook = runbookOf({ steps: [http('a'), { id: 'pause', uses: 'wait', with: { duration: '10m' } }] });
    let h: ReturnType<typeof harness> | undefined = undefined;
    h = harness(runbook, { script: { pause: [async (ctx) => (h!.stop.abort(), hangUntilAborted(ctx))] } });
    expect(await h.run()).toEqual({ status: 'released' });
    expect(h.store.saved).toMatchObject({ cursor: 1, completed: ['a'] });
    expect(h.store.saved?.steps.pause).toBeUndefined();
  });
});

describe('engine: approvals', () => {
  const runbook = runbookOf({ steps: [http('probe'), post('restart', { risk: 'high' }), http('verify')] });

  it('waits for approval of a high-risk step when approvals are required, then resumes there', async () => {
    const store = new MemoryStore();
    const first = harness(runbook, { store, defaults: { approvalRequired: true } });
    expect(await first.run()).toEqual({ status: 'waiting_approval', stepId: 'restart' });
    expect(store.approvalRequests).toEqual([{ stepId: 'restart', summary: 'Test runbook: restart' }]);
    store.approvals.set('restart', 'approved');
    const second = harness(runbook, { store, state: structuredClone(store.saved!), defaults: { approvalRequired: true } });
    expect(await second.run()).toMatchObject({ status: 'succeeded' });
    expect(second.runner.calls.map((c) => c.stepId)).toEqual(['restart', 'verify']);
  });

  it('ends as rejected when the approval is rejected', async () => {
    const store = new MemoryStore();
    store.approvals.set('restart', 'rejected');
    expect(await harness(runbook, { store, defaults: { approvalRequired: true } }).run()).toMatchObject({ status: 'rejected' });
  });

  it('needs no approval for high-risk steps when approvals are off, and always for mode approval', async () => {
    expect(await harness(runbook).run()).toMatchObject({ status: 'succeeded' });
    const approvalMode = runbookOf({ mode: 'approval', steps: [http('probe'), post('restart')] });
    expect(await harness(approvalMode).run()).toEqual({ status: 'waiting_approval', stepId: 'restart' });
  });
});

describe('engine: crash recovery', () => {
  const crashedIn = (stepId: string, doc: Record<string, unknown>) => {
    const runbook = runbookOf(doc);
    const index = runbook.steps.findIndex((s) => s.id === stepId);
    return {
      runbook,
      state: {
        cursor: index,
        steps: {},
        completed: runbook.steps.slice(0, index).map((s) => s.id),
        attempts: { [stepId]: 1 },
        inFlight: { stepId, attempt: 1, rollback: false },
        activeMs: 1_000,
      },
    };
  };

  it('re-runs an interrupted step that is not mutating, after the last finished one', async () => {
    const { runbook, state } = crashedIn('pause', {
      steps: [post('restart'), { id: 'pause', uses: 'wait', with: { duration: '5s' } }, http('verify')],
    });
    const h = harness(runbook, { state });
    expect(await h.run()).toMatchObject({ status: 'succeeded' });
    expect(h.runner.calls.map((c) => c.stepId)).toEqual(['pause', 'verify']);
    expect(h.store.trail()).toEqual(['pause:failed', 'pause:succeeded', 'verify:succeeded']);
    expect(h.store.attempts[0].error).toMatch(/^interrupted: .*running it again/);
  });

  it('never re-runs an interrupted mutating step: needs_attention and escalate', async () => {
    const { runbook, state } = crashedIn('restart', { steps: [http('probe'), post('restart'), http('verify')] });
    const h = harness(runbook, { state });
    expect(await h.run()).toMatchObject({ status: 'needs_attention', escalate: true });
    expect(h.runner.calls).toEqual([]);
  });

  it('re-runs an interrupted mutating step marked idempotent', async () => {
    const { runbook, state } = crashedIn('restart', { steps: [http('probe'), post('restart', { idempotent: true })] });
    const h = harness(runbook, { state });
    expect(await h.run()).toMatchObject({ status: 'succeeded' });
    expect(h.runner.calls.map((c) => [c.stepId, c.attempt])).toEqual([['restart', 2]]);
  });
});
