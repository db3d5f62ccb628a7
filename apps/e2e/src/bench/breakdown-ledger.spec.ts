import { CpuLedger, Owner } from './breakdown-ledger';

const mapper: Owner = { group: 'mapper', kind: 'process' };
const mapperPg: Owner = { group: 'mapper', kind: 'postgres' };
const notifierPg: Owner = { group: 'notifier', kind: 'postgres' };

describe('CPU ledger', () => {
  it('counts a process from its baseline, and all of a process born in the window', () => {
    const ledger = new CpuLedger();
    ledger.baseline(10, mapper, 5_000_000);
    ledger.baseline(11, mapperPg, 900_000);
    ledger.record(10, mapper, 5_400_000);
    ledger.record(11, mapperPg, 1_000_000);
    ledger.record(12, mapperPg, 30_000); // a pool connection opened during the run
    ledger.record(12, mapperPg, 50_000);
    expect(ledger.totals()).toEqual([{ group: 'mapper', processUs: 400_000, postgresUs: 150_000, backends: 2 }]);
  });

  it('keeps the last reading of a process that exited', () => {
    const ledger = new CpuLedger();
    ledger.record(20, notifierPg, 70_000);
    // pid 20 is gone: no more readings; what was read stays counted
    ledger.record(21, notifierPg, 10_000);
    expect(ledger.totals()).toEqual([{ group: 'notifier', processUs: 0, postgresUs: 80_000, backends: 2 }]);
  });

  it('counts a reused pid as a new process, keeping what the old one spent', () => {
    const ledger = new CpuLedger();
    ledger.baseline(30, mapperPg, 100_000);
    ledger.record(30, mapperPg, 160_000);
    ledger.record(30, mapperPg, 20_000); // lower than before: another backend under the same pid
    ledger.record(30, notifierPg, 50_000); // and then one serving another service
    expect(ledger.totals()).toEqual([
      { group: 'mapper', processUs: 0, postgresUs: 80_000, backends: 2 },
      { group: 'notifier', processUs: 0, postgresUs: 50_000, backends: 1 },
    ]);
  });
});
