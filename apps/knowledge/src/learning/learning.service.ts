import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { EntityManager } from 'typeorm';
import { AlertStateChanged, CloudEvent, ExecutionFailed, ExecutionSucceeded, RunbookRequested } from '@firebreak/contracts';
import { InboxKey, TransactionalMessaging } from '@firebreak/bus';
import { ApiPrincipal, AuditLog, CLOCK, Clock, CONFIG, LOGGER } from '@firebreak/platform';
import { labelOverlap, signatureOf } from '../core/labels';
import { knowledgeMetrics } from '../core/metrics';
import { escapeMarkdown, formatDuration } from '../core/text';
import { DocumentsService } from '../documents/documents.service';
import { wilsonLowerBound } from '../core/ranking';
import type { KnowledgeConfig } from '../service';
import { LearnBody } from './learning.dto';
import { LearningRepository } from './learning.repository';
import { Episode, RunbookStats } from './learning.types';
import { renderWriteup, SimilarWriteup, writeupId } from './writeup';

/**
 * Learns which runbook fixes which alert from the bus: alert episodes (alerts.state.changed), what was asked
 * to run (runbooks.requested, carrying the alert's labels) and how it ended (runbooks.execution.*). Every
 * handler settles its alert in the same transaction as its inbox row, so a redelivery counts nothing twice
 * and any arrival order ends in the same numbers.
 */
