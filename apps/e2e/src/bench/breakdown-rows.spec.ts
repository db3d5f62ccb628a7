import { GroupCpu } from './breakdown-ledger';
import { BreakdownRun, cpuPerAlertRows } from './breakdown-rows';
import { withRatios } from './report';

const run: BreakdownRun = { delivered: 8000, sent: 8000, alertsPerSec: 500, alertsPerWebhook: 10, windowSec: 18.25, cores: 2 };

const groups: GroupCpu[] = [
  { group: 'mapper', processUs: 2_800_000, postgresUs: 4_000_000, backends: 5 },
  { group: 'bench', processUs: 1_600_000, postgresUs: 80_000, backends: 1 },
  { group: 'notifier', processUs: 4_560_000, postgresUs: 4_880_000, backends: 7 },
  { group: 'postgres background', processUs: 40_000, postgresUs: 760_000, backends: 4 },
  { group: 'nats-server', processUs: 2_880_000, postgresUs: 0, backends: 0 },
  { group: 'console', processUs: 80_000, postgresUs: 0, backends: 0 },
];

describe('CPU per alert rows', () => {
  const rows = withRatios(cpuPerAlertRows(groups, run));
  const byId = new Map(rows.map((row) => [row.id, row]));

  it('lists the services by cost, then nats-server, the bench, Postgres background, all and the budget', () => {
    expect(rows.map((row) => row.id)).toEqual([
      'cpu-notifier',
      'cpu-mapper',
      'cpu-console',
      'cpu-nats-server',
      'cpu-bench',
      'cpu-postgres-background',
      'cpu-all',
      'cpu-budget',
    ]);
  });

  it('divides each group’s CPU by the alerts delivered, with the node/postgres split and its share of all', () => {
    expect(byId.get('cpu-notifier')).toMatchObject({ value: 1180, unit: 'µs CPU/alert' });
    expect(byId.get('cpu-notifier')!.note).toBe('45 % of all; node 570 + postgres 610 (7 backends); 8000 alerts');
    expect(byId.get('cpu-console')!.note).toBe('0 % of all; node 10; no Postgres backend; 8000 alerts');
    expect(byId.get('cpu-bench')!.note).toMatch(/^8 % of all; process 200 \+ postgres 10 \(1 backends\); load generator/);
  });

  it('sums everything but the Postgres server’s own processes into all, and compares it with the 2-core budget', () => {
    // (6.8 + 1.68 + 9.44 + 2.88 + 0.08) s = 20.88 s over 8000 alerts
    expect(byId.get('cpu-all')).toMatchObject({ value: 2610, ratio: 1.31 });
    expect(byId.get('cpu-all')!.note).toBe(
      '8000/8000 alerts delivered, sent at 500/s (10 per webhook); 18.3 s window; 2 cores would carry at most 766 alerts/s at this cost',
    );
    expect(byId.get('cpu-postgres-background')).toMatchObject({ value: 100 });
    expect(byId.get('cpu-postgres-background')!.note).not.toContain('of all');
    expect(byId.get('cpu-budget')).toMatchObject({ value: 2000, name: 'CPU per alert: budget of 2 cores at 1000 alerts/s' });
  });

  it('says what each group spends idle, per second and spread over the window’s alerts', () => {
    const idleUsPerSec = new Map([
      ['notifier', 20_000],
      ['mapper', 4_000],
      ['postgres background', 50_000],
    ]);
    const withIdle = cpuPerAlertRows(groups, { ...run, windowSec: 20, idleUsPerSec });
    const note = (id: string) => withIdle.find((row) => row.id === id)!.note;
    expect(note('cpu-notifier')).toContain('; idle 20.0 ms/s = 50 µs/alert over the window;');
    expect(note('cpu-console')).not.toContain('idle');
    // all: notifier + mapper, not Postgres's own processes
    // (20.88 s - 24 ms/s × 20 s) / 8000 alerts
    expect(note('cpu-all')).toContain('20.0 s window; idle 24.0 ms/s = 60 µs/alert over the window, 2550 above idle;');
  });

  it('gives no figure when nothing was delivered, rather than dividing by zero', () => {
    const none = cpuPerAlertRows(groups, { ...run, delivered: 0 });
    expect(none.filter((row) => row.id !== 'cpu-budget').every((row) => Number.isNaN(row.value))).toBe(true);
  });
});
