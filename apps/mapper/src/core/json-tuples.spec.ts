import { jsonTuples } from './json-tuples';

interface Row {
  fingerprint: string;
  startsAt: Date;
  endsAt: Date | null;
  labels: Record<string, string>;
  note?: string;
}

const tuples = jsonTuples<Row>('fingerprint text, "startsAt" timestamptz, "endsAt" timestamptz, labels jsonb, note text');

describe('jsonTuples', () => {
  it('encodes a row as its fields in column order, dates as ISO strings and a missing field as null', () => {
    const row: Row = { fingerprint: 'fp', startsAt: new Date('2024-05-01T10:00:00.123Z'), endsAt: null, labels: { a: 'b' } };
    expect(tuples.tuple(row)).toEqual(['fp', '2024-05-01T10:00:00.123Z', null, { a: 'b' }, null]);
    expect(JSON.stringify(tuples.tuple({ ...row, note: 'n' }))).toBe('["fp","2024-05-01T10:00:00.123Z",null,{"a":"b"},"n"]');
  });

  it('reads each column at its place, a jsonb one with JSON null as SQL NULL, and numbers the rows', () => {
    expect(tuples.from('$1')).toBe(
      '(SELECT (e.v ->> 0)::text AS "fingerprint", (e.v ->> 1)::timestamptz AS "startsAt", (e.v ->> 2)::timestamptz AS "endsAt", ' +
        `NULLIF(e.v -> 3, 'null') AS "labels", (e.v ->> 4)::text AS "note", e.n FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(v, n)) AS r`,
    );
  });
});
