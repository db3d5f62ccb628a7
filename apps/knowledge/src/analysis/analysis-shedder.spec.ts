import { Alert } from '@firebreak/contracts';
import { AnalysisShedder, ShedSettings } from './analysis-shedder';
import { AnalysisBody } from './knowledge-analysis';

const alert = (alertname: string, i: number, namespace = 'shop'): Alert => ({
  fingerprint: i.toString(16).padStart(16, '0'),
  status: 'firing',
  labels: { alertname, namespace, instance: `10.0.0.${i}` },
  annotations: {},
  severity: 'critical',
  startsAt: '2026-12-07T00:00:00.000Z',
  endsAt: null,
  generatorURL: '',
});

function setUp(overrides: Partial<ShedSettings> = {}) {
  let now = 1_000_000;
  const shedder = new AnalysisShedder(
    { groupBy: ['alertname'], fullPerWindow: 3, windowMs: 600_000, ratePerSecond: 1, burst: 100, ...overrides },
    () => now,
  );
  return { shedder, advance: (ms: number) => (now += ms) };
}

const verdicts = (shedder: AnalysisShedder, alerts: Alert[]) => alerts.map((a) => shedder.admit(a).verdict);

describe('AnalysisShedder', () => {
  it('lets the first N episodes of a group through per window, summarises the rest, and starts again in the next window', () => {
    const { shedder, advance } = setUp();
    const storm = Array.from({ length: 6 }, (_, i) => alert('KubePodCrashLooping', i));
    expect(verdicts(shedder, storm)).toEqual(['full', 'full', 'full', 'storm', 'storm', 'storm']);
    // Another alertname is another group.
    expect(shedder.admit(alert('TargetDown', 99)).verdict).toBe('full');
    advance(599_999);
    expect(shedder.admit(alert('KubePodCrashLooping', 7)).verdict).toBe('storm');
    advance(1);
    expect(shedder.admit(alert('KubePodCrashLooping', 8)).verdict).toBe('full');
  });

  it("points a summarised episode at the group's first full analysis, with its findings once made", () => {
    const { shedder } = setUp({ fullPerWindow: 1 });
    const first = shedder.admit(alert('HighErrorRate', 1));
    const early = shedder.admit(alert('HighErrorRate', 2));
    expect(early).toMatchObject({ verdict: 'storm', seen: 2, leader: { fingerprint: alert('', 1).fingerprint } });
    expect(early.verdict === 'storm' && early.leader?.body).toBeUndefined();
    const body = { summary: 'the first one' } as AnalysisBody;
    if (first.verdict === 'full') first.done(body);
    const late = shedder.admit(alert('HighErrorRate', 3));
    expect(late.verdict === 'storm' && late.leader?.body).toBe(body);
  });

  it('groups by the labels it is told to', () => {
    const { shedder } = setUp({ groupBy: ['alertname', 'namespace'], fullPerWindow: 1 });
    expect(shedder.admit(alert('HighErrorRate', 1, 'shop')).verdict).toBe('full');
    expect(shedder.admit(alert('HighErrorRate', 2, 'billing')).verdict).toBe('full');
    expect(shedder.admit(alert('HighErrorRate', 3, 'shop')).verdict).toBe('storm');
  });

  it('skips past the global budget (burst, then the rate) whatever the group', () => {
    const { shedder, advance } = setUp({ ratePerSecond: 2, burst: 3 });
    const distinct = Array.from({ length: 5 }, (_, i) => alert(`Alert${i}`, i));
    expect(verdicts(shedder, distinct)).toEqual(['full', 'full', 'full', 'budget', 'budget']);
    advance(500); // one token back at 2 per second
    expect(verdicts(shedder, [alert('Other1', 10), alert('Other2', 11)])).toEqual(['full', 'budget']);
    // A budget skip does not use a place of its group: the group's next episode can still be analysed in full.
    advance(1000);
    expect(shedder.admit(alert('Alert3', 12)).verdict).toBe('full');
  });

  it('gives the place and the token back when the episode turns out analysed already (a redelivery), once', () => {
    const { shedder } = setUp({ fullPerWindow: 1, burst: 1, ratePerSecond: 0.001 });
    const first = shedder.admit(alert('HighErrorRate', 1));
    if (first.verdict !== 'full') throw new Error('expected full');
    first.cancel();
    first.cancel();
    const again = shedder.admit(alert('HighErrorRate', 1));
    expect(again.verdict).toBe('full');
    expect(shedder.admit(alert('HighErrorRate', 2)).verdict).toBe('storm');
    expect(shedder.admit(alert('Other', 3)).verdict).toBe('budget');
  });
});
