import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { createEvent, EventPublisher, Transaction, trustedEvent } from '@firebreak/bus';
import { buildConfig, openDatabase, table } from '@firebreak/platform';
import { resolveDatabaseUrl, uniqueTestId, waitFor } from '@firebreak/testing';
import { initialState } from '../engine/engine.types';
import { executionEvents } from '../lifecycle/execution-events';
import { ExecutionsRepository, FinalWrite } from '../lifecycle/executions.repository';
import { SERVICE } from '../service';
import { LeasedStepWrites } from './leased-step-writes';
import { executionRef, httpAttempt, leasedRun } from './testing/leased-runs';

// Writes of concurrent runs sent as one statement (WriteBatches): each run's lease guards its own part only, so a run
// taken over in the same batch as others writes and publishes nothing while they do, and a write Postgres refuses
// fails alone.
const schema = uniqueTestId('batchedwrites');
const executions = table(schema, 'executions');
const outbox = table(schema, 'outbox');
let db: DataSource;
let repo: ExecutionsRepository;
let writes: LeasedStepWrites;
let published: string[];
/** The runs each batched statement carried ($1), in the order sent. */
let statements: number[];

const publisher = {
  build: (subject: string, data: unknown, options?: { id?: string }) => createEvent('test', subject as never, data as never, options),
  buildTrusted: (subject: string, data: unknown, options?: { id?: string }) =>
    trustedEvent('test', subject as never, data as never, options),
  publishEvent: async (_subject: string, event: { id: string }) => {
    published.push(event.id);
    return { seq: published.length, duplicate: false };
  },
};

beforeAll(async () => {
  const url = await resolveDatabaseUrl();
  const config = buildConfig(SERVICE, { FIREBREAK_DB_SCHEMA: schema, DATABASE_URL: url });
  db = await openDatabase({ url, schema, migrations: SERVICE.database!.migrations }, pino({ level: 'silent' }), 4);
  repo = new ExecutionsRepository(db, config);
  writes = new LeasedStepWrites(config, pino({ level: 'silent' }), db, publisher as unknown as EventPublisher);
  const logQuery = db.logger.logQuery.bind(db.logger);
  db.logger.logQuery = (query, parameters, runner) => {
    if (query.includes('runs AS (SELECT * FROM jsonb_to_recordset($1::jsonb)'))
      statements.push(JSON.parse(String((parameters as unknown[])[0])).length);
    logQuery(query, parameters, runner);
  };
});

afterAll(async () => {
  await writes?.close();
  await db?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await db?.destroy();
});

beforeEach(() => {
  published = [];
  statements = [];
  writes.leftoversWaitMs = 60_000;
});

const running = (owner: string) => leasedRun(db, repo, executions, owner);
const step = (id: string, owner = 'w1') =>
  writes.write(
    id,
    owner,
    { ...initialState(), cursor: 1 },
    [httpAttempt('first', 'running')],
    (tx: Transaction) => executionEvents.step(tx, executionRef(id), httpAttempt('first', 'running')),
    [],
  );
const succeeded: FinalWrite = { status: 'succeeded', reason: 'done', escalate: false, at: new Date('2026-01-02T00:00:00Z') };
const finish = (id: string, owner = 'w1') =>
  writes.finish(id, owner, { state: null, attempts: [httpAttempt('last', 'succeeded')], published: [] }, succeeded, (tx) => {
    executionEvents.step(tx, executionRef(id), httpAttempt('last', 'succeeded'));
    executionEvents.finished(tx, { ...executionRef(id), started_at: null }, { ...succeeded });
  });
const attemptsOf = async (id: string) => (await repo.attempts(id)).map((a) => `${a.step_id}:${a.status}`);
const outboxOf = async (id: string) =>
  (await db.query(`SELECT id FROM ${outbox} WHERE event->'data'->>'executionId' = $1`, [id])).map((row: { id: string }) => row.id);

