import { NamedConnection, SqlDetector } from '../definitions/detector-config';
import { satisfies } from '../definitions/expectation';
import { Check, CheckContext, CheckError, CheckOutcome } from './check.types';
import { ConnectionPools, numberOf } from './connection-pools';
import { noDataOutcome } from './no-data';

/** One number (first column, first row) from a named read-only connection, compared. */
export class SqlCheck implements Check<SqlDetector> {
  constructor(
    private readonly pools: ConnectionPools,
    private readonly connections: ReadonlyMap<string, NamedConnection>,
  ) {}

  async run(detector: SqlDetector, ctx: CheckContext): Promise<CheckOutcome> {
    const connection = this.connections.get(detector.connection)!;
    let rows: unknown[][];
    try {
      rows = await this.pools.readOne(connection, detector.query, [], ctx.signal, detector.timeoutMs);
    } catch (error) {
      throw new CheckError(`query on ${detector.connection} failed: ${(error as Error).message}`);
    }
    const value = numberOf(rows[0]?.[0]);
    if (value === null)
      return noDataOutcome(detector.onNoData, `the query on ${detector.connection} returned no value`, { rows: rows.length });
    if (Number.isNaN(value))
      throw new CheckError(`the query on ${detector.connection} returned ${JSON.stringify(rows[0][0])}, not a number`);
    const ok = satisfies(value, detector.expect);
    return {
      status: ok ? 'pass' : 'fail',
      value,
      message: `query on ${detector.connection} returned ${value}${ok ? '' : `, expected ${detector.expect.text}`}`,
      extras: { connection: detector.connection, rows: rows.length },
    };
  }
}
