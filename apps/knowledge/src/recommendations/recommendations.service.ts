import { Injectable } from '@nestjs/common';
import { AppError } from '@firebreak/platform';
import { AlertQuery, KnowledgeFindings } from '../findings/findings';
import { LearningService } from '../learning/learning.service';

/** The recommendations API: resolves the alert (by fingerprint or name + labels) and answers from the findings. */
@Injectable()
export class RecommendationsService {
  constructor(
    private readonly learning: LearningService,
    private readonly findings: KnowledgeFindings,
  ) {}

  /** The HTTP entry: by fingerprint (the alert as learnt) or by alertname and labels. */
  async recommend(query: { fingerprint?: string; alertname?: string; labels: Record<string, string> }) {
    let alert: AlertQuery;
    if (query.fingerprint) {
      const known = await this.learning.alertOf(query.fingerprint);
      if (!known && !query.alertname)
        throw new AppError('not_found', `nothing is known about alert ${query.fingerprint}; pass alertname and labels instead`, 404);
      alert = {
        fingerprint: query.fingerprint,
        alertname: known?.alertname ?? query.alertname!,
        labels: { ...known?.labels, ...query.labels },
      };
    } else alert = { alertname: query.alertname!, labels: query.labels };
    const findings = await this.findings.forAlert(alert);
    return {
      alertname: alert.alertname,
      labels: alert.labels,
      recommendations: findings.recommendedRunbooks.map((r) => ({
        runbook_id: r.runbookId,
        title: r.title,
        score: r.score,
        evidence: r.evidence,
        reasons: r.reasons,
      })),
      similar_incidents: findings.similarIncidents,
      documents: findings.documents,
    };
  }
}
