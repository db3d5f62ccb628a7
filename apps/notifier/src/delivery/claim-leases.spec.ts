import pino from 'pino';
import { DataSource } from 'typeorm';
import { FakeClock } from '@firebreak/testing';
import { NotifierConfig } from '../service';
import { ClaimLeases } from './claim-leases';
import { ClaimedDelivery } from './delivery.types';

const config = { FIREBREAK_NOTIFY_HTTP_TIMEOUT_MS: 10_000, dbSchema: 'notifier' } as NotifierConfig;
const claimed = (id: string, claimToken: string) => ({ id, claimToken }) as ClaimedDelivery;

describe('ClaimLeases: the claims this replica holds', () => {
  const clock = new FakeClock();
  const leases = new ClaimLeases({} as DataSource, clock, config, pino({ level: 'silent' }));
  const pastTheLease = () => new Date(clock.now().getTime() + leases.leaseMs);

  it('keeps a delivery held until its answer is written, then lets it go', () => {
    leases.hold('slack', [claimed('d1', 'token-1')], leases.leaseUntil(clock.now()));
    expect(leases.expiredHeld('slack', pastTheLease())).toEqual(['d1']);
    leases.release('slack', 'd1', 'token-1');
    expect(leases.expiredHeld('slack', pastTheLease())).toEqual([]);
  });

  it("a send's release does not drop the claim of the same delivery taken again meanwhile (a retry due at once)", () => {
    leases.hold('slack', [claimed('d2', 'first')], leases.leaseUntil(clock.now()));
    leases.hold('slack', [claimed('d2', 'second')], leases.leaseUntil(clock.now()));
    leases.release('slack', 'd2', 'first');
    expect(leases.expiredHeld('slack', pastTheLease())).toEqual(['d2']);
    leases.release('slack', 'd2', 'second');
    expect(leases.expiredHeld('slack', pastTheLease())).toEqual([]);
  });

  it("a claim covers a send only while its lease has a whole send's longest exchange left, under its own token", () => {
    const at = clock.now();
    leases.hold('slack', [claimed('d3', 'token-3')], leases.leaseUntil(at));
    const after = (ms: number) => new Date(at.getTime() + ms);
    // Lease = a send's longest exchange (a connection's wait and the wire, 10 s each) + 30 s: a send may start up to 30 s after the claim.
    expect(leases.leaseMs).toBe(50_000);
    expect(leases.coversSend('slack', 'd3', 'token-3', after(30_000))).toBe(true);
    expect(leases.coversSend('slack', 'd3', 'token-3', after(30_001))).toBe(false);
    expect(leases.coversSend('slack', 'd3', 'another-token', at)).toBe(false);
    expect(leases.coversSend('telegram', 'd3', 'token-3', at)).toBe(false);
    leases.release('slack', 'd3', 'token-3');
    expect(leases.coversSend('slack', 'd3', 'token-3', at)).toBe(false);
  });
});
