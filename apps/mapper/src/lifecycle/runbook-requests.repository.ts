import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { jsonArray, RowWrite, SqlRunner, WriteBatch } from '../core/write-batch';
import { jsonTuples } from '../core/json-tuples';
import { CONFIG, table } from '@firebreak/platform';
import { MapperConfig } from '../service';

export interface RunbookRequestRow {
  requestId: string;
  fingerprint: string;
  runbookId: string;
  mappingSource: string;
  status: string;
  reason?: string;
  at: Date;
}

export interface RequestCount {
  runbookId: string;
  status: string;
  count: number;
}

/** `runbook_requests`: what the mapper asked for (or would have, with automation off) and how it ended. */
@Injectable()
export class RunbookRequestsRepository {
  private readonly table: string;
  private readonly requests: RowWrite<RunbookRequestRow>;

  constructor(
    @Inject(CONFIG) config: MapperConfig,
    private readonly dataSource: DataSource,
  ) {
    this.table = table(config.dbSchema, 'runbook_requests');
    const tuples = jsonTuples<RunbookRequestRow>(
      '"requestId" text, fingerprint text, "runbookId" text, "mappingSource" text, status text, reason text, at timestamptz',
    );
    const sql = `INSERT INTO ${this.table} (request_id, fingerprint, runbook_id, mapping_source, status, reason, requested_at, updated_at)
       SELECT r."requestId", r.fingerprint, r."runbookId", r."mappingSource", r.status, r.reason, r.at, r.at
         FROM ${tuples.from('$1')}
       ON CONFLICT (request_id) DO NOTHING`;
    this.requests = { encode: tuples.tuple, statements: (_, encoded) => [{ sql, params: [jsonArray(encoded)] }] };
  }

  /** Queued on the batch: a transaction's requests go out in a statement per chunk. */
  insert(batch: WriteBatch, row: RunbookRequestRow): void {
    batch.row(this.requests, row);
  }

  async recordOutcome(
    runner: SqlRunner,
    requestId: string,
    outcome: { status: string; reason?: string; executionId: string; at: Date },
  ): Promise<void> {
    await runner.query(`UPDATE ${this.table} SET status = $2, reason = $3, execution_id = $4, updated_at = $5 WHERE request_id = $1`, [
      requestId,
      outcome.status,
      outcome.reason ?? null,
      outcome.executionId,
      outcome.at,
    ]);
  }

  async counts(): Promise<RequestCount[]> {
    return this.dataSource.query(
      `SELECT runbook_id AS "runbookId", status, count(*)::int AS count FROM ${this.table} GROUP BY runbook_id, status ORDER BY runbook_id, status`,
    );
  }
}
