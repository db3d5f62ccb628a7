import { alertFingerprint, describeZodError } from '@firebreak/contracts';
import { N8nIncidentSchema } from './n8n-incident.dto';
import { n8nIncidentReceived } from './n8n-incident.mapping';

const now = new Date('2026-11-22T10:00:00.000Z');
// Seed 001's body, as n8n sends it.
const seed = {
  alert: { type: 'pod_crash', severity: 'high', namespace: 'production', resource: 'my-app-pod' },
  context: { cluster: 'prod-cluster', timestamp: '2024-01-15T10:30:00Z' },
};
const parse = (input: unknown) => N8nIncidentSchema.parse(input);
const problems = (input: unknown) => {
  const result = N8nIncidentSchema.safeParse(input);
  return result.success ? [] : describeZodError(result.error);
};
const withAlert = (fields: Record<string, unknown>) => ({ ...seed, alert: { ...seed.alert, ...fields } });
const withContext = (fields: Record<string, unknown>) => ({ ...seed, context: { ...seed.context, ...fields } });

describe('an n8n incident', () => {
  it('becomes a firing alert named by its type, severity normalised, fingerprinted from its labels as Alertmanager would', () => {
    const labels = { alertname: 'pod_crash', severity: 'error', namespace: 'production', resource: 'my-app-pod', cluster: 'prod-cluster' };
    expect(n8nIncidentReceived(parse(seed), now)).toEqual({
      source: 'api',
      receivedAt: now.toISOString(),
      receiver: 'n8n',
      alert: {
        fingerprint: alertFingerprint(labels),
        status: 'firing',
        labels,
        annotations: { summary: 'pod_crash: my-app-pod in production (prod-cluster)', original_severity: 'high' },
        severity: 'error',
        startsAt: '2024-01-15T10:30:00.000Z',
        endsAt: null,
        generatorURL: '',
      },
    });
  });

  it('keeps its id, extra labels, summary, description and annotations; the id is part of its identity', () => {
    const input = withAlert({
      id: 'INC-12345',
      severity: 'critical',
      summary: 'my-app crash-loops',
      description: 'OOMKilled 6 times',
      labels: { team: 'web', empty: '' },
      annotations: { runbook_url: 'https://runbooks.example.com/pod-crash' },
    });
    const { alert } = n8nIncidentReceived(parse(input), now);
    expect(alert.labels).toEqual({
      alertname: 'pod_crash',
      severity: 'critical',
      namespace: 'production',
      resource: 'my-app-pod',
      cluster: 'prod-cluster',
      incident_id: 'INC-12345',
      team: 'web',
    });
    expect(alert.annotations).toEqual({
      runbook_url: 'https://runbooks.example.com/pod-crash',
      summary: 'my-app crash-loops',
      description: 'OOMKilled 6 times',
    });
    expect(alert.fingerprint).toBe(alertFingerprint(alert.labels));
    expect(alert.fingerprint).not.toBe(n8nIncidentReceived(parse(seed), now).alert.fingerprint);
  });

  it('is the same alert (fingerprint, times) whenever it is posted again: nothing comes from the clock', () => {
    const first = n8nIncidentReceived(parse(seed), now).alert;
    const later = n8nIncidentReceived(parse(seed), new Date('2026-11-23T00:00:00Z')).alert;
    expect(later).toEqual(first);
  });

  it.each([
    ['P1', 'critical'],
    ['CRIT', 'critical'],
    ['minor', 'warning'],
    ['low', 'info'],
    ['whatever', 'warning'],
  ])('normalises severity %s to %s', (spelt, severity) => {
    const { alert } = n8nIncidentReceived(parse(withAlert({ severity: spelt })), now);
    expect(alert).toMatchObject({ severity, labels: { severity }, annotations: { original_severity: spelt } });
  });

  it('resolves at context.resolved_at', () => {
    const input = { ...withAlert({ status: 'resolved' }), context: { ...seed.context, resolved_at: '2024-01-15T11:35:00+01:00' } };
    expect(n8nIncidentReceived(parse(input), now).alert).toMatchObject({
      status: 'resolved',
      startsAt: '2024-01-15T10:30:00.000Z',
      endsAt: '2024-01-15T10:35:00.000Z',
    });
  });

  it('keeps hostile values as data', () => {
    const hostile = {
      type: '<script>alert(1)</script>',
      resource: '$(rm -rf /); `id`',
      namespace: "'; DROP TABLE alerts; --",
      summary: '<!channel> *bold* {{ $json.secret }}',
    };
    const { alert } = n8nIncidentReceived(parse(withAlert(hostile)), now);
    expect(alert.labels).toMatchObject({ alertname: hostile.type, resource: hostile.resource, namespace: hostile.namespace });
    expect(alert.annotations.summary).toBe(hostile.summary);
  });

  it.each([
    [{ context: seed.context }, /^alert: /],
    [{ alert: seed.alert }, /^context: /],
    [withAlert({ type: '' }), /^alert\.type: /],
    [withAlert({ type: 'a\nb' }), /^alert\.type: must not contain control characters/],
    [withAlert({ severity: undefined }), /^alert\.severity: /],
    [withAlert({ severity: 3 }), /^alert\.severity: /],
    [withAlert({ status: 'pending' }), /^alert\.status: /],
    [withAlert({ resource: 'x'.repeat(1025) }), /^alert\.resource: /],
    [withAlert({ labels: { 'bad-name': 'x' } }), /^alert\.labels\.bad-name: label names must match/],
    [withAlert({ labels: { alertname: 'Other' } }), /^alert\.labels\.alertname: differs from the field/],
    [withAlert({ labels: { severity: 'critical' } }), /^alert\.labels\.severity: set by alert\.severity/],
    [withAlert({ url: 'javascript:alert(1)' }), /^alert\.url: must be an http\(s\) URL/],
    [withAlert({ typ: 'typo' }), /Unrecognized key: "typ"/],
    [withContext({ timestamp: undefined }), /^context\.timestamp: /],
    [withContext({ timestamp: '2024-01-15 10:30' }), /^context\.timestamp: must be an RFC 3339 timestamp/],
    [withContext({ resolved_at: '2024-01-15T11:00:00Z' }), /^context\.resolved_at: only a resolved incident has an end/],
    [withAlert({ status: 'resolved' }), /^context\.resolved_at: is required when alert\.status is "resolved"/],
    [
      { alert: { ...seed.alert, status: 'resolved' }, context: { ...seed.context, resolved_at: '2024-01-15T10:00:00Z' } },
      /^context\.resolved_at: is before context\.timestamp/,
    ],
  ])('refuses %j naming the field', (input, message) => {
    expect(problems(input).join('\n')).toMatch(message);
  });
});
