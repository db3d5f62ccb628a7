import { Command, Option } from 'commander';
import { matchesAll } from '@firebreak/contracts';
import { parseMatcherArgs, positiveInt, serverFilters } from '../args';
import { CliContext } from '../context';
import { pathSegment } from '../ids';
import { Column, formatLabels, printJson, printTable } from '../output';
import { collectPages, MAX_PAGE, Page } from '../paging';

/** The fields of the mapper's alert view the CLI reads. */
export interface AlertView {
  fingerprint: string;
  alertname: string;
  status: string;
  severity: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  acknowledgement: { by: string } | null;
}

const ACTIVE = 'firing,acknowledged,silenced';
const HIDDEN_LABELS = new Set(['alertname', 'severity']);

const COLUMNS: Column<AlertView>[] = [
  { header: 'FINGERPRINT', value: (a) => a.fingerprint },
  { header: 'ALERTNAME', value: (a) => a.alertname },
  { header: 'STATUS', value: (a) => a.status },
  { header: 'SEVERITY', value: (a) => a.severity },
  { header: 'STARTS AT', value: (a) => a.startsAt },
  {
    header: 'LABELS',
    value: (a) => formatLabels(Object.fromEntries(Object.entries(a.labels).filter(([name]) => !HIDDEN_LABELS.has(name)))),
  },
  { header: 'SUMMARY', value: (a) => a.annotations?.summary ?? '' },
];

export function register(program: Command, ctx: CliContext): void {
  const alert = program.command('alert').description('alerts the mapper keeps (query, acknowledge, resolve)');

  alert
    .command('query')
    .description('alerts matching Alertmanager matchers, e.g. alertname=~"High.*" severity!=info (a bare first word is the alertname)')
    .argument('[matchers...]', 'label matchers: name=value, name!=value, name=~regex, name!~regex or {…}')
    .option('--status <list>', `comma-separated lifecycle states (firing, acknowledged, silenced, resolved)`, ACTIVE)
    .option('-a, --all', 'every status, resolved ones too')
    .addOption(new Option('--limit <n>', 'at most this many alerts').default(1000).argParser(positiveInt))
    .action(async (args: string[], opts: { status: string; all?: boolean; limit: number }) => {
      const matchers = parseMatcherArgs(args);
      const alerts = await queryAlerts(ctx, { status: opts.all ? undefined : opts.status, limit: opts.limit, matchers });
      if (ctx.output === 'json') printJson({ items: alerts });
      else printTable(alerts, COLUMNS);
    });

  for (const [verb, path] of [
    ['ack', 'acknowledge'],
    ['resolve', 'resolve'],
  ] as const) {
    alert
      .command(verb)
      .description(`${verb === 'ack' ? 'acknowledge a firing alert (stops its escalation)' : 'resolve an alert by hand'}`)
      .argument('<fingerprint>', 'the alert fingerprint (16 hex digits, as alert query shows)')
      .option('-c, --comment <text>', 'a note kept with the alert')
      .action(async (fingerprint: string, opts: { comment?: string }) => {
        const body = opts.comment ? { note: opts.comment } : {};
        const url = `/api/v1/alerts/${pathSegment(fingerprint, 'fingerprint')}/${path}`;
        const result = await ctx.client().post<AlertView>('mapper', url, body, { check: 'alert query --all' });
        if (ctx.output === 'json') printJson(result);
        else printTable([result], COLUMNS.slice(0, 4));
      });
  }
}

/** Pages through the mapper's listing with the equality filters it can apply, then applies every matcher here. */
async function queryAlerts(
  ctx: CliContext,
  query: { status?: string; limit: number; matchers: ReturnType<typeof parseMatcherArgs> },
): Promise<AlertView[]> {
  const filters = serverFilters(query.matchers);
  const params = new URLSearchParams({ limit: String(MAX_PAGE) });
  if (query.status) params.set('status', query.status);
  if (filters.alertname) params.set('alertname', filters.alertname);
  for (const [name, value] of filters.labels) params.append('label', `${name}=${value}`);
  const client = ctx.client();
  return collectPages(
    'the mapper',
    (cursor) => {
      if (cursor) params.set('cursor', cursor);
      return client.get<Page<AlertView>>('mapper', `/api/v1/alerts?${params}`);
    },
    query.limit,
    (alert) => matchesAll(query.matchers, { alertname: alert.alertname, ...alert.labels }),
  );
}
