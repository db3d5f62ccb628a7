import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import { DependencyUnavailableError, PermanentError, TransactionalMessaging } from '@firebreak/bus';
import { systemClock } from '@firebreak/platform';
import { runbookOf } from '../engine/testing/engine-harness';
import { ExecutionFinalizer } from '../lifecycle/execution-finalizer';
import { ExecutionRow } from '../lifecycle/execution.types';
import { ExecutionsRepository } from '../lifecycle/executions.repository';
import { WorkerSignals } from '../lifecycle/worker-signals';
import { VerificationRepository } from './verification.repository';
import { VerificationService } from './verification.service';

const at = new Date('2024-12-09T10:05:00Z');
const verified = runbookOf({ verify: { resolvedWithin: '10m' }, steps: [{ id: 'fix', uses: 'wait', with: { duration: '1s' } }] });
const execution = (extra: Partial<ExecutionRow> = {}) =>
  ({
    id: 'e1',
    definition: verified,
    trigger: 'alert',
    mode: 'live',
    fingerprint: 'abcdefabcdefabcd',
    created_at: new Date('2024-12-09T10:00:00Z'),
    ...extra,
  }) as ExecutionRow;

function service(resolved: boolean, recordAlertStates: () => Promise<void> = async () => undefined) {
  const repo = { resolvedSince: async () => resolved, recordAlertStates } as unknown as VerificationRepository;
  const unused = {} as never;
  return new VerificationService(
    systemClock,
    {} as Logger,
    unused as TransactionalMessaging,
    repo,
    unused as ExecutionsRepository,
    unused as ExecutionFinalizer,
    new WorkerSignals(),
  );
}

const tx = {} as EntityManager;

describe('the verification window a run opens when it ends', () => {
  it('opens for a succeeded live automatic run of a runbook with verify, due resolvedWithin later', async () => {
    expect(await service(false).windowFor(tx, execution(), 'succeeded', at)).toEqual({
      dueAt: new Date('2024-12-09T10:15:00Z'),
      status: 'pending',
    });
  });

  it('is effective at once when the alert resolved during the run', async () => {
    expect(await service(true).windowFor(tx, execution(), 'succeeded', at)).toMatchObject({ status: 'effective' });
  });

  it('does not open for another outcome, a manual run, a dry run, a run without alert or a runbook without verify', async () => {
    const none = service(false);
    expect(await none.windowFor(tx, execution(), 'failed', at)).toBeUndefined();
    expect(await none.windowFor(tx, execution({ trigger: 'manual' }), 'succeeded', at)).toBeUndefined();
    expect(await none.windowFor(tx, execution({ mode: 'dry_run' }), 'succeeded', at)).toBeUndefined();
    expect(await none.windowFor(tx, execution({ fingerprint: null }), 'succeeded', at)).toBeUndefined();
    expect(await none.windowFor(tx, execution({ definition: { ...verified, verify: undefined } }), 'succeeded', at)).toBeUndefined();
  });
});

describe('an alert state change the executor records', () => {
  it('is refused for good when its time is no time: no batch of others fails with it, and it is not retried', async () => {
    const event = { id: 'evt-1', data: { fingerprint: 'abcdefabcdefabcd', to: 'resolved', at: 'not a time' } };
    await expect(service(false).onAlertState(event as never)).rejects.toBeInstanceOf(PermanentError);
  });

  it('waits out Postgres being away instead of failing (and, after five failures, dead-lettering a resolution)', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const event = { id: 'evt-2', data: { fingerprint: 'abcdefabcdefabcd', to: 'resolved', at: at.toISOString() } };
    await expect(service(false, () => Promise.reject(refused)).onAlertState(event as never)).rejects.toBeInstanceOf(
      DependencyUnavailableError,
    );
  });
});