it('step writes of concurrent runs share a statement; a run taken over writes and publishes nothing, the others all of theirs', async () => {
  const [first, held, lost, alsoHeld] = [await running('w1'), await running('w1'), await running('w2'), await running('w1')];
  const results = await Promise.all([step(first), step(held), step(lost), step(alsoHeld)]);

  // The first went alone at once; the three asked for meanwhile went together.
  expect(statements).toEqual([1, 3]);
  expect(results.map((result) => result.written)).toEqual([true, true, false, true]);
  expect(results[2].published).toEqual([]);
  for (const id of [first, held, alsoHeld]) {
    expect((await repo.get(id))!.state).toMatchObject({ cursor: 1 });
    expect(await attemptsOf(id)).toEqual(['first:running']);
    expect(await outboxOf(id)).toHaveLength(1);
  }
  expect((await repo.get(lost))!.state).not.toMatchObject({ cursor: 1 });
  expect(await attemptsOf(lost)).toEqual([]);
  expect(await outboxOf(lost)).toEqual([]);
  expect(published).toHaveLength(3);
  await db.query(`DELETE FROM ${outbox}`);
});

it('closing writes of concurrent runs share a statement; only the runs whose lease held end, each told its own cancel request', async () => {
  const [first, held, lost] = [await running('w1'), await running('w1'), await running('w2')];
  await db.query(`UPDATE ${executions} SET cancel_requested_at = now(), cancel_requested_by = 'alice' WHERE id = $1`, [held]);
  const results = await Promise.all([finish(first), finish(held), finish(lost)]);

  expect(statements).toEqual([1, 2]);
  expect(results.map((result) => [result.written, result.cancelRequestedBy])).toEqual([
    [true, null],
    [true, 'alice'],
    [false, null],
  ]);
  for (const id of [first, held]) {
    expect(await repo.get(id)).toMatchObject({ status: 'succeeded', lease_owner: null, finished_at: succeeded.at });
    expect(await attemptsOf(id)).toEqual(['last:succeeded']);
    expect(await outboxOf(id)).toHaveLength(2);
  }
  expect(await repo.get(lost)).toMatchObject({ status: 'running', lease_owner: 'w2', finished_at: null });
  expect(await attemptsOf(lost)).toEqual([]);
  expect(await outboxOf(lost)).toEqual([]);
  expect(published).toHaveLength(4);
  await db.query(`DELETE FROM ${outbox}`);
});

it('a write Postgres refuses fails alone: the runs batched with it are written once each', async () => {
  const [first, held] = [await running('w1'), await running('w1')];
  const results = await Promise.allSettled([step(first), step('not-a-uuid'), step(held)]);

  expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  // The batch of the two refused as one, then each alone.
  expect(statements).toEqual([1, 2, 1, 1]);
  expect(await attemptsOf(held)).toEqual(['first:running']);
  expect(published).toHaveLength(2);
  await db.query(`DELETE FROM ${outbox}`);
});

it('a run whose row is locked elsewhere holds up its own write only: the others are written meanwhile, it once the lock goes', async () => {
  const [locked, other, another] = [await running('w1'), await running('w1'), await running('w1')];
  const session = db.createQueryRunner();
  await session.connect();
  try {
    await session.startTransaction();
    await session.query(`SELECT 1 FROM ${executions} WHERE id = $1 FOR UPDATE`, [locked]);
    let lockedDone = false;
    const waiting = step(locked).finally(() => (lockedDone = true));
    let othersDone = false;
    const others = Promise.all([step(other), step(another)]).finally(() => (othersDone = true));
    await waitFor(() => othersDone, { timeoutMs: 10_000, message: 'the other runs were held up by the locked one' });
    expect((await others).map((result) => result.written)).toEqual([true, true]);
    expect(lockedDone).toBe(false);
    await session.commitTransaction();
    expect((await waiting).written).toBe(true);
    expect(await attemptsOf(locked)).toEqual(['first:running']);
    expect(await outboxOf(locked)).toHaveLength(1);
    expect(published).toHaveLength(3);
  } finally {
    await session.release();
  }
  await db.query(`DELETE FROM ${outbox}`);
});

it('answers a write for a run with no row as not written (lease lost), never as busy', async () => {
  const [held] = [await running('w1')];
  const results = await Promise.all([step(held), step(randomUUID()), finish(randomUUID())]);
  expect(results.map((result) => result.written)).toEqual([true, false, false]);
  await db.query(`DELETE FROM ${outbox}`);
});
