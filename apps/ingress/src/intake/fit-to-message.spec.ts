import { sampleAlertReceived } from '@firebreak/testing';
import { fitToMessage } from './fit-to-message';

const LIMIT = 64 * 1024;
const size = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

function withAnnotations(annotations: Record<string, string>, labels: Record<string, string> = { alertname: 'Huge' }) {
  const base = sampleAlertReceived({ fingerprint: '0123456789abcdef', labels });
  return { ...base, alert: { ...base.alert, annotations } };
}

describe('fitToMessage', () => {
  it('leaves an alert that fits as it is', () => {
    const received = withAnnotations({ summary: 'disk full' });
    expect(fitToMessage(received, LIMIT)).toEqual({ received, cut: false });
  });

  it('cuts the longest annotation first, keeps the labels, marks the cut, and fits', () => {
    const received = withAnnotations({ summary: 'disk full', description: 'x'.repeat(200_000) });
    const fitted = fitToMessage(received, LIMIT)!;
    expect(fitted.cut).toBe(true);
    expect(size(fitted.received)).toBeLessThanOrEqual(LIMIT - 2_048);
    expect(fitted.received.alert.labels).toEqual(received.alert.labels);
    expect(fitted.received.alert.annotations.summary).toBe('disk full');
    expect(fitted.received.alert.annotations.description).toMatch(/^x+… \[cut by Firebreak to fit one NATS message\]$/);
    expect(fitted.received.alert.annotations.firebreak_truncated).toBeDefined();
  });

  it('fits text whose characters take several bytes or JSON escapes', () => {
    const received = withAnnotations({ a: '€'.repeat(40_000), b: '"\\\n'.repeat(20_000) });
    const fitted = fitToMessage(received, LIMIT)!;
    expect(size(fitted.received)).toBeLessThanOrEqual(LIMIT - 2_048);
  });

  it('gives up when the labels alone are too large: they are the alert', () => {
    expect(fitToMessage(withAnnotations({ summary: 's' }, { alertname: 'Huge', blob: 'y'.repeat(100_000) }), LIMIT)).toBeNull();
  });
});
