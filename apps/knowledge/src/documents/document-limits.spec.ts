import { fitDocumentLimits, fitTag } from './document-limits';
import { restoreDocumentSchema } from './documents-backup.dto';

describe('fitDocumentLimits', () => {
  const huge = {
    id: 'incident-fp-1',
    title: `Incident: ${'A'.repeat(600)} at 2026-01-01T00:00:00.000Z`,
    type: 'dynamic' as const,
    severity: null,
    tags: ['incident', 'X'.repeat(65), 'X'.repeat(65) + 'y', ' ', 'incident'],
    metadata: { fingerprint: 'fp', labels: { big: 'v'.repeat(20_000) }, runbooks: [] },
    body: 'b'.repeat(300_000),
    source: 'incident' as const,
  };

  it('makes a write-up with a long alertname, labels and body one the restore accepts', () => {
    const fitted = fitDocumentLimits(huge);
    const { id: _id, body, ...rest } = fitted;
    expect(restoreDocumentSchema.safeParse({ ...rest, content: body }).success).toBe(true);
    expect(fitted.tags).toHaveLength(3); // two long tags stay two, the blank and the repeat go
    expect(fitted.metadata).toMatchObject({ fingerprint: 'fp', labels: '(too large to keep)', truncated: ['labels'] });
  });

  it('leaves a document that fits as it is', () => {
    const small = { ...huge, title: 't', tags: ['incident'], metadata: { a: 1 }, body: 'b' };
    expect(fitDocumentLimits(small)).toEqual(small);
    expect(fitTag('DiskFull')).toBe('DiskFull');
  });
});
