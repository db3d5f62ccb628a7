import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CONFIG, table } from '@firebreak/platform';
import type { ExecutorConfig } from '../service';
import { DeadLetterEntry } from './dlq.step';

/** Dead letters a `dlq` step archived instead of replaying, kept for a person to look at. */
@Injectable()
export class DlqArchiveRepository {
  private readonly table: string;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(CONFIG) config: ExecutorConfig,
  ) {
    this.table = table(config.dbSchema, 'dlq_archive');
  }

  async insert(entry: DeadLetterEntry, executionId: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO ${this.table} (dlq_event_id, original_subject, reason, error, dead_lettered_at, payload, execution_id) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
      [
        entry.id,
        entry.letter.originalSubject,
        entry.letter.reason,
        entry.letter.error,
        entry.letter.deadLetteredAt,
        entry.letter.payload,
        executionId,
      ],
    );
  }
}
