import { encodeCursor, listAlertsSchema } from './alerts.dto';

describe('the alert listing query', () => {
  it('has defaults when nothing is given', () => {
    expect(listAlertsSchema.parse({})).toEqual({ limit: 50 });
  });

  it('reads one or many label filters, splitting on the first =', () => {
    expect(listAlertsSchema.parse({ label: 'team=db' }).label).toEqual([{ team: 'db' }]);
    expect(listAlertsSchema.parse({ label: ['team=db', 'expr=a=b'] }).label).toEqual([{ team: 'db' }, { expr: 'a=b' }]);
  });

  it('round-trips its cursor and refuses one it did not make', () => {
    const cursor = encodeCursor({ firstSeen: '2024-05-01T10:00:00.123Z', fingerprint: '0123456789abcdef' });
    expect(listAlertsSchema.parse({ cursor }).cursor).toEqual({ firstSeen: '2024-05-01T10:00:00.123Z', fingerprint: '0123456789abcdef' });
    expect(listAlertsSchema.safeParse({ cursor: Buffer.from('["x","y"]').toString('base64url') }).success).toBe(false);
    expect(listAlertsSchema.safeParse({ cursor: '!!!' }).success).toBe(false);
    // Only the instants encodeCursor writes: "1" or a six-digit year pass Date.parse but not Postgres.
    for (const firstSeen of ['1', '+275760-09-13T00:00:00.000Z', '2024-02-30T00:00:00.000Z', '2024-05-01T10:00:00Z'])
      expect(
        listAlertsSchema.safeParse({ cursor: Buffer.from(JSON.stringify([firstSeen, '0123456789abcdef'])).toString('base64url') }).success,
      ).toBe(false);
  });

  it('takes a comma-separated status list', () => {
    expect(listAlertsSchema.parse({ status: 'firing, silenced' }).status).toEqual(['firing', 'silenced']);
  });
});
