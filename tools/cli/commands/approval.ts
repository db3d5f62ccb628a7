import { Command, Option } from 'commander';
import { positiveInt } from '../args';
import { CliContext } from '../context';
import { pathSegment } from '../ids';
import { Column, printJson, printTable, sanitize } from '../output';
import { collectPages, MAX_PAGE, Page } from '../paging';

interface ApprovalView {
  id: string;
  executionId: string;
  runbookId: string;
  stepId: string;
  severity: string;
  summary: string | null;
  status: string;
  requestedAt: string;
  expiresAt: string | null;
  decidedBy: string | null;
  note: string | null;
}

const COLUMNS: Column<ApprovalView>[] = [
  { header: 'ID', value: (a) => a.id },
  { header: 'RUNBOOK', value: (a) => a.runbookId },
  { header: 'STEP', value: (a) => a.stepId },
  { header: 'STATUS', value: (a) => a.status },
  { header: 'REQUESTED AT', value: (a) => a.requestedAt },
  { header: 'EXPIRES AT', value: (a) => a.expiresAt ?? '' },
  { header: 'EXECUTION', value: (a) => a.executionId },
  { header: 'SUMMARY', value: (a) => a.summary ?? '' },
];

export function register(program: Command, ctx: CliContext): void {
  const approval = program.command('approval').description('approvals runbook steps wait for (list, approve, reject)');

  approval
    .command('list')
    .description('approvals, newest first (pending unless --status or --all)')
    .addOption(
      new Option('--status <status>', 'only this status')
        .choices(['pending', 'approved', 'rejected', 'expired', 'cancelled'])
        .default('pending'),
    )
    .option('-a, --all', 'every status')
    .addOption(new Option('--limit <n>', 'at most this many').default(100).argParser(positiveInt))
    .action(async (opts: { status: string; all?: boolean; limit: number }) => {
      const client = ctx.client();
      const items = await collectPages(
        'the runbook-executor',
        (cursor, size) => {
          const params = new URLSearchParams({ limit: String(size) });
          if (!opts.all) params.set('status', opts.status);
          if (cursor) params.set('cursor', cursor);
          return client.get<Page<ApprovalView>>('runbook-executor', `/api/v1/approvals?${params}`);
        },
        opts.limit,
      );
      // The approvals API has one page, no cursor: past it, say the list is cut rather than look complete.
      if (opts.limit > MAX_PAGE && items.length === MAX_PAGE)
        process.stderr.write(
          sanitize(`warning: the runbook-executor lists at most ${MAX_PAGE} approvals; older ones are not shown`) + '\n',
        );
      if (ctx.output === 'json') printJson({ items });
      else printTable(items, COLUMNS);
    });

  for (const verb of ['approve', 'reject'] as const) {
    approval
      .command(verb)
      .description(verb === 'approve' ? 'approve: the execution resumes at the step that waited' : 'reject: the execution ends as rejected')
      .argument('<id>', 'approval id (approval list shows it)')
      .option('-c, --comment <text>', verb === 'approve' ? 'a note kept with the decision' : 'the reason, kept with the decision')
      .action(async (id: string, opts: { comment?: string }) => {
        const body = opts.comment ? { note: opts.comment } : {};
        const url = `/api/v1/approvals/${pathSegment(id, 'approval')}/${verb}`;
        const result = await ctx.client().post<ApprovalView>('runbook-executor', url, body, { check: 'approval list --all' });
        if (ctx.output === 'json') printJson(result);
        else printTable([result], [...COLUMNS.slice(0, 4), { header: 'DECIDED BY', value: (a) => a.decidedBy ?? '' }]);
      });
  }
}
