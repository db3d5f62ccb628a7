import { Injectable } from '@nestjs/common';
import { asPostgresOutage, Batcher } from '@firebreak/bus';
import { AlertAnalysis } from '@firebreak/contracts';
import { AnalysesRepository, ShedRow } from './analyses.repository';
import { analysisMetrics } from './metrics';

/**
 * Shed episodes' summaries, stored in batches: the summaries of a storm handled in one turn of the event loop go in
 * one INSERT instead of a transaction of three statements each. In a storm this is what every alert past the first
 * few costs, so it is most of what the analysis spends.
 */
@Injectable()
export class ShedSummaries {
  private readonly batcher = new Batcher<ShedRow, boolean>((rows) => this.storeBatch(rows), {
    maxSize: 256,
    // Each batch holds a pooled connection; two keep one batch forming while the other commits.
    maxInFlight: 2,
    // An episode is never in two batches at once, nor twice in one: its second summary (a redelivery) must find
    // the first one's row and be a duplicate, and one INSERT never meets the same key twice.
    key: (row) => row.eventId,
  });

  constructor(private readonly repository: AnalysesRepository) {}

  /** True when this summary was stored (and counted); false when the episode had a row already. */
  store(analysis: AlertAnalysis, eventId: string, reason: ShedRow['reason']): Promise<boolean> {
    return this.batcher.submit({ analysis, eventId, reason });
  }

  private async storeBatch(rows: ShedRow[]): Promise<boolean[]> {
    let stored: Set<string>;
    try {
      stored = await this.repository.insertShed(rows);
    } catch (error) {
      // As TransactionalMessaging does: Postgres away is an outage to wait out, not a failure of these alerts.
      throw asPostgresOutage(error);
    }
    const counted = { storm: 0, budget: 0 };
    const outcomes = rows.map((row) => {
      if (!stored.has(row.eventId)) return false;
      counted[row.reason]++;
      return true;
    });
    for (const reason of ['storm', 'budget'] as const) if (counted[reason] > 0) analysisMetrics.skipped.inc({ reason }, counted[reason]);
    return outcomes;
  }
}
