import pino from 'pino';
import { waitFor } from '@firebreak/testing';
import type { ApprovalsService } from '../approvals/approvals.service';
import type { ExecutorConfig } from '../service';
import type { AlertStatesPruner } from '../verification/alert-states-pruner';
import type { VerificationService } from '../verification/verification.service';
import { TimersPoller } from './timers.poller';

describe('TimersPoller', () => {
  it('each sweep expires approvals, sweeps verifications, requeues orphans and offers the alert-state prune its turn', async () => {
    const calls: string[] = [];
    const called = (name: string) => async () => void calls.push(name);
    const poller = new TimersPoller(
      { FIREBREAK_TIMER_INTERVAL_MS: 50 } as ExecutorConfig,
      pino({ level: 'silent' }),
      { expireDue: called('expireDue'), requeueOrphaned: called('requeueOrphaned') } as unknown as ApprovalsService,
      { sweepDue: called('sweepDue') } as unknown as VerificationService,
      { pruneIfDue: called('pruneIfDue') } as unknown as AlertStatesPruner,
    );
    poller.onApplicationBootstrap();
    try {
      await waitFor(() => calls.includes('pruneIfDue'), { message: 'no sweep offered the prune its turn' });
    } finally {
      await poller.beforeApplicationShutdown();
    }
    expect(calls.slice(0, 4)).toEqual(['expireDue', 'sweepDue', 'requeueOrphaned', 'pruneIfDue']);
  });
});
