import { Command } from 'commander';
import { formatMatcher } from '@firebreak/contracts';
import { parseDuration, parseMatcherArgs } from '../args';
import { CliContext } from '../context';
import { CliError, EXIT } from '../errors';
import { pathSegment } from '../ids';
import { Column, printJson, printTable, sanitize } from '../output';
import { MAX_PAGE } from '../paging';

export interface SilenceView {
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
    .description('expire silences now; the alerts they held fire again. Every id is tried; exit 1 if any failed')
    .argument('<ids...>', 'silence ids (as silence query -q prints them)')
    .action(async (ids: string[]) => {
      const client = ctx.client();
      const result = await expireAll(ids, (id) =>
        client.delete('mapper', `/api/v1/silences/${pathSegment(id, 'silence')}`, undefined, { check: 'silence query --expired' }),
      );
      if (ctx.output === 'json') printJson({ expired: result.expired, failed: result.failed });
      else process.stdout.write(result.expired.map((id) => `${sanitize(id)}\n`).join(''));
      for (const failure of result.failed) process.stderr.write(`firebreak: ${sanitize(failure.id)}: ${sanitize(failure.error)}\n`);
      if (result.stoppedBy) throw result.stoppedBy;
      if (result.failed.length > 0) throw new CliError(`${result.failed.length} of ${ids.length} silences not expired`);
    });
}

export interface ExpireResult {
  expired: string[];
  failed: Array<{ id: string; error: string }>;
  /** The mapper could not be reached or did not answer: the ids after it were not tried. */
  stoppedBy?: CliError;
}

/**
 * Tries every id, so one bad id in `expire $(query -q)` leaves none of the others in force; a silence that has
 * already expired (409) is what was asked for. The mapper unreachable (exit 3) or silent (exit 4) ends it there.
 */
export async function expireAll(ids: readonly string[], expire: (id: string) => Promise<unknown>): Promise<ExpireResult> {
  const result: ExpireResult = { expired: [], failed: [] };
  for (const id of ids) {
    try {
      await expire(id);
      result.expired.push(id);
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      if (error.exitCode > EXIT.usage) return { ...result, stoppedBy: error };
      if (error.status === 409) result.expired.push(id);
      else result.failed.push({ id, error: error.message });
    }
  }
  return result;
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
      const client = ctx.client();
      const items = await listSilences(
        opts.expired ? ['expired'] : ['active', 'pending'],
        (state) => client.get<{ items: SilenceView[] }>('mapper', `/api/v1/silences?state=${state}`),
        (line) => process.stderr.write(`${sanitize(line)}\n`),
      );
      const selected = items.filter((s) => wanted.every((m) => s.matchers.some((own) => normalise(own) === m)));
      if (opts.quiet) process.stdout.write(selected.map((s) => `${s.id}\n`).join(''));
      else if (ctx.output === 'json') printJson({ items: selected });
      else printTable(selected, COLUMNS);
    });
}

/**
 * Silences in these states, one request per state: the mapper lists at most MAX_PAGE of any state newest first,
 * so asking for all at once would let new expired ones push an old active one out. A full page may be cut short,
 * and says so on stderr (stdout stays ids only for `expire $(query -q)`).
 */
export async function listSilences(
  states: ReadonlyArray<SilenceView['state']>,
  get: (state: SilenceView['state']) => Promise<{ items: SilenceView[] }>,
  warn: (line: string) => void,
): Promise<SilenceView[]> {
  const found: SilenceView[] = [];
  for (const state of states) {
    const { items } = await get(state);
    if (items.length >= MAX_PAGE)
      warn(`warning: the mapper lists at most ${MAX_PAGE} ${state} silences and gave that many; older ${state} ones may be missing`);
    found.push(...items.filter((silence) => silence.state === state));
  }
  return found;
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
