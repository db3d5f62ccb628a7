import { PayloadTooLargeError } from '@firebreak/bus';
import { BatchedAlert, deriveEventId } from '@firebreak/contracts';
import { sampleAlertReceived } from '@firebreak/testing';
import { batchEventId, chunkToFit } from './alert-batches';

const LIMIT = 64 * 1024;
// What a chunk's alerts may take: the limit less the room for the envelope around them.
const BUDGET = LIMIT - 2_048;
// A chunk of one alert cut to the budget is a little above it (its id, the array), still well inside
// the message: the CloudEvent envelope takes a few hundred bytes.
const FITS = LIMIT - 1_024;
const size = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

function alert(index: number, description: string, labels: Record<string, string> = {}): BatchedAlert {
  const base = sampleAlertReceived({ fingerprint: index.toString(16).padStart(16, '0'), labels: { alertname: `A${index}`, ...labels } });
  return { id: `id-${index}`, data: { ...base, alert: { ...base.alert, annotations: { description } } } };
}

describe('batchEventId', () => {
  it('is the same for the same alerts in the same order, and another for another grouping', () => {
    const [a, b, c] = [alert(1, 'a'), alert(2, 'b'), alert(3, 'c')];
    expect(batchEventId([a, b])).toBe(batchEventId([alert(1, 'a'), alert(2, 'b')]));
    expect(batchEventId([a, b])).toBe(deriveEventId('alerts.received.batch', 'id-1', 'id-2'));
    expect(batchEventId([b, a])).not.toBe(batchEventId([a, b]));
    expect(batchEventId([a, b, c])).not.toBe(batchEventId([a, b]));
  });
});

describe('chunkToFit', () => {
  it('keeps every alert, in order, in chunks whose alerts fit one message', () => {
    const alerts = Array.from({ length: 40 }, (_, index) => alert(index, 'd'.repeat(5_000 + index * 100)));
    const { chunks, cut } = chunkToFit(alerts, LIMIT);
    expect(cut).toEqual([]);
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.flat()).toEqual(alerts);
    for (const chunk of chunks) expect(size({ alerts: chunk })).toBeLessThanOrEqual(BUDGET);
    // Greedy: no chunk could have taken the first alert of the next.
    for (let index = 1; index < chunks.length; index++)
      expect(size({ alerts: [...chunks[index - 1], chunks[index][0]] })).toBeGreaterThan(BUDGET);
  });

  it('cuts the annotations of an alert too large alone, keeping its id, and gives it a chunk of its own', () => {
    const alerts = [alert(1, 'small'), alert(2, 'x'.repeat(200_000)), alert(3, 'small')];
    const { chunks, cut } = chunkToFit(alerts, LIMIT);
    expect(cut).toEqual([alerts[1].data]);
    expect(chunks.flat().map((entry) => entry.id)).toEqual(['id-1', 'id-2', 'id-3']);
    const fitted = chunks.flat()[1];
    expect(fitted.data.alert.annotations.firebreak_truncated).toBeDefined();
    expect(fitted.data.alert.labels).toEqual(alerts[1].data.alert.labels);
    for (const chunk of chunks) expect(size({ alerts: chunk })).toBeLessThanOrEqual(FITS);
  });

  it('refuses the request when an alert’s labels alone do not fit', () => {
    const alerts = [alert(1, 'small'), alert(2, 'small', { blob: 'y'.repeat(100_000) })];
    expect(() => chunkToFit(alerts, LIMIT)).toThrow(PayloadTooLargeError);
  });
});
