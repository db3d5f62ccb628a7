import { EntityManager } from 'typeorm';
import { buildConfig } from '@firebreak/platform';
import { executorMetrics } from '../common/metrics';
import { ExecutorSettings } from '../common/settings';
import { ExecutionsRepository } from '../lifecycle/executions.repository';
import { runbookOf } from '../engine/testing/engine-harness';
import { SERVICE } from '../service';
import { ExecutionGate } from './execution-gate';

const manager = {} as EntityManager;
const settings = {
  automation: { circuitBreaker: { failures: 3, window: 1_800_000 }, loopProtection: { maxRuns: 3, window: 3_600_000 } },
} as ExecutorSettings;

function gate(env: Record<string, string>, counts: { failures?: number; runs?: number; paused?: boolean } = {}) {
  const executions = {
    lockKeys: async () => undefined,
    gateReads: async (
      _manager: EntityManager,
      breakers: Array<{ runbookId: string }>,
      loops: Array<{ runbookId: string; key: string }>,
    ) => [
      { kind: 'switch', n: counts.paused ? 1 : 0, changed_by: 'ada', reason: null },
      ...breakers.map((b) => ({ kind: 'breaker', runbook_id: b.runbookId, n: counts.failures ?? 0 })),
      ...loops.map((l) => ({ kind: 'loop', runbook_id: l.runbookId, key: l.key, n: counts.runs ?? 0 })),
    ],
  } as unknown as ExecutionsRepository;
  return new ExecutionGate(buildConfig(SERVICE, env), settings, executions);
}

const runbook = runbookOf({ steps: [{ id: 'a', uses: 'wait', with: { duration: '1s' } }] });
const input = { runbookId: runbook.id, runbook, loopKey: 'api-1', now: new Date('2024-12-09T10:00:00Z') };

describe('the automatic-run gate', () => {
  it('admits an automatic run when every rule passes', async () => {
    expect(await gate({}).admitAutomatic(manager, input)).toEqual({ admitted: true });
  });

  it('skips every automatic run when FIREBREAK_AUTOMATION_ENABLED=false', async () => {
    expect(await gate({ FIREBREAK_AUTOMATION_ENABLED: 'false' }).admitAutomatic(manager, input)).toEqual({
      admitted: false,
      rule: 'automation_disabled',
      reason: 'automation is disabled (FIREBREAK_AUTOMATION_ENABLED=false)',
    });
  });

  it('applies the rules in order: unknown, manual-only, disabled, paused, circuit, loop', async () => {
    expect(await gate({}).admitAutomatic(manager, { ...input, runbook: undefined })).toMatchObject({ rule: 'unknown_runbook' });
    expect(await gate({}).admitAutomatic(manager, { ...input, runbook: { ...runbook, mode: 'manual' } })).toMatchObject({
      rule: 'manual_only',
    });
    expect(await gate({}, { paused: true }).admitAutomatic(manager, input)).toMatchObject({ rule: 'automation_paused' });
    expect(await gate({}, { failures: 3 }).admitAutomatic(manager, input)).toMatchObject({ rule: 'circuit_open' });
    expect(await gate({}, { failures: 2, runs: 3 }).admitAutomatic(manager, input)).toMatchObject({
      rule: 'loop_protection',
      reason: expect.stringContaining('"api-1"'),
    });
  });

  describe('who chose the runbook', () => {
    const optedIn = { ...runbook, selectable: 'annotation' as const };
    const refusal = {
      admitted: false,
      rule: 'not_selectable',
      reason: `runbook ${runbook.id} was chosen by the alert's automation_runbook annotation, and it does not opt in to that (selectable: annotation)`,
    };
    it.each([
      // [selectedBy, runbook opts in, admitted]
      ['annotation', false, false],
      ['annotation', true, true],
      ['file_alertname', false, true],
      ['file_rule', false, true],
      ['runtime', false, true],
      [undefined, false, true],
      ['file_alertname', true, true],
    ] as const)('selectedBy %s, opted in %s → admitted %s', async (selectedBy, opts, admitted) => {
      const decision = await gate({}).admitAutomatic(manager, { ...input, runbook: opts ? optedIn : runbook, selectedBy });
      expect(decision).toEqual(admitted ? { admitted: true } : refusal);
    });

    it('checks the opt-in before anything else about a known runbook, and an unknown id stays unknown', async () => {
      const manual = { ...runbook, mode: 'manual' as const };
      expect(await gate({}, { paused: true }).admitAutomatic(manager, { ...input, runbook: manual, selectedBy: 'annotation' })).toEqual(
        refusal,
      );
      expect(await gate({}).admitAutomatic(manager, { ...input, runbook: undefined, selectedBy: 'annotation' })).toMatchObject({
        rule: 'unknown_runbook',
      });
    });

    it('counts a refused unknown id under runbook="unknown", a catalogued one under its id', async () => {
      executorMetrics.skipped.reset();
      await gate({}).admitAutomatic(manager, { ...input, runbookId: 'made_up_by_a_sender', runbook: undefined, selectedBy: 'annotation' });
      await gate({}).admitAutomatic(manager, { ...input, selectedBy: 'annotation' });
      const values = (await executorMetrics.skipped.get()).values.map((v) => ({ labels: v.labels, value: v.value }));
      expect(values).toEqual(
        expect.arrayContaining([
          { labels: { runbook: 'unknown', rule: 'unknown_runbook' }, value: 1 },
          { labels: { runbook: runbook.id, rule: 'not_selectable' }, value: 1 },
        ]),
      );
      expect(values).toHaveLength(2);
    });
  });

  it('decides a batch as if its runs were recorded one after another: an earlier admitted run counts towards a later one of its key', async () => {
    const other = { ...input, loopKey: 'api-2' };
    expect(await gate({}, { runs: 2 }).admitMany(manager, [input, other, input, { ...input, runbook: undefined }])).toEqual([
      { admitted: true },
      { admitted: true },
      expect.objectContaining({ admitted: false, rule: 'loop_protection', reason: expect.stringContaining('3 automatic runs') }),
      expect.objectContaining({ rule: 'unknown_runbook' }),
    ]);
  });

  it('rejects a malformed flag at start, naming it', () => {
    expect(() => buildConfig(SERVICE, { FIREBREAK_AUTOMATION_ENABLED: 'maybe' })).toThrow(
      /FIREBREAK_AUTOMATION_ENABLED: must be true or false/,
    );
  });
});
