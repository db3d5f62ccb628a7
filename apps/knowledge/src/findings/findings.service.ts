import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, Clock, CONFIG } from '@firebreak/platform';
import type { KnowledgeConfig } from '../service';
import { CatalogService } from '../catalog/catalog.service';
import { labelOverlap } from '../core/labels';
import { rankRunbooks, RankedRunbook } from '../core/ranking';
import { DocumentsService } from '../documents/documents.service';
import { LearningService } from '../learning/learning.service';
import { SearchService } from '../search/search.service';
import { AlertFindings, AlertQuery, DocumentHit, KnowledgeFindings, SimilarIncident } from './findings';

const MAX_RECOMMENDATIONS = 5;
/** Bounds the cache: one entry per alertname and search text. */
const MAX_CACHED = 1000;

type Inputs = [
  Awaited<ReturnType<LearningService['stats']>>,
  Awaited<ReturnType<LearningService['fixedLabels']>>,
  Awaited<ReturnType<SearchService['related']>>,
  Awaited<ReturnType<SearchService['related']>>,
  Awaited<ReturnType<LearningService['writeups']>>,
];

/**
 * What the knowledge base knows about one alert: runbooks ranked by what fixed alerts of its name (Wilson
 * lower bound), its text and its labels; past incidents like it; documents about it. Only runbooks in the
 * catalogue are ever named.
 */
@Injectable()
export class FindingsService implements KnowledgeFindings {
  constructor(
    private readonly learning: LearningService,
    private readonly catalog: CatalogService,
    private readonly search: SearchService,
    private readonly documents: DocumentsService,
    @Inject(CONFIG) private readonly config: KnowledgeConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Per alertname + search text, with the time it was read (Map order = insertion order, oldest first). */
  private readonly cache = new Map<string, { at: number; inputs: Promise<Inputs> }>();

  async forAlert(alert: AlertQuery): Promise<AlertFindings> {
    const text = [alert.alertname, ...Object.values(alert.labels), alert.annotations?.summary ?? '', alert.annotations?.description ?? '']
      .join(' ')
      .slice(0, 2000);
    const [stats, fixedLabels, runbookHits, documents, pastEpisodes] = await this.inputs(alert.alertname, text);
    const candidates = new Set([...stats.map((s) => s.runbookId), ...runbookHits.map((h) => h.id)]);
    const known = await this.catalog.known([...candidates]);
    const relevance = new Map(runbookHits.map((h) => [h.id, h.relevance_score]));
    const ranked: RankedRunbook[] = rankRunbooks(
      [...known].map(([runbookId, { title }]) => {
        const s = stats.find((row) => row.runbookId === runbookId);
        const overlaps = (fixedLabels.get(runbookId) ?? []).map((labels) => labelOverlap(labels, alert.labels));
        return {
          runbookId,
          title: title ?? runbookId,
          runs: s?.runs ?? 0,
          fixed: s?.fixed ?? 0,
          textRelevance: relevance.get(runbookId) ?? 0,
          labelOverlap: overlaps.length ? Math.max(...overlaps) : 0,
        };
      }),
      MAX_RECOMMENDATIONS,
    );
    const similarIncidents: SimilarIncident[] = pastEpisodes
      .filter((e) => e.fingerprint !== alert.fingerprint || e.resolvedAt !== null)
      .map((e) => ({ e, similarity: labelOverlap(e.labels ?? {}, alert.labels) }))
      .sort((a, b) => b.similarity - a.similarity || (b.e.resolvedAt?.getTime() ?? 0) - (a.e.resolvedAt?.getTime() ?? 0))
      .slice(0, 5)
      .map(({ e, similarity }) => ({
        documentId: e.writeupId ?? '',
        title: `Incident: ${e.alertname} at ${e.firedAt.toISOString()}`,
        alertname: e.alertname,
        similarity: Math.round(similarity * 1000) / 1000,
        resolvedAt: e.resolvedAt?.toISOString() ?? null,
        timeToResolveMs: e.resolvedAt ? e.resolvedAt.getTime() - e.firedAt.getTime() : null,
        runbooks: [],
      }));
    const runsByDoc = await this.runbooksOf(similarIncidents.map((s) => s.documentId));
    for (const incident of similarIncidents) incident.runbooks = runsByDoc.get(incident.documentId) ?? [];
    const documentHits: DocumentHit[] = documents.map((d) => ({
      id: d.id,
      title: d.title,
      type: d.type,
      relevanceScore: d.relevance_score,
      summary: d.summary,
    }));
    return {
      recommendedRunbooks: ranked.map((r) => ({
        runbookId: r.runbookId,
        title: r.title,
        score: r.score,
        evidence: { runs: r.runs, fixed: r.fixed, successRate: Math.round(r.successRate * 1000) / 1000 },
        reasons: r.reasons,
      })),
      similarIncidents,
      documents: documentHits,
    };
  }

  /**
   * What is known for alerts of this name and text, reused for FIREBREAK_KNOWLEDGE_FINDINGS_CACHE. The
   * searches are scoped: runbook prose, and documents other than write-ups of other alerts (write-ups are
   * the unbounded part of the corpus).
   */
  private inputs(alertname: string, text: string): Promise<Inputs> {
    const key = JSON.stringify([alertname, text]);
    const now = this.clock.now().getTime();
    const ttl = this.config.FIREBREAK_KNOWLEDGE_FINDINGS_CACHE;
    const hit = this.cache.get(key);
    if (hit && now - hit.at < ttl) return hit.inputs;
    const inputs = Promise.all([
      this.learning.stats(alertname),
      this.learning.fixedLabels(alertname),
      this.search.related(text, { sources: ['runbook'], limit: 20 }),
      this.search.related(text, { limit: 10, incidentsOf: alertname }),
      this.learning.writeups(alertname, 50),
    ]);
    if (ttl > 0) {
      this.cache.delete(key);
      this.cache.set(key, { at: now, inputs });
      // A failed read is not kept: the next alert asks again.
      inputs.catch(() => this.cache.get(key)?.inputs === inputs && this.cache.delete(key));
      for (const old of this.cache.keys()) {
        if (this.cache.size <= MAX_CACHED) break;
        this.cache.delete(old);
      }
    }
    return inputs;
  }

  /** What ran in each write-up, from its metadata (the write-up is the record people read). */
  private async runbooksOf(documentIds: string[]): Promise<Map<string, Array<{ runbookId: string; outcome: string }>>> {
    const out = new Map<string, Array<{ runbookId: string; outcome: string }>>();
    const docs = await this.documents.find(documentIds.filter(Boolean));
    for (const doc of docs) {
      const runs = Array.isArray(doc.metadata.runbooks)
        ? (doc.metadata.runbooks as Array<{ runbook_id?: unknown; outcome?: unknown }>)
        : [];
      out.set(
        doc.id,
        runs.map((run) => ({ runbookId: String(run.runbook_id), outcome: String(run.outcome) })),
      );
    }
    return out;
  }
}
