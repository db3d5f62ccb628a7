import { GroupCpu } from './breakdown-ledger';
import { Row } from './report';

export const NATS_GROUP = 'nats-server';
/** This process: the open-loop load generator, the webhook receiver and the breakdown's own sampler. */
export const BENCH_GROUP = 'bench';
/** Postgres's own processes (WAL writer, checkpointer, autovacuum, ...): every client of the server drives them, so they are shown but not in "all". */
export const POSTGRES_SHARED_GROUP = 'postgres background';

/** The end-to-end goal's rate: what the machine's cores give each alert at it is the budget line. */
export const BUDGET_ALERTS_PER_SEC = 1000;

export interface BreakdownRun {
  delivered: number;
  sent: number;
  alertsPerSec: number;
  alertsPerWebhook: number;
  /** From the first reading to the last: the load, its drain and a short tail. */
  windowSec: number;
  cores: number;
  /** CPU per second each group spent while the stack sat idle just before, when measured. */
  idleUsPerSec?: ReadonlyMap<string, number>;
}

const UNIT = 'µs CPU/alert';
const FIXED = [NATS_GROUP, BENCH_GROUP, POSTGRES_SHARED_GROUP];

function perAlert(us: number, delivered: number): number {
  return delivered > 0 ? Math.round(us / delivered) : Number.NaN;
}

function percent(part: number, whole: number): string {
  return whole > 0 ? `${Math.round((part / whole) * 100)} %` : 'n/a';
}

/** What the group would have spent over the window anyway (timers, polls), in ms/s and per alert. */
function idleText(usPerSec: number | undefined, run: BreakdownRun, totalUs?: number): string | undefined {
  if (usPerSec === undefined) return undefined;
  const idleUs = usPerSec * run.windowSec;
  const text = `idle ${(usPerSec / 1000).toFixed(1)} ms/s = ${perAlert(idleUs, run.delivered)} µs/alert over the window`;
  return totalUs === undefined ? text : `${text}, ${perAlert(totalUs - idleUs, run.delivered)} above idle`;
}

function split(group: GroupCpu, delivered: number): string {
  const process = `${FIXED.includes(group.group) ? 'process' : 'node'} ${perAlert(group.processUs, delivered)}`;
  if (group.backends === 0) return `${process}; no Postgres backend`;
  return `${process} + postgres ${perAlert(group.postgresUs, delivered)} (${group.backends} backends)`;
}

const ABOUT: Record<string, string> = {
  [NATS_GROUP]: 'the nats-server the stack uses; its other clients count too',
  [BENCH_GROUP]: 'load generator + webhook receiver + this sampler, and the sampler’s Postgres connection',
  [POSTGRES_SHARED_GROUP]: 'postmaster, WAL writer, checkpointer, autovacuum...: shared with every client of the server, not in "all"',
};

function sumIdle(idleUsPerSec: ReadonlyMap<string, number>): number {
  return [...idleUsPerSec].reduce((sum, [group, us]) => (group === POSTGRES_SHARED_GROUP ? sum : sum + us), 0);
}

/**
 * µs of CPU per delivered alert for each group (services by cost, then nats-server, the bench, Postgres's own
 * processes), the sum of all but the last, and the machine's budget per alert at 1,000 alerts/s.
 */
export function cpuPerAlertRows(groups: readonly GroupCpu[], run: BreakdownRun): Row[] {
  const total = (group: GroupCpu) => group.processUs + group.postgresUs;
  const counted = groups.filter((group) => group.group !== POSTGRES_SHARED_GROUP);
  const allUs = counted.reduce((sum, group) => sum + total(group), 0);
  const services = groups.filter((group) => !FIXED.includes(group.group)).sort((a, b) => total(b) - total(a));
  const fixed = FIXED.flatMap((name) => groups.filter((group) => group.group === name));
  const rows: Row[] = [...services, ...fixed].map((group) => ({
    id: `cpu-${group.group.replace(/\W+/g, '-')}`,
    name: `CPU per alert: ${group.group}`,
    value: perAlert(total(group), run.delivered),
    unit: UNIT,
    note: [
      group.group === POSTGRES_SHARED_GROUP ? undefined : `${percent(total(group), allUs)} of all`,
      split(group, run.delivered),
      idleText(run.idleUsPerSec?.get(group.group), run),
      ABOUT[group.group],
      `${run.delivered} alerts`,
    ]
      .filter(Boolean)
      .join('; '),
  }));
  const all = perAlert(allUs, run.delivered);
  const budget = (run.cores * 1_000_000) / BUDGET_ALERTS_PER_SEC;
  rows.push({
    id: 'cpu-all',
    name: 'CPU per alert: all (whole stack + nats-server + bench)',
    value: all,
    unit: UNIT,
    note: [
      `${run.delivered}/${run.sent} alerts delivered, sent at ${run.alertsPerSec}/s (${run.alertsPerWebhook} per webhook)`,
      `${run.windowSec.toFixed(1)} s window`,
      idleText(run.idleUsPerSec && sumIdle(run.idleUsPerSec), run, allUs),
      all > 0 ? `${run.cores} cores would carry at most ${Math.round((run.cores * 1_000_000) / all)} alerts/s at this cost` : undefined,
    ]
      .filter(Boolean)
      .join('; '),
    versus: 'cpu-budget',
  });
  rows.push({
    id: 'cpu-budget',
    name: `CPU per alert: budget of ${run.cores} cores at ${BUDGET_ALERTS_PER_SEC} alerts/s`,
    value: budget,
    unit: UNIT,
    note: 'the end-to-end goal’s rate: everything above must fit in it, load generator included',
  });
  return rows;
}
