import { Command } from 'commander';
import { CliContext } from '../context';
import { Column, printJson, printTable, sanitize } from '../output';
import { channelRows, parseLabelArgs, summaryLines, testRoutes } from './routes-test';

type Row = ReturnType<typeof channelRows>[number];

const COLUMNS: Column<Row>[] = [
  { header: 'CHANNEL', value: (row) => row.channel },
  { header: 'TYPE', value: (row) => row.type },
  { header: 'STATE', value: (row) => row.state },
  { header: 'ROUTE', value: (row) => row.route },
];

const collect = (value: string, previous: string[]) => [...previous, value];

export function register(program: Command, ctx: CliContext): void {
  const routes = program.command('routes').description('how alerts are routed to runbooks and channels');

  routes
    .command('test')
    .description('which runbook and which channels an alert with these labels would get (viewer; nothing is sent)')
    .argument('<labels...>', 'labels as name=value, e.g. alertname=HighErrorRate severity=critical service=api')
    .option('-a, --annotation <name=value>', 'an annotation (repeatable), e.g. automation_runbook=notify_admin', collect, [])
    .option('-s, --severity <severity>', "Firebreak's severity (info, warning, error, critical) instead of the severity label's")
    .action(async (labelArgs: string[], options: { annotation: string[]; severity?: string }) => {
      const labels = parseLabelArgs(labelArgs);
      const annotations = parseLabelArgs(options.annotation, 'annotation');
      const answer = await testRoutes(ctx.client(), labels, annotations, options.severity);
      if (ctx.output === 'json') return printJson(answer);
      // Label values come back in `why` texts: hostile, so sanitised like every table cell.
      process.stdout.write(summaryLines(answer).map(sanitize).join('\n') + '\n\n');
      const rows = channelRows(answer.routing);
      if (rows.length > 0) printTable(rows, COLUMNS);
    });
}
