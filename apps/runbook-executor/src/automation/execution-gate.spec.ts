import { EntityManager } from 'typeorm';
import { buildConfig } from '@firebreak/platform';
import { ExecutorSettings } from '../common/settings';
import { ExecutionsRepository } from '../lifecycle/executions.repository';
import { runbookOf } from '../engine/testing/engine-harness';
import { SERVICE } from '../service';
import { AutomationRepository, AutomationState } from './automation.repository';
import { ExecutionGate } from './execution-gate';

const manager = {} as EntityManager;
const settings = {
  automation: { circuitBreaker: { failures: 3, window: 1_800_000 }, loopProtection: { maxRuns: 3, window: 3_600_000 } },
} as ExecutorSettings;

function gate(env: Record<string, string>, counts: { failures?: number; runs?: number; paused?: boolean } = {}) {
  const automation = {
    get: async (): Promise<AutomationState> => ({ paused: !!counts.paused, changed_by: 'ada', changed_at: null, reason: null }),
  } as unknown as AutomationRepository;
  const executions = {
    lockKey: async () => undefined,
    breakerFailures: async () => counts.failures ?? 0,
    recentAutomaticRuns: async () => counts.runs ?? 0,
  } as unknown as ExecutionsRepository;
  return new ExecutionGate(buildConfig(SERVICE, env), settings, automation, executions);
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

  it('rejects a malformed flag at start, naming it', () => {
    expect(() => buildConfig(SERVICE, { FIREBREAK_AUTOMATION_ENABLED: 'maybe' })).toThrow(
      /FIREBREAK_AUTOMATION_ENABLED: must be true or false/,
    );
  });
});
