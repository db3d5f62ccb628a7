import { Episode, Run } from './learning.types';
import { renderWriteup, writeupId } from './writeup';

const episode: Episode = {
  id: '1',
  fingerprint: 'abcdefabcdefabcd',
  alertname: 'HighErrorRate',
  severity: 'critical',
  signature: 'job="api"',
  labels: { job: 'api', note: '[click](javascript:alert(1)) # heading | cell' },
  annotations: { summary: '<script>x</script> *bold*' },
  firedAt: new Date('2025-01-01T10:00:00Z'),
  resolvedAt: new Date('2025-01-01T10:07:00Z'),
  writeupId: null,
};
const run: Run = {
  requestId: 'r1',
  executionId: 'e1',
  runbookId: 'high_error_rate',
  origin: 'bus',
  mode: 'live',
  status: 'succeeded',
  reason: null,
  requestedAt: new Date('2025-01-01T10:00:05Z'),
  finishedAt: new Date('2025-01-01T10:02:05Z'),
  durationMs: 120_000,
  fixed: true,
  ineffective: false,
};

describe('incident write-up', () => {
  const text = renderWriteup(episode, [run], [{ documentId: 'incident-x', title: 'Incident: HighErrorRate', resolvedAt: null }]);

  it('names trigger, symptoms, what ran and the time to resolve', () => {
    expect(text).toContain('# Incident: HighErrorRate');
    expect(text).toContain('7m to resolve');
    expect(text).toMatch(/\| high\\_error\\_rate \| live \| succeeded \| 2m \| yes \|/);
    expect(text).toContain('verified fix by high\\_error\\_rate');
    expect(text).toContain('document incident\\-x');
  });

  it('keeps label and annotation text literal: no links, headings, table cells or HTML', () => {
    expect(text).not.toContain('](javascript');
    expect(text).toContain('\\[click\\]\\(javascript:alert\\(1\\)\\) \\# heading \\| cell');
    expect(text).not.toContain('<script>');
    expect(text).toContain('\\<script\\>x\\</script\\> \\*bold\\*');
  });

  it('has one id per episode', () => {
    expect(writeupId(episode)).toBe('incident-abcdefabcdefabcd-1');
    // The start is not part of it: a late firing that moves the start back names the same document.
    const movedBack = { ...episode, firedAt: new Date(0) };
    expect(writeupId(movedBack)).toBe('incident-abcdefabcdefabcd-1');
  });
});
