import { Command, Option } from 'commander';
import { EXECUTION_STATUSES } from '@firebreak/contracts';
import { positiveInt } from '../args';
import { CliContext } from '../context';
import { pathSegment } from '../ids';
import { Column, printFields, printJson, printTable } from '../output';
import { collectPages, Page } from '../paging';

interface ExecutionSummary {
  id: string;
  runbookId: string;
  mode: string;
  trigger: string;
  status: string;
  statusReason: string | null;
  fingerprint: string | null;
  requestedBy: string | null;
  createdAt: string;
  durationMs: number | null;
}

interface Attempt {
  attempt: number;
  status: string;
  durationMs: number | null;
  error: string | null;
}

interface ExecutionDetail extends ExecutionSummary {
  title: string;
  reason: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  steps: Array<{ id: string; uses: string; rollback: boolean; outcome: string; attempts: Attempt[] }>;
  approvals: Array<{ id: string; stepId: string; status: string; decidedBy: string | null }>;
}

const COLUMNS: Column<ExecutionSummary>[] = [
  { header: 'ID', value: (e) => e.id },
  { header: 'RUNBOOK', value: (e) => e.runbookId },
  { header: 'MODE', value: (e) => e.mode },
  { header: 'STATUS', value: (e) => e.status },
  { header: 'TRIGGER', value: (e) => e.trigger },
  { header: 'BY', value: (e) => e.requestedBy ?? '' },
  { header: 'CREATED AT', value: (e) => e.createdAt },
  { header: 'FINGERPRINT', value: (e) => e.fingerprint ?? '' },
];

type StepRow = ExecutionDetail['steps'][number];
const STEP_COLUMNS: Column<StepRow>[] = [
  { header: 'STEP', value: (s) => (s.rollback ? `${s.id} (rollback)` : s.id) },
  { header: 'USES', value: (s) => s.uses },
  { header: 'OUTCOME', value: (s) => s.outcome },
  { header: 'ATTEMPTS', value: (s) => s.attempts.length },
  { header: 'LAST ERROR', value: (s) => s.attempts.at(-1)?.error ?? '' },
];

export function register(program: Command, ctx: CliContext): void {
  const execution = program.command('execution').description('runbook executions (list, show, cancel)');

  execution
    .command('list')
    .description('executions, newest first')
    .option('--status <status>', `only this status (${EXECUTION_STATUSES.join(', ')})`)
    .option('--runbook <id>', 'only this runbook')
    .option('--fingerprint <fp>', 'only runs for this alert')
    .addOption(new Option('--mode <mode>', 'only this mode').choices(['live', 'dry_run', 'drill']))
    .addOption(new Option('--limit <n>', 'at most this many').default(50).argParser(positiveInt))
    .action(async (opts: { status?: string; runbook?: string; fingerprint?: string; mode?: string; limit: number }) => {
      const client = ctx.client();
      const items = await collectPages(
        'the runbook-executor',
        (cursor, size) => {
          const params = new URLSearchParams({ limit: String(size) });
          for (const key of ['status', 'runbook', 'fingerprint', 'mode'] as const) if (opts[key]) params.set(key, opts[key]);
          if (cursor) params.set('cursor', cursor);
          return client.get<Page<ExecutionSummary>>('runbook-executor', `/api/v1/executions?${params}`);
        },
        opts.limit,
      );
      if (ctx.output === 'json') printJson({ items });
      else printTable(items, COLUMNS);
    });

  execution
    .command('show')
    .description('one execution: its steps with every attempt, and its approvals')
    .argument('<id>', 'execution id')
    .action(async (id: string) => {
      const result = await ctx.client().get<ExecutionDetail>('runbook-executor', `/api/v1/executions/${pathSegment(id, 'execution')}`);
      if (ctx.output === 'json') return printJson(result);
      showExecution(result);
    });

  execution
    .command('cancel')
    .description('cancel: the running step is stopped; rollback runs if the runbook says onCancel: rollback')
    .argument('<id>', 'execution id')
    .requiredOption('-c, --comment <reason>', 'why (required)')
    .action(async (id: string, opts: { comment: string }) => {
      const url = `/api/v1/executions/${pathSegment(id, 'execution')}/cancel`;
      const result = await ctx.client().post('runbook-executor', url, { reason: opts.comment }, { check: `execution show ${id}` });
      if (ctx.output === 'json') printJson(result);
      else process.stdout.write(`cancel requested: ${id}\n`);
    });
}

function showExecution(result: ExecutionDetail): void {
  printFields([
    ['id', result.id],
    ['runbook', `${result.runbookId} (${result.title})`],
    ['mode', result.mode],
    ['status', result.statusReason ? `${result.status}: ${result.statusReason}` : result.status],
    ['trigger', result.trigger],
    ['requested by', result.requestedBy ?? ''],
    ['reason', result.reason ?? ''],
    ['fingerprint', result.fingerprint ?? ''],
    ['started', result.startedAt ?? ''],
    ['finished', result.finishedAt ?? ''],
  ]);
  process.stdout.write('\n');
  printTable(result.steps, STEP_COLUMNS);
  if (result.approvals.length === 0) return;
  process.stdout.write('\n');
  printTable(result.approvals, [
    { header: 'APPROVAL', value: (a) => a.id },
    { header: 'STEP', value: (a) => a.stepId },
    { header: 'STATUS', value: (a) => a.status },
    { header: 'DECIDED BY', value: (a) => a.decidedBy ?? '' },
  ]);
}
