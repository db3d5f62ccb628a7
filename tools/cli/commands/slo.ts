import { Command } from 'commander';
import { CliContext } from '../context';
import { CliError } from '../errors';
import { Column, printJson, printTable } from '../output';

interface SloView {
  id: string;
  displayName: string;
  objective: number;
  window: string;
  status: string;
  compliance: number | null;
  events: { good: number; total: number };
  errorBudget: { total: number; consumed: number; remaining: number; remainingRatio: number } | null;
  burnRates: Array<{ window: string; rate: number | null }>;
  tiers: Array<{ tier: string; firing: boolean }>;
}

const pct = (value: number | null | undefined, digits = 3) =>
  value === null || value === undefined ? '-' : `${(value * 100).toFixed(digits)}%`;
const num = (value: number | null | undefined) => (value === null || value === undefined ? '-' : String(Number(value.toFixed(2))));

const STATUS_COLUMNS: Column<SloView>[] = [
  { header: 'ID', value: (s) => s.id },
  { header: 'STATUS', value: (s) => s.status },
  { header: 'OBJECTIVE', value: (s) => pct(s.objective) },
  { header: 'WINDOW', value: (s) => s.window },
  { header: 'COMPLIANCE', value: (s) => pct(s.compliance) },
  { header: 'BUDGET LEFT', value: (s) => pct(s.errorBudget?.remainingRatio, 1) },
  {
    header: 'FIRING',
    value: (s) =>
      s.tiers
        .filter((t) => t.firing)
        .map((t) => t.tier)
        .join(', '),
  },
  { header: 'NAME', value: (s) => s.displayName },
];

const BUDGET_COLUMNS: Column<SloView>[] = [
  { header: 'ID', value: (s) => s.id },
  { header: 'OBJECTIVE', value: (s) => pct(s.objective) },
  { header: 'EVENTS GOOD/TOTAL', value: (s) => `${s.events.good}/${s.events.total}` },
  { header: 'BUDGET', value: (s) => num(s.errorBudget?.total) },
  { header: 'CONSUMED', value: (s) => num(s.errorBudget?.consumed) },
  { header: 'REMAINING', value: (s) => pct(s.errorBudget?.remainingRatio, 1) },
  { header: 'BURN 1h', value: (s) => num(s.burnRates.find((b) => b.window === '1h')?.rate) },
  { header: 'BURN 6h', value: (s) => num(s.burnRates.find((b) => b.window === '6h')?.rate) },
  { header: 'BURN 1d', value: (s) => num(s.burnRates.find((b) => b.window === '1d')?.rate) },
];

export function register(program: Command, ctx: CliContext): void {
  const slo = program.command('slo').description('SLO compliance and error budgets (status, budget)');
  for (const [verb, description, columns] of [
    ['status', 'every SLO (or one): status, compliance, budget left, firing burn-rate tiers', STATUS_COLUMNS],
    ['budget', 'error budgets: events, budget, consumed, remaining, burn rates', BUDGET_COLUMNS],
  ] as const) {
    slo
      .command(verb)
      .description(description)
      .argument('[id]', 'one SLO')
      .action(async (id: string | undefined) => {
        const { items } = await ctx.client().get<{ items: SloView[] }>('slo-reporter', '/api/v1/slos');
        const selected = id === undefined ? items : items.filter((s) => s.id === id);
        if (id !== undefined && selected.length === 0) throw new CliError(`no SLO ${id} (slo status lists them)`);
        if (ctx.output === 'json') printJson(id === undefined ? { items } : selected[0]);
        else printTable(selected, columns);
      });
  }
}
