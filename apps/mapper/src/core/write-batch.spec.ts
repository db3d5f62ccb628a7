import { EntityManager } from 'typeorm';
import { chunkRows, jsonArray, RowWrite, WriteBatch } from './write-batch';

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

/** Rows written as their JSON, as the repositories write them. */
const documents: RowWrite<{ key: string; n: number }> = {
  key: (row) => row.key,
  statements: (_, encoded) => [{ sql: 'UPDATE documents $1', params: [jsonArray(encoded)] }],
};
const history: RowWrite<{ n: number }> = { statements: (_, encoded) => [{ sql: 'INSERT history $1', params: [jsonArray(encoded)] }] };
const rowsSent = (statement: { params: unknown[] }) => JSON.parse(statement.params[0] as string) as unknown[];

describe('WriteBatch with more rows than a statement takes', () => {
  it('writes a kind in several statements, in order, each within the byte budget, one round trip per chunk', async () => {
    const { manager, sent } = recordingManager();
    const batch = new WriteBatch(manager, { maxBytes: 100, maxRows: 1_000 });
    const rows = Array.from({ length: 10 }, (_, n) => ({ n, pad: 'x'.repeat(20) }));
    for (const row of rows) batch.row(history, row);
    await batch.flush();
    expect(sent.length).toBeGreaterThan(1);
    for (const statement of sent) {
      expect(statement.sql).toBe('INSERT history $1');
      expect(Buffer.byteLength(statement.params[0] as string)).toBeLessThanOrEqual(100);
    }
    expect(sent.flatMap(rowsSent)).toEqual(rows);
  });

  it('keeps the last row of a key across chunks: each key written once, where it was first added', async () => {
    const { manager, sent } = recordingManager();
    const batch = new WriteBatch(manager, { maxBytes: 1_000_000, maxRows: 2 });
    for (const [key, n] of [
      ['a', 1],
      ['b', 1],
      ['c', 1],
      ['a', 2],
      ['d', 1],
      ['b', 2],
    ] as const)
      batch.row(documents, { key, n });
    await batch.flush();
    expect(sent.map(rowsSent)).toEqual([
      [
        { key: 'a', n: 2 },
        { key: 'b', n: 2 },
      ],
      [
        { key: 'c', n: 1 },
        { key: 'd', n: 1 },
      ],
    ]);
  });

  it('sends a row bigger than the budget alone, and the rows around it in their own statements', async () => {
    const { manager, sent } = recordingManager();
    const batch = new WriteBatch(manager, { maxBytes: 60, maxRows: 1_000 });
    batch.row(history, { n: 1 });
    batch.row(history, { n: 2, big: 'y'.repeat(100) });
    batch.row(history, { n: 3 });
    await batch.flush();
    expect(sent.map(rowsSent)).toEqual([[{ n: 1 }], [{ n: 2, big: 'y'.repeat(100) }], [{ n: 3 }]]);
  });

  it('still combines the first chunks of other kinds and plain writes while they fit', async () => {
    const { manager, sent } = recordingManager();
    const batch = new WriteBatch(manager, { maxBytes: 1_000, maxRows: 2 });
    await batch.query('DELETE plain WHERE x = $1', ['x']);
    for (const n of [1, 2, 3]) batch.row(history, { n });
    batch.row(documents, { key: 'a', n: 1 });
    await batch.flush();
    expect(sent.map((statement) => statement.sql)).toEqual([
      'WITH w0 AS (DELETE plain WHERE x = $1), w1 AS (INSERT history $2) SELECT 1',
      'WITH w0 AS (INSERT history $1), w1 AS (UPDATE documents $2) SELECT 1',
    ]);
    expect(sent.map((statement) => statement.params)).toEqual([
      ['x', '[{"n":1},{"n":2}]'],
      ['[{"n":3}]', '[{"key":"a","n":1}]'],
    ]);
  });
});

describe('chunkRows', () => {
  const encoded = (...sizes: number[]) => sizes.map((size) => JSON.stringify('z'.repeat(size - 2)));

  it('cuts by row count', () => {
    expect(chunkRows(encoded(3, 3, 3, 3, 3), { maxBytes: 1_000, maxRows: 2 })).toEqual([
      [0, 2],
      [2, 4],
      [4, 5],
    ]);
  });

  it('cuts by the bytes of the JSON array (brackets and commas counted, UTF-8 bytes not characters)', () => {
    // Counted as 2 + (10 + 1) a row: two rows are 24 bytes, a third would pass 24.
    expect(chunkRows(encoded(10, 10, 10), { maxBytes: 24, maxRows: 100 })).toEqual([
      [0, 2],
      [2, 3],
    ]);
    // "é" is 1 character and 2 bytes: 4 of them with quotes are 10 bytes, not 6.
    expect(chunkRows([JSON.stringify('éééé'), JSON.stringify('éééé')], { maxBytes: 20, maxRows: 100 })).toEqual([
      [0, 1],
      [1, 2],
    ]);
  });

  it('gives nothing for no rows', () => {
    expect(chunkRows([], { maxBytes: 10, maxRows: 10 })).toEqual([]);
  });
});
