import { alertFingerprint, describeZodError } from '@firebreak/contracts';
import { CustomAlertSchema } from './custom-alert.dto';
import { customAlertReceived } from './custom-alert.mapping';

const now = new Date('2026-11-22T10:00:00.000Z');
const base = { name: 'QueueBacklog', severity: 'warning', summary: 'Queue orders is 5000 deep' };
const parse = (input: unknown) => CustomAlertSchema.parse(input);
const problems = (input: unknown) => {
  const result = CustomAlertSchema.safeParse(input);
  return result.success ? [] : describeZodError(result.error);
};

describe('a custom alert', () => {
  it('becomes an alert whose labels carry alertname and severity, fingerprinted as Alertmanager would', () => {
    const received = customAlertReceived(parse({ ...base, description: 'orders pile up', labels: { queue: 'orders', team: '' } }), now);
    const labels = { alertname: 'QueueBacklog', severity: 'warning', queue: 'orders' };
    expect(received).toEqual({
      source: 'api',
      receivedAt: now.toISOString(),
      alert: {
        fingerprint: alertFingerprint(labels),
        status: 'firing',
        labels,
        annotations: { summary: base.summary, description: 'orders pile up' },
        severity: 'warning',
        startsAt: now.toISOString(),
        endsAt: null,
        generatorURL: '',
      },
    });
  });

  it('resolves at endsAt, or now when none is given', () => {
    const at = customAlertReceived(
      parse({ ...base, status: 'resolved', startsAt: '2026-11-22T09:00:00+01:00', endsAt: '2026-11-22T09:30:00Z' }),
      now,
    ).alert;
    expect(at).toMatchObject({ status: 'resolved', startsAt: '2026-11-22T08:00:00.000Z', endsAt: '2026-11-22T09:30:00.000Z' });
    expect(customAlertReceived(parse({ ...base, status: 'resolved' }), now).alert.endsAt).toBe(now.toISOString());
  });

  it('keeps hostile values as data', () => {
    const hostile = {
      html: '<script>alert(1)</script>',
      shell: '$(rm -rf /); `id`',
      sql: "'; DROP TABLE alerts; --",
      slack: '<!channel> *bold*',
      long: 'x'.repeat(5000),
    };
    expect(customAlertReceived(parse({ ...base, labels: hostile }), now).alert.labels).toMatchObject(hostile);
  });

  it.each([
    [{ ...base, name: '' }, /^name: /],
    [{ ...base, name: 'a\nb' }, /^name: must not contain control characters/],
    [{ ...base, severity: 'sev1' }, /^severity: /],
    [{ ...base, summary: undefined }, /^summary: /],
    [{ ...base, labels: { 'bad-name': 'x' } }, /^labels\.bad-name: label names must match/],
    [{ ...base, annotations: { '1st': 'x' } }, /^annotations\.1st: annotation names must match/],
    [{ ...base, labels: { big: 'x'.repeat(8193) } }, /^labels\.big: /],
    [{ ...base, labels: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`l${i}`, 'v'])) }, /^labels: at most 64 labels/],
    [{ ...base, labels: { alertname: 'Other' } }, /^labels\.alertname: differs from name/],
    [{ ...base, labels: { severity: 'critical' } }, /^labels\.severity: differs from severity/],
    [{ ...base, status: 'pending' }, /^status: /],
    [{ ...base, startsAt: 'yesterday' }, /^startsAt: must be an RFC 3339 timestamp/],
    [{ ...base, endsAt: '2026-11-22T10:00:00Z' }, /^endsAt: only a resolved alert has an end/],
    [{ ...base, status: 'resolved', startsAt: '2026-11-22T10:00:00Z', endsAt: '2026-11-22T09:00:00Z' }, /^endsAt: is before startsAt/],
    [{ ...base, generatorURL: 'javascript:alert(1)' }, /^generatorURL: must be an http\(s\) URL/],
    [{ ...base, sumary: 'typo' }, /Unrecognized key: "sumary"/],
  ])('refuses %j naming the field', (input, message) => {
    expect(problems(input).join('\n')).toMatch(message);
  });
});
