import { Alert, AlertAnalysisSchema } from '@firebreak/contracts';
import { analysisMarkdown } from './analysis-markdown';
import { knowledgeAnalysis } from './knowledge-analysis';

const alert: Alert = {
  fingerprint: 'fedcba9876543210',
  status: 'firing',
  labels: { alertname: 'DiskFull', severity: 'warning', instance: 'db-1' },
  annotations: { summary: 'Disk *almost* full [see](http://evil)' },
  severity: 'warning',
  startsAt: '2026-12-06T10:00:00.000Z',
  endsAt: null,
  generatorURL: '',
};

describe('the knowledge-base analysis', () => {
  it('is a valid analysis even with no history, saying so', () => {
    const body = knowledgeAnalysis(alert, { recommendedRunbooks: [], similarIncidents: [], documents: [] });
    const analysis = AlertAnalysisSchema.parse({
      ...body,
      fingerprint: alert.fingerprint,
      alertname: 'DiskFull',
      severity: 'warning',
      startsAt: alert.startsAt,
      engine: 'knowledge',
      analyzedAt: alert.startsAt,
      durationMs: 1,
    });
    expect(analysis.summary).toContain('No runbook in the catalogue is known to fix it.');
    expect(analysis.probableCauses[0].evidence).toBe('The alert rule’s own description.');
    expect(analysis.mitigations).toHaveLength(1);
    expect(analysis.recommendedRunbooks).toEqual([]);
  });

  it('renders Markdown with the alert’s text escaped and queries in code spans', () => {
    const body = knowledgeAnalysis(alert, { recommendedRunbooks: [], similarIncidents: [], documents: [] });
    const markdown = analysisMarkdown({ ...body, engine: 'knowledge' });
    expect(markdown).toContain('Disk \\*almost\\* full \\[see\\]\\(http://evil\\)');
    expect(markdown).not.toContain('[see](http://evil)');
    expect(markdown).toContain('` up{instance="db-1"} `');
  });
});
