import { Alert } from '@firebreak/contracts';
import { AnalysisShedder, MAX_KEPT_BODIES, ShedSettings } from './analysis-shedder';
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

  it('keys a group by a small digest however long its label values, and still tells such groups apart', () => {
    const { shedder } = setUp({ fullPerWindow: 1 });
    const hostile = '\u0001'.repeat(65_535);
    const a = alert(`${hostile}a`, 1);
    const b = alert(`${hostile}b`, 2);
    expect(shedder.groupOf(a).length).toBeLessThanOrEqual(64);
    expect(shedder.groupOf(a)).not.toBe(shedder.groupOf(b));
    expect(verdicts(shedder, [a, b, alert(`${hostile}a`, 3)])).toEqual(['full', 'full', 'storm']);
  });

  it('loses no tokens and stretches no window when the clock steps back', () => {
    const { shedder, advance } = setUp({ ratePerSecond: 5, burst: 5, fullPerWindow: 1, windowMs: 60_000 });
    expect(
      verdicts(
        shedder,
        Array.from({ length: 6 }, (_, i) => alert(`Alert${i}`, i)),
      ),
    ).toEqual([...Array<string>(5).fill('full'), 'budget']);
    advance(-600_000);
    expect(shedder.admit(alert('Alert5', 5)).verdict).toBe('budget'); // the shedder sees the step here
    advance(1_000); // five tokens back at 5 per second, counted from where the clock stepped to
    expect(
      verdicts(
        shedder,
        Array.from({ length: 5 }, (_, i) => alert(`Other${i}`, 10 + i)),
      ),
    ).toEqual(Array<string>(5).fill('full'));
    // Alert0's window (60 s) began 1 s of real time before the step; 59 s later it is over.
    advance(59_000);
    expect(shedder.admit(alert('Alert0', 20)).verdict).toBe('full');
  });

  it(`keeps at most ${MAX_KEPT_BODIES} full analyses for summaries, the latest ones`, () => {
    const { shedder } = setUp({ fullPerWindow: 1, burst: 1_000 });
    const body = { summary: 'full' } as AnalysisBody;
    for (let i = 0; i <= MAX_KEPT_BODIES; i++) {
      const admission = shedder.admit(alert(`Group${i}`, i));
      if (admission.verdict === 'full') admission.done(body);
    }
    const oldest = shedder.admit(alert('Group0', 100));
    const latest = shedder.admit(alert(`Group${MAX_KEPT_BODIES}`, 101));
    expect(oldest).toMatchObject({ verdict: 'storm', leader: { fingerprint: alert('', 0).fingerprint } });
    expect(oldest.verdict === 'storm' && oldest.leader?.body).toBeUndefined();
    expect(latest.verdict === 'storm' && latest.leader?.body).toBe(body);
  });
});