@Injectable()
export class LearningService {
  constructor(
    private readonly repo: LearningRepository,
    private readonly documents: DocumentsService,
    private readonly messaging: TransactionalMessaging,
    private readonly audit: AuditLog,
    @Inject(CONFIG) private readonly config: KnowledgeConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onAlertState(change: AlertStateChanged, inbox: InboxKey): Promise<void> {
    await this.messaging.run(async (tx) => {
      await this.repo.lockFingerprint(tx.manager, change.fingerprint);
      const at = new Date(change.at);
      const episode = { fingerprint: change.fingerprint, alertname: change.alertname, severity: change.severity, at };
      let touched: string | null;
      if (change.to === 'firing' && (change.from === null || change.from === 'resolved'))
        touched = await this.repo.openEpisode(tx.manager, episode);
      else if (change.to === 'resolved') touched = await this.repo.closeEpisode(tx.manager, episode);
      else return;
      await this.settle(tx.manager, change.fingerprint, { episodeId: touched });
    }, inbox);
  }

  async onRequested(event: CloudEvent<RunbookRequested>, inbox: InboxKey): Promise<void> {
    const request = event.data;
    // Manual runs and drills are not an alert's automation; they teach nothing about what fixes alerts.
    if (request.trigger !== 'alert' || !request.fingerprint) return;
    const fingerprint = request.fingerprint;
    const labels = request.context.alert_labels ?? {};
    await this.messaging.run(async (tx) => {
      await this.repo.lockFingerprint(tx.manager, fingerprint);
      await this.repo.recordRequested(tx.manager, {
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
      if (o.fingerprint) await this.repo.lockFingerprint(tx.manager, o.fingerprint);
      await this.repo.recordOutcome(tx.manager, { ...o, fingerprint: o.fingerprint ?? null });
      if (o.fingerprint) await this.settle(tx.manager, o.fingerprint, { requestId: o.requestId });
      return this.repo.runbookTotals(o.runbookId, tx.manager);
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
  private async settle(
    manager: EntityManager,
    fingerprint: string,
    touched: { episodeId?: string | null; requestId?: string },
  ): Promise<void> {
    const episodes = await this.repo.settle(manager, fingerprint, this.config.FIREBREAK_KNOWLEDGE_FIX_WINDOW);
    const episodeId = touched.requestId ? await this.repo.episodeOfRun(manager, touched.requestId) : (touched.episodeId ?? null);
    for (const episode of episodes) if (episode.writeupId === null || episode.id === episodeId) await this.writeUp(manager, episode);
  }

  private async writeUp(manager: EntityManager, episode: Episode): Promise<void> {
    const runs = await this.repo.runsOf(manager, episode.id);
    const id = writeupId(episode);
    // Similar incidents are what was known when the incident was first written up: frozen, so later
    // incidents neither shrink the list nor make each rewrite a new version.
    const existing = await this.documents.findIn(manager, id);
    const frozen = existing?.metadata.similar_incidents;
    const similar: SimilarWriteup[] = Array.isArray(frozen)
      ? (frozen as Array<{ document_id: string; title: string; resolved_at: string | null }>).map((f) => ({
          documentId: f.document_id,
          title: f.title,
          resolvedAt: f.resolved_at ? new Date(f.resolved_at) : null,
        }))
      : await this.similarTo(manager, episode);
    const ttr = episode.resolvedAt ? episode.resolvedAt.getTime() - episode.firedAt.getTime() : null;
    await this.documents.save(
      manager,
      {
        id,
        title: `Incident: ${episode.alertname} at ${episode.firedAt.toISOString()}`,
        type: 'dynamic',
        severity: episode.severity,
        tags: ['incident', episode.alertname, ...new Set(runs.map((run) => run.runbookId))].slice(0, 50),
        metadata: {
          fingerprint: episode.fingerprint,
          alertname: episode.alertname,
          signature: episode.signature,
          labels: episode.labels ?? {},
          fired_at: episode.firedAt.toISOString(),
          resolved_at: episode.resolvedAt?.toISOString() ?? null,
          time_to_resolve_ms: ttr,
          runbooks: runs.map((run) => ({
            runbook_id: run.runbookId,
            outcome: run.ineffective ? 'ineffective' : run.status,
            fixed: run.fixed,
          })),
          similar_incidents: similar.map((x) => ({
            document_id: x.documentId,
            title: x.title,
            resolved_at: x.resolvedAt?.toISOString() ?? null,
          })),
        },
        body: renderWriteup(episode, runs, similar),
        source: 'incident',
      },
      'system:learning',
    );
    if (episode.writeupId !== id) await this.repo.setWriteup(manager, episode.id, id);
  }

  private async similarTo(manager: EntityManager, episode: Episode): Promise<SimilarWriteup[]> {
    const past = await this.repo.writeups(episode.alertname, 50, episode.id, manager);
    return past
      .filter((p) => p.firedAt < episode.firedAt)
      .map((p) => ({ p, overlap: labelOverlap(p.labels ?? {}, episode.labels ?? {}) }))
      .sort((a, b) => b.overlap - a.overlap || b.p.firedAt.getTime() - a.p.firedAt.getTime())
      .slice(0, 5)
      .map(({ p }) => ({
        documentId: p.writeupId ?? writeupId(p),
        title: `Incident: ${p.alertname} at ${p.firedAt.toISOString()}`,
        resolvedAt: p.resolvedAt,
      }));
  }

  /** Seed 001's learn: an outcome reported by people or n8n, counted like runs (per resolution entry). */
  async learn(body: LearnBody, principal: ApiPrincipal) {
    const data = body.incident_data;
    // Without an id, the report's own content names it: a retried POST (n8n retries) counts once.
    const reportId = data.id ?? `sha256-${createHash('sha256').update(canonicalJson(body)).digest('hex').slice(0, 32)}`;
    const signature = signatureOf(body.context);
    const at = this.clock.now();
    // Ids are case-sensitive everywhere (runs and document): `INC-1` and `inc-1` are two reports. The id's
    // characters are already those of a document id.
    const documentId = `learned-${reportId}`;
    const created = await this.messaging.run(async (tx) => {
      let fresh = false;
      for (const [index, resolution] of data.resolution.entries())
        fresh =
          (await this.repo.recordManual(tx.manager, {
            requestId: `learn:${reportId}#${index}`,
            runbookId: resolution,
            alertname: data.type,
            signature,
            labels: body.context,
            success: data.success,
            durationMs: data.duration ?? null,
            diagnosis: index === 0 && data.diagnosis.length ? data.diagnosis.join('\n') : null,
            at,
          })) || fresh;
      if (!fresh) return false;
      await this.documents.save(tx.manager, learnedDocument(documentId, body, principal.name), principal.name);
      await this.audit.record(
        { actor: principal.name, action: 'knowledge.learn', target: data.type, details: { report: reportId, success: data.success } },
        tx.manager,
      );
      return true;
    });
    const stats = await this.repo.stats(data.type);
    const runs = stats.reduce((sum, s) => sum + s.runs, 0);
    const fixed = stats.reduce((sum, s) => sum + s.fixed, 0);
    const best = [...stats].sort((a, b) => wilsonLowerBound(b.fixed, b.runs) - wilsonLowerBound(a.fixed, a.runs))[0];
    return {
      pattern_detected: runs >= 2,
      pattern_id: data.type.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
      confidence: Math.round(wilsonLowerBound(fixed, runs) * 100) / 100,
      new_runbook_created: created,
      runbook_id: documentId,
      recommendations:
        best && best.fixed > 0 ? [`${best.runbookId} fixed ${best.fixed} of ${best.runs} recorded ${data.type} incidents`] : [],
    };
  }

  stats(alertname: string, signature?: string): Promise<RunbookStats[]> {
    return this.repo.stats(alertname, signature);
  }

  fixedLabels(alertname: string) {
    return this.repo.fixedLabels(alertname);
  }

  writeups(alertname: string, limit: number): Promise<Episode[]> {
    return this.repo.writeups(alertname, limit);
  }

  /** The alert of a fingerprint as last learnt (its name and labels), for recommendations by fingerprint. */
  async alertOf(fingerprint: string): Promise<{ alertname: string; labels: Record<string, string> } | undefined> {
    const episode = await this.repo.episodeOf(fingerprint);
    const run = await this.repo.labelsOfFingerprint(fingerprint);
    const alertname = episode?.alertname ?? run?.alertname;
    if (!alertname) return undefined;
    return { alertname, labels: episode?.labels ?? run?.labels ?? {} };
  }

  /** Seed 001's patterns: per incident type and per resolution. */
  async patterns() {
    const { byAlert, solutions, triggers, effectiveness } = await this.repo.patternRows();
    const top = <T extends { alertname: string }>(rows: T[], alertname: string, n: number) =>
      rows.filter((r) => r.alertname === alertname).slice(0, n);
    const incident_patterns: Record<string, unknown> = {};
    for (const row of byAlert) {
      const runs = Number(row.runs);
      incident_patterns[row.alertname] = {
        frequency: Number(row.episodes) + Number(row.manual),
        avg_resolution_time: row.avg_resolve_ms === null ? null : formatDuration(Number(row.avg_resolve_ms)),
        success_rate: runs ? round(Number(row.fixed) / runs) : null,
        runs,
        fixed: Number(row.fixed),
        common_solutions: top(solutions, row.alertname, 5).map((s) => s.runbook_id),
        triggers: top(triggers, row.alertname, 5).map((t) => t.pair),
      };
    }
    const resolution_effectiveness: Record<string, unknown> = {};
    for (const row of effectiveness) {
      const runs = Number(row.runs);
      resolution_effectiveness[row.runbook_id] = {
        success_rate: runs ? round(Number(row.fixed) / runs) : null,
        avg_time: row.avg_ms === null ? null : formatDuration(Number(row.avg_ms)),
        runs,
        fixed: Number(row.fixed),
        // Not observed by Firebreak; kept for the seed's shape.
        side_effects: [],
      };
    }
    this.logger.debug({ patterns: byAlert.length }, 'patterns computed');
    return { incident_patterns, resolution_effectiveness };
  }
}

/** JSON with object keys sorted: the same report, however its keys were ordered, hashes the same. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function learnedDocument(id: string, body: LearnBody, actor: string) {
  const data = body.incident_data;
  const e = escapeMarkdown;
  const lines = [
    `# Incident: ${e(data.type)} (reported)`,
    '',
    `Reported by ${e(actor)}: ${data.success ? 'resolved' : 'not resolved'}${data.duration !== undefined ? ` in ${formatDuration(data.duration)}` : ''}.`,
    '',
    '## Diagnosis',
    '',
    ...(data.diagnosis.length ? data.diagnosis.map((d) => `- ${e(d)}`) : ['- (none given)']),
    '',
    '## Resolution',
    '',
    ...data.resolution.map((r) => `- ${e(r)}`),
    '',
    '## Context',
    '',
    ...(Object.keys(body.context).length ? Object.entries(body.context).map(([k, v]) => `- **${e(k)}**: ${e(v)}`) : ['- (none given)']),
    '',
  ];
  return {
    id,
    title: `Incident: ${data.type} (reported)`,
    type: 'dynamic' as const,
    severity: null,
    tags: ['incident', 'reported', data.type],
    metadata: { incident_type: data.type, success: data.success, duration_ms: data.duration ?? null, context: body.context },
    body: lines.join('\n'),
    source: 'incident' as const,
  };
}
