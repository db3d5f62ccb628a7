import { Client } from 'pg';
import { resolveDatabaseUrl } from '@firebreak/testing';
import { jsonTuples } from './json-tuples';

const COLUMNS =
  'fingerprint text, "startsAt" timestamptz, "endsAt" timestamptz, labels jsonb, runbook jsonb, occurrences integer, "delayMs" bigint, "silenceId" uuid, note text';

const rows = [
  {
    fingerprint: 'a "quoted" \\ fingerprint ünïcode ✓',
    startsAt: new Date('2024-05-01T10:00:00.123Z'),
    endsAt: new Date('9999-12-31T23:59:59.999Z'),
    labels: { alertname: 'DiskFull', 'weird key"': 'line\nbreak' },
    runbook: { id: 'disk_cleanup', nested: [1, null, 'x'] },
    occurrences: 2_000_000_000,
    delayMs: 8_640_000_000_000,
    silenceId: '00000000-0000-0000-0000-000000000001',
    note: '',
  },
  {
    fingerprint: 'nulls',
    startsAt: new Date('1970-01-01T00:00:00.001Z'),
    endsAt: null,
    labels: {},
    runbook: null,
    occurrences: 0,
    delayMs: 0,
    silenceId: null,
    note: undefined,
  },
];

// What the repositories read must be what they read from objects before (jsonb_to_recordset): every
// type they use, JSON null against SQL NULL, escapes, far dates, big numbers, and the row order.
describe('jsonTuples against jsonb_to_recordset (real Postgres)', () => {
  let client: Client;

  beforeAll(async () => {
    client = new Client({ connectionString: await resolveDatabaseUrl() });
    await client.connect();
  });

  afterAll(() => client.end());

  it('reads every row as the objects would be read, in order', async () => {
    const tuples = jsonTuples<(typeof rows)[number]>(COLUMNS);
    const names = COLUMNS.split(',').map((column) => column.trim().split(/\s+/)[0]);
    const list = names.map((name) => `r.${name}`).join(', ');
    const fromTuples = await client.query(
      `SELECT ${list}, r.labels IS NULL AS labels_null, r.runbook IS NULL AS runbook_null, r.n FROM ${tuples.from('$1')} ORDER BY r.n`,
      [JSON.stringify(rows.map(tuples.tuple))],
    );
    const fromObjects = await client.query(
      `SELECT ${list}, r.labels IS NULL AS labels_null, r.runbook IS NULL AS runbook_null, r.n
         FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (${COLUMNS})) WITH ORDINALITY AS r(${names.join(', ')}, n) ORDER BY r.n`,
      [JSON.stringify(rows)],
    );
    expect(fromTuples.rows).toEqual(fromObjects.rows);
    expect(fromTuples.rows.map((row: { fingerprint: string }) => row.fingerprint)).toEqual(rows.map((row) => row.fingerprint));
    expect(fromTuples.rows[1]).toMatchObject({ endsAt: null, runbook: null, runbook_null: true, silenceId: null, note: null });
    expect(fromTuples.rows[0].endsAt).toEqual(rows[0].endsAt);
  });
});
