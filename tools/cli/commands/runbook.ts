import { Command } from 'commander';
import { collect, parseKeyValues } from '../args';
import { CliContext } from '../context';
import { pathSegment } from '../ids';
import { Column, printFields, printJson, printTable, sanitize } from '../output';

interface RunbookSummary {
  id: string;
  source: string;
  version: number;
  title: string;
  severity: string;
  mode: string;
  steps: number;
  mutating: boolean;
}

interface RunbookDetail {
  id: string;
  loaded: boolean;
  source: string;
  version: number;
  file: string | null;
  definition: {
    title: string;
    description?: string;
    severity: string;
    mode: string;
    tags?: string[];
    timeout?: string;
    steps: Array<{ id: string; name?: string; uses: string; risk?: string; onFailure?: string; mutating?: boolean }>;
  } | null;
  prose: string | null;
  loadErrors?: Array<{ problems: string[] }>;
}

const COLUMNS: Column<RunbookSummary>[] = [
  { header: 'ID', value: (r) => r.id },
  { header: 'MODE', value: (r) => r.mode },
  { header: 'SEVERITY', value: (r) => r.severity },
  { header: 'SOURCE', value: (r) => (r.source === 'file' ? 'file' : `${r.source} v${r.version}`) },
  { header: 'STEPS', value: (r) => r.steps },
  { header: 'MUTATING', value: (r) => (r.mutating ? 'yes' : 'no') },
  { header: 'TITLE', value: (r) => r.title },
];

type StepRow = NonNullable<RunbookDetail['definition']>['steps'][number];
const STEP_COLUMNS: Column<StepRow>[] = [
  { header: 'STEP', value: (s) => s.id },
  { header: 'USES', value: (s) => s.uses },
  { header: 'RISK', value: (s) => s.risk ?? '' },
  { header: 'ON FAILURE', value: (s) => s.onFailure ?? '' },
  { header: 'NAME', value: (s) => s.name ?? '' },
];

export function register(program: Command, ctx: CliContext): void {
  const runbook = program.command('runbook').description('runbooks in force (list, show, run)');

  runbook
    .command('list')
    .description('runbooks in force, and those that failed to load (on stderr)')
    .action(async () => {
      const result = await ctx
        .client()
        .get<{ runbooks: RunbookSummary[]; loadErrors: Array<{ file: string; problems: string[] }> }>(
          'runbook-executor',
          '/api/v1/runbooks',
        );
      if (ctx.output === 'json') return printJson(result);
      printTable(result.runbooks, COLUMNS);
      for (const error of result.loadErrors)
        process.stderr.write(`not loaded: ${sanitize(error.file)}: ${sanitize(error.problems.join('; '))}\n`);
    });

  runbook
    .command('show')
    .description('one runbook: definition, steps, where it comes from (--prose for its Markdown)')
    .argument('<id>', 'runbook id')
    .option('--prose', 'print the runbook prose after the steps')
    .action(async (id: string, opts: { prose?: boolean }) => {
      const result = await ctx.client().get<RunbookDetail>('runbook-executor', `/api/v1/runbooks/${pathSegment(id, 'runbook')}`);
      if (ctx.output === 'json') return printJson(result);
      showRunbook(result, opts.prose === true);
    });

  registerRun(runbook, ctx);
}

/** `runbook run`: prints the execution id alone, so `execution show $(firebreak runbook run …)` works. */
function registerRun(group: Command, ctx: CliContext): void {
  group
    .command('run')
    .description('run a runbook by hand; prints the execution id (execution show ID follows it)')
    .argument('<id>', 'runbook id')
    .option('--dry-run', 'nothing mutating runs and nobody is notified')
    .option('--context <key=value>', 'alert context (alert_name=…, alert_labels.job=…, fingerprint=…); repeatable', collect, [])
    .option('--param <key=value>', 'runbook parameter; repeatable', collect, [])
    .option('-c, --comment <reason>', 'why (kept with the execution)')
    .action(async (id: string, opts: { dryRun?: boolean; context: string[]; param: string[]; comment?: string }) => {
      const body = {
        mode: opts.dryRun ? 'dry_run' : 'live',
        context: parseKeyValues(opts.context, '--context'),
        params: parseKeyValues(opts.param, '--param'),
        ...(opts.comment ? { reason: opts.comment } : {}),
      };
      const url = `/api/v1/runbooks/${pathSegment(id, 'runbook')}/execute`;
      // A live run that got no answer may be running: look before starting a second one.
      const started = await ctx.client().post<{ executionId: string; status: string; mode: string }>('runbook-executor', url, body, {
        check: `execution list --runbook ${id}`,
      });
      if (ctx.output === 'json') printJson(started);
      else process.stdout.write(`${started.executionId}\n`);
    });
}

function showRunbook(runbook: RunbookDetail, prose: boolean): void {
  const definition = runbook.definition;
  printFields([
    ['id', runbook.id],
    ['title', definition?.title ?? ''],
    ['description', definition?.description ?? ''],
    ['mode', definition?.mode ?? ''],
    ['severity', definition?.severity ?? ''],
    ['tags', (definition?.tags ?? []).join(', ')],
    ['timeout', definition?.timeout ?? ''],
    ['source', runbook.source === 'file' ? `file ${runbook.file ?? ''}` : `${runbook.source} v${runbook.version}`],
    ['loaded', runbook.loaded ? 'yes' : `no: ${(runbook.loadErrors ?? []).flatMap((e) => e.problems).join('; ')}`],
  ]);
  if (definition) {
    process.stdout.write('\n');
    printTable(definition.steps, STEP_COLUMNS);
  }
  // Prose is Markdown written by people: printed as lines, each cleaned like a table cell.
  if (prose && runbook.prose) process.stdout.write('\n' + runbook.prose.split('\n').map(sanitize).join('\n') + '\n');
}
