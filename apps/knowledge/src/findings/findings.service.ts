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
import { PromiseCache } from './promise-cache';

const MAX_RECOMMENDATIONS = 5;
/** Bounds each cache (entries per alertname, per alertname and search text). */
const MAX_CACHED = 1000;

/** What is read per alertname: outcome statistics, the labels of fixed alerts, past write-ups. */
type ByName = [
  Awaited<ReturnType<LearningService['stats']>>,
  Awaited<ReturnType<LearningService['fixedLabels']>>,
  Awaited<ReturnType<LearningService['writeups']>>,
];
/** What is searched per alert text: runbook prose, and documents (the alert's own write-ups among them). */
type ByText = [Awaited<ReturnType<SearchService['related']>>, Awaited<ReturnType<SearchService['related']>>];

/**
 * What the knowledge base knows about one alert: runbooks ranked by what fixed alerts of its name (Wilson
 * lower bound), its text and its labels; past incidents like it; documents about it. Only runbooks in the
 * catalogue are ever named.
 */
@Injectable()
export class FindingsService implements KnowledgeFindings {
  /**
   * Reused for FIREBREAK_KNOWLEDGE_FINDINGS_CACHE. Two caches: what depends on the alertname alone is shared by every
   * alert of that name (a storm's alerts differ in their labels, so their texts, and searches, differ).
   */
  private readonly byName: PromiseCache<ByName>;
  private readonly byText: PromiseCache<ByText>;

  constructor(
    private readonly learning: LearningService,
    private readonly catalog: CatalogService,
    private readonly search: SearchService,
    private readonly documents: DocumentsService,
    @Inject(CONFIG) config: KnowledgeConfig,
    @Inject(CLOCK) clock: Clock,
  ) {
    const now = () => clock.now().getTime();
    this.byName = new PromiseCache(config.FIREBREAK_KNOWLEDGE_FINDINGS_CACHE, MAX_CACHED, now);
    this.byText = new PromiseCache(config.FIREBREAK_KNOWLEDGE_FINDINGS_CACHE, MAX_CACHED, now);
  }

  async forAlert(alert: AlertQuery): Promise<AlertFindings> {
    const text = [alert.alertname, ...Object.values(alert.labels), alert.annotations?.summary ?? '', alert.annotations?.description ?? '']
      .join(' ')
      .slice(0, 2000);
    const [[stats, fixedLabels, pastEpisodes], [runbookHits, documents]] = await Promise.all([
      this.byName.get(alert.alertname, () =>
        Promise.all([
          this.learning.stats(alert.alertname),
          this.learning.fixedLabels(alert.alertname),
          this.learning.writeups(alert.alertname, 50),
        ]),
      ),
      this.searches(alert.alertname, text),
    ]);
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
   * The searches are scoped: runbook prose, and documents other than write-ups of other alerts (write-ups are the
   * unbounded part of the corpus).
   */
  private searches(alertname: string, text: string): Promise<ByText> {
    return this.byText.get(JSON.stringify([alertname, text]), () =>
      Promise.all([
        this.search.related(text, { sources: ['runbook'], limit: 20 }),
        this.search.related(text, { limit: 10, incidentsOf: alertname }),
      ]),
    );
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
