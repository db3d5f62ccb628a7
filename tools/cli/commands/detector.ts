import { Command } from 'commander';
import { CliContext } from '../context';
import { pathSegment } from '../ids';
import { Column, printJson, printTable } from '../output';

interface DetectorView {
  id: string;
  name: string;
  type: string;
  schedule: string;
  enabled: boolean;
  severity: string;
  state: { status: string; alerting: boolean } | null;
  lastResult: DetectorResult | null;
}

/** A run as `POST /detectors/run` and `/detectors/:id/run` report it (`lastResult` of the listing says `message`). */
interface DetectorResult {
  detector: string;
  status: string;
  msg?: string;
  message?: string;
  extras?: { value?: unknown };
  durationMs: number;
}

const COLUMNS: Column<DetectorView>[] = [
  { header: 'ID', value: (d) => d.id },
  { header: 'TYPE', value: (d) => d.type },
  { header: 'SCHEDULE', value: (d) => d.schedule },
  { header: 'ENABLED', value: (d) => (d.enabled ? 'yes' : 'no') },
  { header: 'STATE', value: (d) => d.state?.status ?? '' },
  { header: 'ALERTING', value: (d) => (d.state?.alerting ? 'yes' : 'no') },
  { header: 'LAST', value: (d) => d.lastResult?.status ?? '' },
  { header: 'MESSAGE', value: (d) => d.lastResult?.message ?? '' },
];

const RESULT_COLUMNS: Column<DetectorResult>[] = [
  { header: 'DETECTOR', value: (r) => r.detector },
  { header: 'STATUS', value: (r) => r.status },
  { header: 'VALUE', value: (r) => r.extras?.value ?? '' },
  { header: 'MS', value: (r) => r.durationMs },
  { header: 'MESSAGE', value: (r) => r.msg ?? r.message ?? '' },
];

export function register(program: Command, ctx: CliContext): void {
  const detector = program.command('detector').description('health-check detectors (list, run)');

  detector
    .command('list')
    .description('every detector: schedule, state, last result')
    .action(async () => {
      const result = await ctx.client().get<{ detectors: DetectorView[] }>('detector-scheduler', '/api/v1/detectors');
      if (ctx.output === 'json') printJson(result);
      else printTable(result.detectors, COLUMNS);
    });

  detector
    .command('run')
    .description('run one detector now (operator), or every enabled one (admin); counts toward thresholds')
    .argument('[id]', 'one detector')
    .action(async (id: string | undefined) => {
      // Only a missing id runs them all: `run .` must not become POST /detectors/run.
      const path = id === undefined ? '/api/v1/detectors/run' : `/api/v1/detectors/${pathSegment(id, 'detector')}/run`;
      const result = await ctx.client().post<{ results: DetectorResult[] }>('detector-scheduler', path, {}, { check: 'detector list' });
      if (ctx.output === 'json') printJson(result);
      else printTable(result.results, RESULT_COLUMNS);
    });
}
