import { EntityManager } from 'typeorm';
import { jsonRows, RowWrite, WriteBatch } from './write-batch';

function recordingManager() {
  const sent: Array<{ sql: string; params: unknown[] }> = [];
  const manager = {
    query: (sql: string, params: unknown[]) => (sent.push({ sql, params }), Promise.resolve([])),
  } as unknown as EntityManager;
  return { manager, sent };
}

const appended: RowWrite<{ n: number }> = { statements: (rows) => [{ sql: 'INSERT appended $1', params: [rows.map((row) => row.n)] }] };
const keyed: RowWrite<{ key: string; n: number }> = {
  key: (row) => row.key,
  statements: (rows) => [{ sql: 'UPDATE keyed $1', params: [rows.map((row) => `${row.key}=${row.n}`)] }],
};

describe('WriteBatch', () => {
  it('sends the rows of a kind as one statement at flush, in the order added', async () => {
    const { manager, sent } = recordingManager();
    const batch = new WriteBatch(manager);
    for (const n of [3, 1, 2]) batch.row(appended, { n });
    expect(sent).toEqual([]);
    await batch.flush();
    expect(sent).toEqual([{ sql: 'INSERT appended $1', params: [[3, 1, 2]] }]);
  });

  it('keeps the last row of a key, so no statement touches a row twice', async () => {
    const { manager, sent } = recordingManager();
    const batch = new WriteBatch(manager);
    batch.row(keyed, { key: 'a', n: 1 });
    batch.row(keyed, { key: 'b', n: 1 });
    batch.row(keyed, { key: 'a', n: 2 });
    await batch.flush();
    expect(sent).toEqual([{ sql: 'UPDATE keyed $1', params: [['a=2', 'b=1']] }]);
  });

  it('combines the kinds and plain writes into one statement of CTEs, renumbering their parameters', async () => {
    const { manager, sent } = recordingManager();
    const batch = new WriteBatch(manager);
    await batch.query('DELETE plain WHERE x = $1 AND y = $2', ['x', 'y']);
    batch.row(appended, { n: 1 });
    batch.row(keyed, { key: 'a', n: 1 });
    await batch.flush();
    expect(sent).toEqual([
      {
        sql: 'WITH w0 AS (DELETE plain WHERE x = $1 AND y = $2), w1 AS (INSERT appended $3), w2 AS (UPDATE keyed $4) SELECT 1',
        params: ['x', 'y', [1], ['a=1']],
      },
    ]);
    await batch.flush();
    expect(sent).toHaveLength(1);
  });
});

describe('jsonRows', () => {
  it('reads the JSON array with each row numbered by its place', () => {
    expect(jsonRows('$1', 'fingerprint text, "sourceId" text, at timestamptz')).toBe(
      'ROWS FROM (jsonb_to_recordset($1::jsonb) AS (fingerprint text, "sourceId" text, at timestamptz)) WITH ORDINALITY AS r(fingerprint, "sourceId", at, n)',
    );
  });
});
