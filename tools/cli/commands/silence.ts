import { Command } from 'commander';
import { formatMatcher } from '@firebreak/contracts';
import { parseDuration, parseMatcherArgs } from '../args';
import { CliContext } from '../context';
import { CliError } from '../errors';
import { Column, printJson, printTable } from '../output';

interface SilenceView {
  id: string;
  matchers: string[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  state: 'pending' | 'active' | 'expired';
}

const COLUMNS: Column<SilenceView>[] = [
  { header: 'ID', value: (s) => s.id },
  { header: 'MATCHERS', value: (s) => s.matchers.join(' ') },
  { header: 'STATE', value: (s) => s.state },
  { header: 'ENDS AT', value: (s) => s.endsAt },
  { header: 'CREATED BY', value: (s) => s.createdBy },
  { header: 'COMMENT', value: (s) => s.comment },
];

export function register(program: Command, ctx: CliContext): void {
  const silence = program.command('silence').description('silences (add, query, expire), as in Alertmanager');

  silence
    .command('add')
    .description('silence the alerts the matchers select; the author is the token’s name as the mapper sees it')
    .argument('<matchers...>', 'label matchers (a bare first word is the alertname)')
    .option('-d, --duration <duration>', 'how long from now (30m, 1h, 2d, 1h30m)', '1h')
    .requiredOption('-c, --comment <text>', 'why (required)')
    .action(async (args: string[], opts: { duration: string; comment: string }) => {
      const matchers = parseMatcherArgs(args).map(formatMatcher);
      const endsAt = new Date(Date.now() + parseDuration(opts.duration)).toISOString();
      const created = await ctx.client().post<SilenceView>('mapper', '/api/v1/silences', { matchers, endsAt, comment: opts.comment });
      // amtool prints only the id, so `ID=$(firebreak silence add …)` works.
      if (ctx.output === 'json') printJson(created);
      else process.stdout.write(`${created.id}\n`);
    });

  registerQuery(silence, ctx);

  silence
    .command('expire')
    .description('expire silences now; the alerts they held fire again')
    .argument('<ids...>', 'silence ids (as silence query -q prints them)')
    .action(async (ids: string[]) => {
      const expired: SilenceView[] = [];
      for (const id of ids) expired.push(await ctx.client().delete<SilenceView>('mapper', `/api/v1/silences/${encodeURIComponent(id)}`));
      if (ctx.output === 'json') printJson({ items: expired });
      else printTable(expired, COLUMNS.slice(0, 3));
    });
}

/** `silence query`: `-q` prints ids alone, for `firebreak silence expire $(firebreak silence query -q …)`. */
function registerQuery(group: Command, ctx: CliContext): void {
  group
    .command('query')
    .description('silences whose matchers include every matcher given (pending and active unless --expired)')
    .argument('[matchers...]', 'label matchers the silence must have (a bare first word is the alertname)')
    .option('-q, --quiet', 'only ids, one per line (for silence expire $(…))')
    .option('--expired', 'expired silences instead')
    .action(async (args: string[], opts: { quiet?: boolean; expired?: boolean }) => {
      const wanted = parseMatcherArgs(args).map(formatMatcher);
      const { items } = await ctx.client().get<{ items: SilenceView[] }>('mapper', '/api/v1/silences');
      const selected = items.filter(
        (s) =>
          (opts.expired ? s.state === 'expired' : s.state !== 'expired') &&
          wanted.every((m) => s.matchers.some((own) => normalise(own) === m)),
      );
      if (opts.quiet) process.stdout.write(selected.map((s) => `${s.id}\n`).join(''));
      else if (ctx.output === 'json') printJson({ items: selected });
      else printTable(selected, COLUMNS);
    });
}

/** A stored matcher as formatMatcher writes it, so `a=b` and `a="b"` compare equal. */
function normalise(text: string): string {
  try {
    return parseMatcherArgs([text]).map(formatMatcher).join();
  } catch (error) {
    if (error instanceof CliError) return text;
    throw error;
  }
}
