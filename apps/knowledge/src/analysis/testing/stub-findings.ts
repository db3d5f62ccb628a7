import { AlertFindings, AlertQuery, KnowledgeFindings } from '../../findings/findings';

/** Unit-test stand-in for the knowledge base: fixed findings, and the queries it was asked. */
export class StubFindings extends KnowledgeFindings {
  readonly asked: AlertQuery[] = [];

  constructor(private readonly findings: AlertFindings) {
    super();
  }

  forAlert(alert: AlertQuery): Promise<AlertFindings> {
    this.asked.push(alert);
    return Promise.resolve(this.findings);
  }
}

export const SAMPLE_FINDINGS: AlertFindings = {
  recommendedRunbooks: [
    {
      runbookId: 'high_error_rate',
      title: 'High error rate',
      score: 0.8,
      evidence: { runs: 20, fixed: 18, successRate: 0.9 },
      reasons: ['fixed 18 of 20 runs for HighErrorRate'],
    },
    {
      runbookId: 'service_unavailable',
      title: 'Service unavailable',
      score: 0.3,
      evidence: { runs: 0, fixed: 0, successRate: 0 },
      reasons: [],
    },
  ],
  similarIncidents: [
    {
      documentId: 'd1',
      title: 'HighErrorRate on api resolved by high_error_rate',
      alertname: 'HighErrorRate',
      similarity: 0.75,
      resolvedAt: '2026-12-01T10:00:00.000Z',
      timeToResolveMs: 120_000,
      runbooks: [{ runbookId: 'high_error_rate', outcome: 'succeeded' }],
    },
  ],
  documents: [{ id: 'doc-1', title: 'Error rate playbook', type: 'static', relevanceScore: 0.7, summary: 'Roll back the last deploy.' }],
};
