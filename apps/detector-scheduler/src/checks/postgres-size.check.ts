import { DataSource } from 'typeorm';
import { DependencyUnavailableError, isConnectionFailure } from '@firebreak/bus';
import { NamedConnection, PostgresSizeDetector } from '../definitions/detector-config';
import { satisfies } from '../definitions/expectation';
import { Check, CheckContext, CheckError, CheckOutcome } from './check.types';
import { ConnectionPools, numberOf } from './connection-pools';

const DATABASE_SIZE = 'SELECT pg_database_size(current_database())::float8 AS size, current_database() AS name';
// to_regclass: a missing table is NULL (reported), never an error that names nothing.
const TABLE_SIZE = 'SELECT pg_total_relation_size(to_regclass($1))::float8 AS size, to_regclass($1)::text AS name';

function pretty(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Math.round(value * 10) / 10} ${units[unit]}`;
}

/** The size of a database or a table (with its indexes and TOAST), in bytes. */
export class PostgresSizeCheck implements Check<PostgresSizeDetector> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly pools: ConnectionPools,
    private readonly connections: ReadonlyMap<string, NamedConnection>,
  ) {}

  async run(detector: PostgresSizeDetector, ctx: CheckContext): Promise<CheckOutcome> {
    const [text, values] = detector.table ? [TABLE_SIZE, [detector.table]] : [DATABASE_SIZE, []];
    const row = await this.read(detector, text, values, ctx);
    const bytes = numberOf(row?.[0]);
    const what = detector.table ? `table ${detector.table}` : `database ${String(row?.[1] ?? '')}`;
    if (bytes === null || Number.isNaN(bytes)) throw new CheckError(`${what} was not found`);
    const ok = satisfies(bytes, detector.expect);
    return {
      status: ok ? 'pass' : 'fail',
      value: bytes,
      message: `${what} is ${pretty(bytes)} (${bytes} bytes)${ok ? '' : `, expected ${detector.expect.text}`}`,
      extras: { bytes, pretty: pretty(bytes), ...(detector.table ? { table: detector.table } : { database: row?.[1] }) },
    };
  }

  private async read(detector: PostgresSizeDetector, text: string, values: unknown[], ctx: CheckContext): Promise<unknown[] | undefined> {
    if (detector.connection) {
      const rows = await this.pools.readOne(this.connections.get(detector.connection)!, text, values, ctx.signal, detector.timeoutMs);
      return rows[0];
    }
    // Firebreak's own database through its pool, one short statement (no run holds a connection across
    // its check any more). A pool that cannot hand out a connection is Firebreak's outage, not the
    // database growing: thrown as DependencyUnavailableError, never stored as the detector failing.
    const rows = (await this.dataSource.query(text, values).catch((error: unknown) => {
      throw isConnectionFailure(error) ? new DependencyUnavailableError('postgres', { cause: error }) : error;
    })) as Array<{ size: unknown; name: unknown }>;
    return rows[0] ? [rows[0].size, rows[0].name] : undefined;
  }
}
