import { Alert } from '@firebreak/contracts';
import { AnalysisBody } from './knowledge-analysis';
import { shedAnalysis } from './shed-analysis';

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
