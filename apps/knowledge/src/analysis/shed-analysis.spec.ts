import { Alert, AlertAnalysisSchema } from '@firebreak/contracts';
import { AnalysisBody } from './knowledge-analysis';
import { shedAnalysis, shedEpisodeAnalysis } from './shed-analysis';

const alert = (fingerprint: string): Alert => ({
  fingerprint,
  status: 'firing',
  labels: { alertname: 'NodeDown' },
  annotations: {},
  severity: 'critical',
  startsAt: '2026-12-07T00:00:00.000Z',
  endsAt: null,
  generatorURL: '',
});
const leader = { fingerprint: 'aaaaaaaaaaaaaaaa', startsAt: '2026-12-07T00:00:00.000Z' };
const summaryOf = (fingerprint: string, lead: typeof leader & { body?: AnalysisBody }) =>
  shedAnalysis(alert(fingerprint), { verdict: 'storm', group: 'g', leader: lead, seen: 7 }, ['alertname'], 600_000).summary;

describe('shedAnalysis', () => {
  it('says a full analysis was started, not that one exists, while its leader has none yet (it may still fail)', () => {
    const summary = summaryOf('bbbbbbbbbbbbbbbb', leader);
    expect(summary).toContain(`A full analysis of this storm was started for alert ${leader.fingerprint}`);
    expect(summary).not.toMatch(/This storm's full analysis/);
  });

  it('names the full analysis and copies its findings once it is made', () => {
    const body = { probableCauses: [{ cause: 'a bad deploy', evidence: 'deploy at 00:00' }], mitigations: ['roll back'] } as AnalysisBody;
    const shed = shedAnalysis(
      alert('bbbbbbbbbbbbbbbb'),
      { verdict: 'storm', group: 'g', leader: { ...leader, body }, seen: 7 },
      ['alertname'],
      600_000,
    );
    expect(shed.summary).toContain(`This storm's full analysis: alert ${leader.fingerprint}`);
    expect(shed.probableCauses).toBe(body.probableCauses);
  });

  it('never points an episode at itself (its redelivery shed while its own full analysis runs)', () => {
    expect(summaryOf(leader.fingerprint, leader)).not.toContain(leader.fingerprint);
  });
});

/** Every string in `value` holding half an emoji: Postgres refuses the whole jsonb with it (22P02). */
function loneSurrogates(value: unknown): string[] {
  const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
  if (typeof value === 'string') return lone.test(value) ? [value.slice(-20)] : [];
  if (value && typeof value === 'object') return Object.values(value).flatMap(loneSurrogates);
  return [];
}

describe('shedEpisodeAnalysis', () => {
  // 64 KiB values, quotes, line breaks, emoji and many labels: what a hostile sender may put in an alert (a lone
  // surrogate reaches the knowledge service as U+FFFD: the mapper replaces it).
  const huge = `"\\\n\u2028${'x'.repeat(65_536)}\uFFFD`;
  const hostile: Alert = {
    ...alert('cccccccccccccccc'),
    labels: Object.fromEntries([
      // Cut by the texts' caps, some at an odd unit: in the middle of an emoji unless the cut takes care.
      ['alertname', '🔥'.repeat(3000)],
      ['instance', huge],
      ['job', huge],
      ['__name__', 'up'],
      ...Array.from({ length: 200 }, (_, i) => [`label_${i}`, `${huge}${i}`]),
    ]),
  };
  const body: AnalysisBody = {
    summary: 's'.repeat(4000),
    probableCauses: Array.from({ length: 10 }, () => ({ cause: 'c'.repeat(1000), evidence: 'e'.repeat(2000) })),
    mitigations: Array.from({ length: 10 }, () => 'm'.repeat(1000)),
    queries: [],
    similarIncidents: Array.from({ length: 10 }, () => ({ title: 't'.repeat(500) })),
    recommendedRunbooks: Array.from({ length: 10 }, (_, i) => ({ runbookId: `r${i}`, successRate: 0.5, runs: 2, fixed: 1, score: 0.4 })),
  };
  const now = new Date('2026-12-07T00:00:05.000Z');

  it.each([
    ['a storm summary with its leader’s findings', { verdict: 'storm' as const, group: 'g', leader: { ...leader, body }, seen: 100_000 }],
    ['a storm summary whose leader is still running', { verdict: 'storm' as const, group: 'g', leader, seen: 6 }],
    ['a budget summary without a leader', { verdict: 'budget' as const, group: 'g', seen: 1 }],
  ])('is stored unparsed, so it must already be what AlertAnalysisSchema gives back: %s', (_, admission) => {
    const built = shedEpisodeAnalysis(hostile, admission, { groupBy: ['alertname', 'instance'], windowMs: 600_000 }, new Date(0), now);
    expect(AlertAnalysisSchema.parse(built)).toEqual(built);
    expect(loneSurrogates(built)).toEqual([]);
    expect(built).toMatchObject({ fingerprint: hostile.fingerprint, engine: 'knowledge', analyzedAt: now.toISOString() });
  });
});
