import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alertFingerprint } from './fingerprint';

// Read as data, not imported: contracts may depend on no other lib, not even in tests.
const vectors: Array<{ labels: Record<string, string>; fingerprint: string }> = JSON.parse(
  readFileSync(join(__dirname, '../../testing/fixtures/alertmanager/fingerprint-vectors.json'), 'utf8'),
);

describe('alertFingerprint', () => {
  it('gives the empty label set the FNV-1a offset basis', () => {
    expect(alertFingerprint({})).toBe('cbf29ce484222325');
  });

  it('matches the upstream prometheus/common vector', () => {
    expect(alertFingerprint({ name: 'garland, briggs', fear: 'love is not enough' })).toBe('507a62d79ee76c9a');
  });

  it.each(vectors.map((vector) => [vector.fingerprint, vector.labels] as const))('matches Alertmanager for %s', (fingerprint, labels) => {
    expect(alertFingerprint(labels)).toBe(fingerprint);
  });

  it('covers every vector Alertmanager produced', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(16);
  });
});
