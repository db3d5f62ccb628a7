import { DataSource } from 'typeorm';
import { resolveDatabaseUrl, uniqueTestId } from '@firebreak/testing';
import { SqlStepRunner } from './sql.step';
import { ctx, HOSTILE } from './testing/step-context';

describe('sql steps', () => {
  const schema = uniqueTestId('sqlstep');
  let admin: DataSource;
  let sql: SqlStepRunner;

  beforeAll(async () => {
    const url = await resolveDatabaseUrl();
    admin = new DataSource({ type: 'postgres', url });
    await admin.initialize();
    await admin.query(`CREATE SCHEMA "${schema}"; CREATE TABLE "${schema}".notes (body text)`);
    sql = new SqlStepRunner(
      new Map([
        ['main', { name: 'main', url, readOnly: false }],
        ['ro', { name: 'ro', url, readOnly: true }],
      ]),
    );
  });
  afterAll(async () => {
    await sql.close();
    await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
    await admin.destroy();
  });

  it('binds values as parameters: SQL in a label is stored as text', async () => {
    const insert = `INSERT INTO "${schema}".notes (body) VALUES ($1)`;
    for (const value of HOSTILE)
      await sql.run(ctx({ uses: 'sql', with: { connection: 'main', statement: insert, params: ['{{ alert.labels.v }}'] } }, { v: value }));
    const rows = await admin.query(`SELECT body FROM "${schema}".notes ORDER BY body`);
    expect(rows.map((r: { body: string }) => r.body).sort()).toEqual([...HOSTILE].sort());
  });

  it('returns rows, honours read-only connections and reports unknown connections', async () => {
    const result = await sql.run(
      ctx({ uses: 'sql', with: { connection: 'ro', statement: `SELECT count(*)::int AS n FROM "${schema}".notes` } }, {}),
    );
    expect(result.outputs).toMatchObject({ rowCount: 1, rows: [{ n: HOSTILE.length }] });
    await expect(sql.run(ctx({ uses: 'sql', with: { connection: 'ro', statement: `DELETE FROM "${schema}".notes` } }, {}))).rejects.toThrow(
      /read-only transaction/,
    );
    await expect(sql.run(ctx({ uses: 'sql', with: { connection: 'nope', statement: 'SELECT 1' } }, {}))).rejects.toMatchObject({
      retryable: false,
    });
  });

  it('runs maintenance outside a transaction (VACUUM ANALYZE)', async () => {
    const result = await sql.run(ctx({ uses: 'sql', with: { connection: 'main', statement: `VACUUM (ANALYZE) "${schema}".notes` } }, {}));
    expect(result.outputs).toMatchObject({ command: 'VACUUM' });
  });

  it('gives every step a session of its own: what a statement leaves on its session does not reach the next step', async () => {
    const run = async (statement: string) => (await sql.run(ctx({ uses: 'sql', with: { connection: 'main', statement } }, {}))).outputs;
    await run(`SET application_name = 'left-behind'`);
    await run('BEGIN');
    const next = await run(`SELECT current_setting('application_name') AS app, now() = statement_timestamp() AS own_transaction`);
    expect(next).toMatchObject({ rows: [{ app: expect.not.stringMatching('left-behind'), own_transaction: true }] });
  });
});
