import pino from 'pino';
import { FakeClock } from '@firebreak/testing';
import { ChannelRegistry } from '../channel-config/channel-registry';
import { NotifierConfig } from '../service';
import { ClaimLeases } from './claim-leases';
import { DeliveryDispatcher } from './delivery-dispatcher';
import { DeliveryHistoryRepository } from './delivery-history.repository';
import { DeliveryWorker } from './delivery-worker';
import { OutcomeRecorder } from './outcome-recorder';

const TIMEOUT_MS = 10_000;

/** A worker whose one channel loop stops when the test says (its sends answered), its answers recorded by spies. */
function stoppingWorker() {
  const clock = new FakeClock();
  const outcomes = { drain: jest.fn().mockResolvedValue(0), abandon: jest.fn().mockReturnValue(0) };
  const leases = { stop: jest.fn().mockResolvedValue(undefined) };
  const worker = new DeliveryWorker(
    { enabled: () => [] } as unknown as ChannelRegistry,
    {} as DeliveryDispatcher,
    {} as DeliveryHistoryRepository,
    outcomes as unknown as OutcomeRecorder,
    leases as unknown as ClaimLeases,
    clock,
    { FIREBREAK_NOTIFY_HTTP_TIMEOUT_MS: TIMEOUT_MS } as NotifierConfig,
    pino({ level: 'silent' }),
  );
  let answered!: () => void;
  const sends = new Promise<void>((resolve) => (answered = resolve));
  (worker as unknown as { loops: Map<string, { stop: () => Promise<void> }> }).loops.set('hook', { stop: () => sends });
  return { worker, clock, outcomes, answered };
}

describe('notifier shutdown', () => {
  it("waits out a send that took its longest exchange (a connection's wait, then the wire), and writes its answer", async () => {
    const { worker, clock, outcomes, answered } = stoppingWorker();
    const stopping = worker.beforeApplicationShutdown();
    // The send waited a whole timeout for a connection and answered at the end of its time on the wire.
    await clock.advance(2 * TIMEOUT_MS);
    answered();
    await stopping;
    expect(outcomes.drain).toHaveBeenCalled();
    expect(outcomes.abandon).not.toHaveBeenCalled();
  });

  it('gives up the answers of sends that outlast the grace (their deliveries go out again after the lease)', async () => {
    const { worker, clock, outcomes, answered } = stoppingWorker();
    const stopping = worker.beforeApplicationShutdown();
    await clock.advance(3 * TIMEOUT_MS);
    await clock.advance(TIMEOUT_MS);
    answered();
    await stopping;
    expect(outcomes.abandon).toHaveBeenCalled();
    expect(outcomes.drain).not.toHaveBeenCalled();
  });
});
