import { CloudEvent, DataOf } from '@firebreak/contracts';
import { fromAlertNotify, fromApprovalRequested, fromNotificationRequested } from './from-events';
import { headline, statusLine } from './notification';
import { summaryNotification } from './summary';

function notify(
  kind: DataOf<'alerts.notify'>['kind'],
  overrides: Partial<DataOf<'alerts.notify'>['alert']> = {},
): CloudEvent<DataOf<'alerts.notify'>> {
  return {
    specversion: '1.0',
    id: 'evt-1',
    source: 'firebreak/mapper',
    type: 'firebreak.alerts.notify.v1',
    time: '2025-01-01T00:00:05.000Z',
    data: {
      kind,
      receivedAt: '2025-01-01T00:00:00.000Z',
      occurrences: 3,
      alert: {
        fingerprint: '0123456789abcdef',
        status: kind === 'resolved' ? 'resolved' : 'firing',
        labels: { alertname: 'HighErrorRate', severity: 'critical', job: 'api', instance: 'api-1:9090' },
        annotations: {
          summary: 'Error rate above 5%',
          description: 'The API fails 7% of requests.',
          runbook_url: 'https://runbooks/high-error-rate',
          dashboard: 'grafana',
        },
        severity: 'critical',
        startsAt: '2025-01-01T00:00:00.000Z',
        endsAt: kind === 'resolved' ? '2025-01-01T00:10:00.000Z' : null,
        generatorURL: 'http://prometheus:9090/graph?g0.expr=rate',
        ...overrides,
      },
    },
  };
}

describe('messages from events', () => {
  it('says emoji, SEVERITY and source, the summary, and the details as key: value', () => {
    const n = fromAlertNotify(notify('firing'));
    expect(headline(n)).toBe('🔴 CRITICAL | HighErrorRate');
    expect(statusLine(n)).toBe('FIRING: Error rate above 5%');
    expect(n.text).toBe('The API fails 7% of requests.');
    expect(n.details).toEqual([
      ['instance', 'api-1:9090'],
      ['job', 'api'],
      ['dashboard', 'grafana'],
      ['started', '2025-01-01T00:00:00.000Z'],
      ['occurrences', '3'],
      ['fingerprint', '0123456789abcdef'],
    ]);
    expect(n.links).toEqual([
      { href: 'http://prometheus:9090/graph?g0.expr=rate', text: 'Source' },
      { href: 'https://runbooks/high-error-rate', text: 'Runbook' },
    ]);
    expect(n.dedupKey).toBe('0123456789abcdef');
  });

  it('falls back to the alertname without a summary and drops links that are not http(s)', () => {
    const n = fromAlertNotify(notify('firing', { annotations: { runbook_url: 'javascript:alert(1)' }, generatorURL: '' }));
    expect(n.title).toBe('HighErrorRate');
    expect(n.links).toEqual([]);
  });

  it('marks resolved, acknowledged and escalated announcements with their own emoji and status', () => {
    expect(headline(fromAlertNotify(notify('resolved')))).toBe('✅ CRITICAL | HighErrorRate');
    expect(fromAlertNotify(notify('resolved')).details).toContainEqual(['ended', '2025-01-01T00:10:00.000Z']);
    const ack = notify('acknowledged');
    ack.data.actor = 'alice';
    ack.data.note = 'looking';
    expect(fromAlertNotify(ack)).toMatchObject({ emoji: '👀', status: 'ACKNOWLEDGED' });
    expect(fromAlertNotify(ack).details).toEqual(
      expect.arrayContaining([
        ['by', 'alice'],
        ['note', 'looking'],
      ]),
    );
    expect(fromAlertNotify(notify('escalated')).emoji).toBe('🚨');
  });

  it('builds runbook messages and approval requests', () => {
    const base = { specversion: '1.0' as const, id: 'r1', source: 'firebreak/runbook-executor', time: '2025-01-01T00:00:00.000Z' };
    const message = fromNotificationRequested({
      ...base,
      type: 'firebreak.notifications.requested.v1',
      data: {
        requestId: 'req-1',
        channels: [],
        severity: 'warning',
        title: 'Cache cleared',
        text: 'Done.',
        labels: { service: 'api' },
        runbookId: 'high_error_rate',
      },
    });
    expect(headline(message)).toBe('🟡 WARNING | runbook high_error_rate');
    expect(message.dedupKey).toBe('firebreak-req-1');
    const approval = fromApprovalRequested({
      ...base,
      type: 'firebreak.runbooks.approval.requested.v1',
      data: {
        approvalId: 'ap-1',
        executionId: 'ex-1',
        runbookId: 'service_unavailable',
        stepId: 'restart',
        severity: 'critical',
        summary: 'Restart api?',
        expiresAt: '2025-01-01T01:00:00.000Z',
      },
    });
    expect(statusLine(approval)).toBe('APPROVAL NEEDED: step restart waits for approval');
    expect(approval.details).toContainEqual(['expires', '2025-01-01T01:00:00.000Z']);
  });

  it('sums a folded backlog up as "N more alerts", merging an earlier summary', () => {
    const first = summaryNotification(
      'team-slack',
      [
        { severity: 'warning', kind: 'firing', title: 'A' },
        { severity: 'critical', kind: 'firing', title: 'B' },
      ],
      new Date(0),
    );
    expect(first.title).toBe('2 more alerts');
    expect(first.severity).toBe('critical');
    const merged = summaryNotification(
      'team-slack',
      [
        { severity: 'critical', kind: 'message', title: first.title, summary: first.summary },
        { severity: 'info', kind: 'resolved', title: 'C' },
      ],
      new Date(0),
    );
    expect(merged.summary?.count).toBe(3);
    expect(merged.text).toMatch(/^3 more alerts: /);
    expect(merged.text).toContain('• INFO resolved: C');
    const many = summaryNotification(
      'x',
      Array.from({ length: 40 }, (_, i) => ({ severity: 'info' as const, kind: 'firing' as const, title: `t${i}` })),
      new Date(0),
    );
    expect(many.text).toMatch(/… and 10 more$/);
  });
});
