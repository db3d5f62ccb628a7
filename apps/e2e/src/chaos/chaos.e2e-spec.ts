import { ChaosResult, runChaos } from './storm';

/**
 * The chaos storm of issue 8, small: 2,000 unique critical alerts fire and then resolve through the
 * ingress from an Alertmanager-like sender while each fault happens once (kill -9 of the mapper, the
 * notifier and the ingress, nats-server killed and restarted on its store, Postgres cut for 3 s, the
 * notifier killed again while they resolve). The full storm is `npm run chaos`.
 */
describe('chaos storm (2,000 alerts, every fault once)', () => {
  let result: ChaosResult;

  beforeAll(async () => {
    result = await runChaos({
      alerts: 2_000,
      postgresCutMs: 3_000,
      natsDownMs: 2_000,
      alertsPerSec: 200,
      inFlight: 4,
      drainTimeoutMs: 150_000,
    });
    process.stderr.write(`chaos storm result: ${JSON.stringify(result)}\n`);
  }, 600_000);

  const seen = () => JSON.stringify({ ...result, faults: undefined }, null, 1);

  function check(ok: boolean, message: string): void {
    if (!ok) throw new Error(`${message}\nseen: ${seen()}`);
  }

  it('ran every fault and drained', () => {
    check(
      result.faults.length === 6 && result.notifierKills === 2,
      `expected 6 faults with 2 notifier kills, ran ${result.faults.map((f) => `${f.phase}: ${f.name}`).join(', ')}`,
    );
    check(
      result.drained,
      `not drained: ${result.lost.firing} firing and ${result.lost.resolved} resolved undelivered, ${result.notifier.pending} deliveries pending`,
    );
  });

  it('loses no alert: every one delivered firing and resolved, no webhook refused', () => {
    check(
      result.sender.rejected.length === 0,
      `the ingress refused ${result.sender.rejected.length} requests with a 4xx: ${JSON.stringify(result.sender.rejected.slice(0, 3))}`,
    );
    check(
      result.lost.firing === 0 && result.lost.resolved === 0,
      `lost ${result.lost.firing} firing and ${result.lost.resolved} resolved, e.g. ${result.lost.sample.join(', ')}`,
    );
    check(result.notifier.failed === 0, `${result.notifier.failed} deliveries failed for good`);
  });

  it('repeats at most the sends in flight per notifier kill, each with the idempotency key of its first send', () => {
    const d = result.duplicated;
    check(
      d.total <= result.duplicatesAllowed,
      `${d.total} duplicates (${d.firing} firing, ${d.resolved} resolved; by fault ${JSON.stringify(d.byFault)}), ` +
        `more than ${result.channelConcurrency} sends in flight × ${result.notifierKills} notifier kills = ${result.duplicatesAllowed}`,
    );
    check(
      d.otherIdempotencyKey === 0,
      `${d.otherIdempotencyKey} of ${d.total} duplicates carried another idempotency-key than their first send`,
    );
  });
});
