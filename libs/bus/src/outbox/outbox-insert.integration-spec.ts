import { EncodedStaged, insertOutboxRows, outboxStatements } from './outbox-statements';
import { OutboxTestBed } from './testing/outbox-test-bed';

/** Text an array literal or a JSON array could mangle: quotes, backslashes, braces, commas, NULL, unicode (NUL-free). */
const HOSTILE = [
  '',
  'NULL',
  'null',
  '"',
  "'; DROP TABLE outbox; --",
  '\\',
  '\\"',
  '{a,b}',
  '[1,2]',
  ',',
  ' leading and trailing ',
  'tab\tnew\nline\rreturn',
  '\\u0000 as text',
  'é ü ß 中文 🔥 \u2028\u2029',
];

interface Row {
  id: string;
  subject: string;
  event: Record<string, unknown>;
  traceHeaders: Record<string, string>;
}

function hostileRow(index: number, padding = 0): Row {
  const text = HOSTILE[index % HOSTILE.length];
  return {
    id: `${index}:${text}`,
    subject: `alerts.${text}`,
    event: { id: `${index}:${text}`, labels: { [text]: text, n: String(index) }, annotations: { big: `${text}${'\\"é'.repeat(padding)}` } },
    traceHeaders: { traceparent: text, [`k${text}`]: 'v' },
  };
}

const encode = (row: Row): EncodedStaged => ({
  id: row.id,
  subject: row.subject,
  event: JSON.stringify(row.event),
  traceHeaders: JSON.stringify(row.traceHeaders),
});

/** The outbox insert against real Postgres: every row, once, whole, in the order staged, however the rows are cut. */
describe('outbox insert', () => {
  let bed: OutboxTestBed;

  beforeAll(async () => {
    bed = await OutboxTestBed.open('insert');
  });

  beforeEach(() => bed.reset());

  afterAll(() => bed?.close());

  async function insert(rows: EncodedStaged[], maxChars?: number): Promise<void> {
    await bed.dataSource.transaction((manager) => insertOutboxRows(manager, `"${bed.schema}"`, rows, maxChars));
  }

  /** The rows in the order they were written (a fresh table, nothing deleted: its physical order). */
  async function stored(): Promise<Row[]> {
    const rows: Array<{ id: string; subject: string; event: Record<string, unknown>; trace_headers: Record<string, string> }> =
      await bed.dataSource.query(`SELECT id, subject, event, trace_headers FROM "${bed.schema}".outbox ORDER BY ctid`);
    return rows.map((row) => ({ id: row.id, subject: row.subject, event: row.event, traceHeaders: row.trace_headers }));
  }

  it('writes hostile text unchanged and in order, in one statement', async () => {
    const rows = Array.from({ length: 3 * HOSTILE.length }, (_, index) => hostileRow(index));
    const encoded = rows.map(encode);
    expect(outboxStatements(encoded)).toHaveLength(1);
    await insert(encoded);
    expect(await stored()).toEqual(rows);
  });

  it('refuses rows whose events do not pair one to one with their ids, instead of pairing them with another row', async () => {
    const rows = [hostileRow(1), hostileRow(2), hostileRow(3)].map(encode);
    // Two JSON values where one event should be: the events would outnumber the ids.
    rows[1] = { ...rows[1], event: '1,2' };
    await expect(insert(rows)).rejects.toThrow(/null value/);
    expect(await stored()).toEqual([]);
  });

  it('writes large events cut at the statement budget without losing, doubling or reordering a row', async () => {
    // Each padding character is 5 characters of JSON: events a little under, at and over the budget, so the cuts fall
    // everywhere: after a statement filled to within a row of the budget, around one row alone, a row over it alone.
    const budget = 20_000;
    const rows = [0, 3_950, 1_960, 1_960, 4_100, 1, 1_990, 1_990, 7].map((padding, index) => hostileRow(index, padding));
    const encoded = rows.map(encode);
    const statements = outboxStatements(encoded, budget);
    const chars = (statement: EncodedStaged[]) => statement.reduce((sum, row) => sum + row.event.length, 0);
    expect(statements.length).toBeGreaterThan(3);
    expect(statements.some((statement) => statement.length > 1 && chars(statement) > budget - 200)).toBe(true);
    expect(statements.some((statement) => statement.length === 1 && chars(statement) > budget)).toBe(true);
    await insert(encoded, budget);
    expect(await stored()).toEqual(rows);
  });

  it('keeps the first row of an id staged twice and leaves a row already there alone', async () => {
    const [first, second, third] = [hostileRow(1), hostileRow(2), hostileRow(3)];
    await insert([encode(first)]);
    const again = { ...first, subject: 'alerts.other', event: { replaced: true } };
    const twice = { ...second, event: { second: 'copy' } };
    await insert([encode(again), encode(second), encode(twice), encode(third)]);
    expect(await stored()).toEqual([first, second, third]);
  });
});
