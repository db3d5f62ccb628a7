import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CloudEvent, ExecutionFailed, ExecutionSucceeded, RunbookRequested } from '@firebreak/contracts';
import { InboxKey, TransactionalMessaging } from '@firebreak/bus';
import { CONFIG } from '@firebreak/platform';
import { signatureOf } from '../core/labels';
import { knowledgeMetrics } from '../core/metrics';
import type { KnowledgeConfig } from '../service';
import { EpisodeRepository } from './episode.repository';
import { IncidentWriteupService } from './incident-writeup.service';
import { LearningStatsRepository } from './learning-stats.repository';
import { RunRepository } from './run.repository';

/**
 * Learns which runbook fixes which alert from the bus: alert episodes (alerts.state.changed, in batches: see
 * AlertStateLearning), what was asked
 * to run (runbooks.requested, carrying the alert's labels) and how it ended (runbooks.execution.*). Every
 * handler settles its alert in the same transaction as its inbox row, so a redelivery counts nothing twice
 * and any arrival order ends in the same numbers.
 */
@Injectable()
export class BusLearningService {
  constructor(
    private readonly episodes: EpisodeRepository,
    private readonly runs: RunRepository,
    private readonly stats: LearningStatsRepository,
    private readonly writeups: IncidentWriteupService,
    private readonly messaging: TransactionalMessaging,
    @Inject(CONFIG) private readonly config: KnowledgeConfig,
  ) {}

  async onRequested(event: CloudEvent<RunbookRequested>, inbox: InboxKey): Promise<void> {
    const request = event.data;
    // Manual runs and drills are not an alert's automation; they teach nothing about what fixes alerts.
    if (request.trigger !== 'alert' || !request.fingerprint) return;
    const fingerprint = request.fingerprint;
    const labels = request.context.alert_labels ?? {};
    await this.messaging.run(async (tx) => {
      await this.episodes.lockFingerprint(tx.manager, fingerprint);
      await this.runs.recordRequested(tx.manager, {
        requestId: request.requestId,
        runbookId: request.runbookId,
        fingerprint,
        alertname: request.context.alert_name ?? labels.alertname ?? null,
        signature: signatureOf(labels),
        labels,
        annotations: request.context.alert_annotations ?? {},
        severity: request.context.severity ?? null,
        mode: request.mode,
        requestedAt: new Date(event.time),
      });
      await this.settle(tx.manager, fingerprint, { requestId: request.requestId });
    }, inbox);
  }

  async onSucceeded(done: ExecutionSucceeded, inbox: InboxKey): Promise<void> {
    await this.onOutcome(
      {
        ...done,
        status: 'succeeded',
        reason: null,
        startedAt: new Date(done.startedAt),
        finishedAt: new Date(done.finishedAt),
        durationMs: done.durationMs,
      },
      inbox,
    );
  }

  async onFailed(failed: ExecutionFailed, inbox: InboxKey): Promise<void> {
    const started = failed.startedAt ? new Date(failed.startedAt).getTime() : null;
    await this.onOutcome(
      {
        ...failed,
        status: failed.status,
        reason: failed.reason.slice(0, 1000),
        startedAt: failed.startedAt ? new Date(failed.startedAt) : null,
        finishedAt: new Date(failed.finishedAt),
        // An `ineffective` verdict comes long after the run ended; its duration is the run's, kept from `succeeded`.
        durationMs: started !== null && failed.status !== 'ineffective' ? new Date(failed.finishedAt).getTime() - started : null,
      },
      inbox,
    );
  }

  private async onOutcome(
    o: {
      requestId: string;
      executionId: string;
      runbookId: string;
      fingerprint?: string;
      mode: string;
      status: string;
      reason: string | null;
      startedAt: Date | null;
      finishedAt: Date;
      durationMs: number | null;
    },
    inbox: InboxKey,
  ): Promise<void> {
    const outcome = await this.messaging.run(async (tx) => {
      if (o.fingerprint) await this.episodes.lockFingerprint(tx.manager, o.fingerprint);
      await this.runs.recordOutcome(tx.manager, { ...o, fingerprint: o.fingerprint ?? null });
      if (o.fingerprint) await this.settle(tx.manager, o.fingerprint, { requestId: o.requestId });
      return this.stats.runbookTotals(o.runbookId, tx.manager);
    }, inbox);
    if (outcome.duplicate) return;
    if (o.mode === 'live') knowledgeMetrics.runbookRuns.inc({ runbook: o.runbookId, outcome: o.status });
    const { runs, fixed } = outcome.result;
    if (runs > 0) knowledgeMetrics.runbookSuccessRate.set({ runbook: o.runbookId }, fixed / runs);
  }

  /**
   * Links runs to resolved episodes and decides fixes; then writes up only the episode this event touched
   * (and any resolved one not written up yet). Rewriting every episode of the alert on every event made
   * each write-up a new version per event and cost a query per past episode.
   */
  async settle(manager: EntityManager, fingerprint: string, touched: { episodeId?: string | null; requestId?: string }): Promise<void> {
    const episodes = await this.runs.settle(manager, fingerprint, this.config.FIREBREAK_KNOWLEDGE_FIX_WINDOW);
    const episodeId = touched.requestId ? await this.runs.episodeOfRun(manager, touched.requestId) : (touched.episodeId ?? null);
    for (const episode of episodes)
      if (episode.writeupId === null || episode.id === episodeId) await this.writeups.writeUp(manager, episode);
  }
}
