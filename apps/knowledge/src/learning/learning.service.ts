import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '@firebreak/platform';
import { formatDuration } from '../core/text';
import { DocumentsService } from '../documents/documents.service';
import { EpisodeRepository } from './episode.repository';
import { LearningStatsRepository } from './learning-stats.repository';
import { Episode, RunbookStats } from './learning.types';
import { RunRepository } from './run.repository';

/** What was learnt, read: runbook statistics, fixed labels, past write-ups and the patterns view. */
@Injectable()
export class LearningService {
  constructor(
    private readonly statsRepo: LearningStatsRepository,
    private readonly episodes: EpisodeRepository,
    private readonly runs: RunRepository,
    private readonly documents: DocumentsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  stats(alertname: string, signature?: string): Promise<RunbookStats[]> {
    return this.statsRepo.stats(alertname, signature);
  }

  fixedLabels(alertname: string) {
    return this.statsRepo.fixedLabels(alertname);
  }

  /** Past episodes with a write-up still kept (FIREBREAK_WRITEUP_RETENTION removes old ones; their episodes stay). */
  async writeups(alertname: string, limit: number): Promise<Episode[]> {
    const episodes = await this.episodes.writeups(alertname, limit);
    const kept = new Set((await this.documents.find(episodes.flatMap((e) => (e.writeupId ? [e.writeupId] : [])))).map((d) => d.id));
    return episodes.filter((e) => e.writeupId !== null && kept.has(e.writeupId));
  }

  /** The alert of a fingerprint as last learnt (its name and labels), for recommendations by fingerprint. */
  async alertOf(fingerprint: string): Promise<{ alertname: string; labels: Record<string, string> } | undefined> {
    const episode = await this.episodes.episodeOf(fingerprint);
    const run = await this.runs.labelsOfFingerprint(fingerprint);
    const alertname = episode?.alertname ?? run?.alertname;
    if (!alertname) return undefined;
    return { alertname, labels: episode?.labels ?? run?.labels ?? {} };
  }

  /** Seed 001's patterns: per incident type and per resolution. */
  async patterns() {
    const { byAlert, solutions, triggers, effectiveness } = await this.statsRepo.patternRows();
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

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
