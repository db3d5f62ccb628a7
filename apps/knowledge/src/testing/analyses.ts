import { AlertAnalysis } from '@firebreak/contracts';

export const ANALYSED_EPISODE_STARTS_AT = '2026-12-07T00:00:00.000Z';

/**
 * An analysis as the analyser makes it, with hostile text in it as data (quotes, a backslash, a newline, SQL): what
 * the stores must keep unchanged. `overrides` for what a test varies (the alertname, the episode's start).
 */
export function sampleAnalysis(fingerprint: string, summary: string, overrides: Partial<AlertAnalysis> = {}): AlertAnalysis {
  return {
    fingerprint,
    alertname: 'HighErrorRate',
    severity: 'critical',
    startsAt: ANALYSED_EPISODE_STARTS_AT,
    engine: 'knowledge',
    summary,
    probableCauses: [{ cause: `'); DROP TABLE analyses; --`, evidence: 'a "quoted" \\ backslashed\nline' }],
    mitigations: ['Run runbook high_error_rate'],
    queries: [{ description: 'Are the targets up', promql: `up{instance="${fingerprint}"}` }],
    similarIncidents: [],
    recommendedRunbooks: [],
    analyzedAt: '2026-12-07T00:00:01.000Z',
    durationMs: 12,
    ...overrides,
  };
}
