import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { labelOverlap } from '../core/labels';
import { WRITEUP_AUTHOR } from '../documents/documents.repository';
import { fitDocumentLimits } from '../documents/document-limits';
import { DocumentsService } from '../documents/documents.service';
import { EpisodeRepository } from './episode.repository';
import { Episode } from './learning.types';
import { RunRepository } from './run.repository';
import { renderWriteup, SimilarWriteup, writeupId } from './writeup';

/** Writes (and rewrites) the incident document of a resolved episode that ran automation. */
@Injectable()
export class IncidentWriteupService {
  constructor(
    private readonly episodes: EpisodeRepository,
    private readonly runs: RunRepository,
    private readonly documents: DocumentsService,
  ) {}

  async writeUp(manager: EntityManager, episode: Episode): Promise<void> {
    const runs = await this.runs.runsOf(manager, episode.id);
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
      fitDocumentLimits({
        id,
        title: `Incident: ${episode.alertname} at ${episode.firedAt.toISOString()}`,
        type: 'dynamic' as const,
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
        source: 'incident' as const,
      }),
      WRITEUP_AUTHOR,
    );
    if (episode.writeupId !== id) await this.episodes.setWriteup(manager, episode.id, id);
  }

  private async similarTo(manager: EntityManager, episode: Episode): Promise<SimilarWriteup[]> {
    const past = (await this.episodes.writeups(episode.alertname, 50, episode.id, manager)).filter((p) => p.firedAt < episode.firedAt);
    // Write-ups past FIREBREAK_WRITEUP_RETENTION are gone; their episodes keep writeup_id (so they are not written up
    // again) but are no similar incidents any more. Read in the transaction: an incident written up earlier in the same
    // batch of alert state changes is not committed yet, and is still a similar incident.
    const kept = new Set(
      (
        await this.documents.find(
          past.map((p) => p.writeupId ?? writeupId(p)),
          manager,
        )
      ).map((d) => d.id),
    );
    return past
      .filter((p) => kept.has(p.writeupId ?? writeupId(p)))
      .map((p) => ({ p, overlap: labelOverlap(p.labels ?? {}, episode.labels ?? {}) }))
      .sort((a, b) => b.overlap - a.overlap || b.p.firedAt.getTime() - a.p.firedAt.getTime())
      .slice(0, 5)
      .map(({ p }) => ({
        documentId: p.writeupId ?? writeupId(p),
        title: `Incident: ${p.alertname} at ${p.firedAt.toISOString()}`,
        resolvedAt: p.resolvedAt,
      }));
  }
}
