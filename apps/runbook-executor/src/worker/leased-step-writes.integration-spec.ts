import pino from 'pino';
import { DataSource } from 'typeorm';
import { createEvent, EventPublisher, Transaction, trustedEvent } from '@firebreak/bus';
import { buildConfig, openDatabase, table } from '@firebreak/platform';
import { resolveDatabaseUrl, uniqueTestId, waitFor } from '@firebreak/testing';
import { deriveEventId } from '@firebreak/contracts';
import { AttemptRecord, EngineState, initialState, LeaseLostError } from '../engine/engine.types';
import { executionEvents } from '../lifecycle/execution-events';
import { ExecutionsRepository, FinalWrite } from '../lifecycle/executions.repository';
import { SERVICE } from '../service';
import { DbExecutionStore, StoreDependencies } from './db-execution-store';
import { LeasedStepWrites } from './leased-step-writes';
import { executionRef, httpAttempt, leasedRun } from './testing/leased-runs';

// A step's write as one statement outside a transaction (state, attempts, outbox rows, the delete of rows
// published before), on the repository and a recording publisher: the lease guards all of it, and events
// are published only once it committed.
const schema = uniqueTestId('stepwrites');
const executions = table(schema, 'executions');
const outbox = table(schema, 'outbox');
let db: DataSource;
let observer: DataSource;
let repo: ExecutionsRepository;
let writes: LeasedStepWrites;
/** What the publisher saw, and what another connection saw committed at that moment. */
let published: Array<{ id: string; rowCommitted: boolean; stateCommitted: unknown }>;

/** The next publish is refused, as a NATS outage between the commit and the publish would. */
let failNextPublish = false;

const publisher = {
  build: (subject: string, data: unknown, options?: { id?: string }) => createEvent('test', subject as never, data as never, options),
  buildTrusted: (subject: string, data: unknown, options?: { id?: string }) =>
    trustedEvent('test', subject as never, data as never, options),
  async publishEvent(_subject: string, event: { id: string; data: { executionId: string } }) {
    if (failNextPublish) {
      failNextPublish = false;
      throw new Error('no responders available for request');
    }
    // Listed in the order the events are published, whatever order the looks below end in.
    const seen: (typeof published)[number] = { id: event.id, rowCommitted: false, stateCommitted: undefined };
    published.push(seen);
    const [row] = await observer.query(`SELECT count(*)::int AS n FROM ${outbox} WHERE id = $1`, [event.id]);
    const [execution] = await observer.query(`SELECT state FROM ${executions} WHERE id = $1`, [event.data.executionId]);
    Object.assign(seen, { rowCommitted: row.n === 1, stateCommitted: execution.state });
    return { seq: published.length, duplicate: false };
  },
};

beforeAll(async () => {
  const url = await resolveDatabaseUrl();
  const config = buildConfig(SERVICE, { FIREBREAK_DB_SCHEMA: schema, DATABASE_URL: url });
  db = await openDatabase({ url, schema, migrations: SERVICE.database!.migrations }, pino({ level: 'silent' }), 2);
  observer = new DataSource({ type: 'postgres', url });
  await observer.initialize();
  repo = new ExecutionsRepository(db, config);
  writes = new LeasedStepWrites(config, pino({ level: 'silent' }), db, publisher as unknown as EventPublisher);
});

afterAll(async () => {
  await db?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await db?.destroy();
  await observer?.destroy();
});

beforeEach(() => {
  published = [];
  failNextPublish = false;
  // Longer than a test: which write deleted the rows shows, not the flush a write schedules.
  writes.leftoversWaitMs = 60_000;
});

afterEach(() => writes.flush());

const running = (owner: string) => leasedRun(db, repo, executions, owner);
const announce = (id: string, attempts: AttemptRecord[]) => (tx: Transaction) => {
  for (const a of attempts) executionEvents.step(tx, executionRef(id), a);
};
const write = (id: string, owner: string, state: EngineState, attempts: AttemptRecord[], before: string[] = []) =>
  writes.write(id, owner, state, attempts, announce(id, attempts), before);
const outboxIds = async () => (await db.query(`SELECT id FROM ${outbox} ORDER BY id`)).map((row: { id: string }) => row.id).sort();
const succeeded: FinalWrite = { status: 'succeeded', reason: 'done', escalate: false, at: new Date('2026-01-02T00:00:00Z') };

it('with the lease: writes the state, the attempts and their outbox rows, and publishes the events in order once all of it committed', async () => {
  const id = await running('w1');
  const state = { ...initialState(), cursor: 1, completed: ['first'] };
  const result = await write(id, 'w1', state, [httpAttempt('first', 'succeeded'), httpAttempt('second', 'running')]);

  expect(result.written).toBe(true);
  expect(published).toHaveLength(2);
  expect(result.published).toEqual(published.map((event) => event.id));
  // Another connection saw the row and the state when each event went out: published after the commit, never before.
  for (const event of published) expect(event).toMatchObject({ rowCommitted: true, stateCommitted: state });
  expect((await repo.attempts(id)).map((a) => `${a.step_id}:${a.status}`)).toEqual(['first:succeeded', 'second:running']);
  expect(await outboxIds()).toEqual([...result.published].sort());
  await db.query(`DELETE FROM ${outbox}`);
});

it('without the lease (another worker took the run over): writes no state, attempt or outbox row and publishes nothing', async () => {
  const id = await running('w2');
  const before = (await repo.get(id))!.state;
  const result = await write(id, 'w1', { ...initialState(), cursor: 2 }, [httpAttempt('first', 'running')]);

  expect(result).toEqual({ written: false, published: [] });
  expect(published).toEqual([]);
  expect((await repo.get(id))!.state).toEqual(before);
  expect(await repo.attempts(id)).toEqual([]);
  expect(await outboxIds()).toEqual([]);
});

it("deletes the rows the run's earlier write published, with the lease or without; the closing write deletes the last ones", async () => {
  const id = await running('w1');
  const first = await write(id, 'w1', initialState(), [httpAttempt('first', 'running')]);
  const second = await write(
    id,
    'w1',
    initialState(),
    [httpAttempt('first', 'succeeded'), httpAttempt('second', 'running')],
    first.published,
  );
  expect(await outboxIds()).toEqual([...second.published].sort());

  const finished = await db.transaction((manager) =>
    repo.finishLeased(manager, id, 'w1', { state: null, attempts: [], published: second.published }, succeeded),
  );
  expect(finished).toBeDefined();
  expect(await outboxIds()).toEqual([]);

  // Taken over meanwhile: the rows already published go all the same, nothing else is written.
  const other = await running('w1');
  const kept = await write(other, 'w1', initialState(), [httpAttempt('first', 'running')]);
  await db.query(`UPDATE ${executions} SET lease_owner = 'w2' WHERE id = $1`, [other]);
  const lost = await write(other, 'w1', initialState(), [httpAttempt('first', 'succeeded')], kept.published);
  expect(lost.written).toBe(false);
  expect(await outboxIds()).toEqual([]);
});

describe('the closing write alone (finish)', () => {
  const finish = (id: string, owner: string, published: string[] = []) =>
    writes.finish(id, owner, { state: null, attempts: [httpAttempt('last', 'succeeded')], published }, succeeded, (tx) => {
      executionEvents.step(tx, executionRef(id), httpAttempt('last', 'succeeded'));
      executionEvents.finished(tx, { ...executionRef(id), started_at: null }, { ...succeeded });
    });

  it('with the lease: ends the run, deletes the step writes’ rows, publishes its events once committed; the next step write deletes their rows', async () => {
    const id = await running('w1');
    const step = await write(id, 'w1', initialState(), [httpAttempt('last', 'running')]);
    published = [];
    const result = await finish(id, 'w1', step.published);

    expect(result).toMatchObject({ written: true, cancelRequestedBy: null });
    expect(result.published).toEqual(published.map((event) => event.id));
    expect(published.map((event) => event.rowCommitted)).toEqual([true, true]);
    expect(await repo.get(id)).toMatchObject({ status: 'succeeded', lease_owner: null, finished_at: succeeded.at });
    expect((await repo.attempts(id)).map((a) => `${a.step_id}:${a.status}`)).toEqual(['last:succeeded']);
    expect(await outboxIds()).toEqual([...result.published].sort());

    // No later write of that run: another run's step write takes them along.
    const other = await running('w1');
    const next = await write(other, 'w1', initialState(), [httpAttempt('first', 'running')]);
    expect(await outboxIds()).toEqual([...next.published].sort());
    await db.query(`DELETE FROM ${outbox}`);
  });

  it('with no step write to take them, flush deletes the rows it published', async () => {
    const id = await running('w1');
    const result = await finish(id, 'w1');
    expect(result.published).toHaveLength(2);
    await writes.flush();
    expect(await outboxIds()).toEqual([]);
  });

  it('without the lease: writes and publishes nothing, and says so', async () => {
    const id = await running('w2');
    const result = await finish(id, 'w1');
    expect(result).toEqual({ written: false, published: [], cancelRequestedBy: null });
    expect(published).toEqual([]);
    expect(await repo.get(id)).toMatchObject({ status: 'running', lease_owner: 'w2', finished_at: null });
    expect(await repo.attempts(id)).toEqual([]);
    expect(await outboxIds()).toEqual([]);
  });
});

describe('rows published by a step write', () => {
  it('are deleted within leftoversWaitMs though the run makes no further write (a long step)', async () => {
    writes.leftoversWaitMs = 50;
    const id = await running('w1');
    const step = await write(id, 'w1', initialState(), [httpAttempt('slow', 'running')]);
    expect(step.published).toHaveLength(1);
    // No later write of the run: were they left for it, they would wait the whole step and the relay would publish them again.
    await waitFor(async () => (await outboxIds()).length === 0, { timeoutMs: 5_000, message: 'the published row was not deleted' });
  });

  it('keep a row whose publish failed (the relay publishes it), through the next write and the flush', async () => {
    const id = await running('w1');
    failNextPublish = true;
    const step = await write(id, 'w1', initialState(), [httpAttempt('first', 'running')]);
    expect(step.published).toEqual([]);
    const [unsent] = await outboxIds();
    expect(unsent).toBeDefined();
    const next = await write(
      id,
      'w1',
      initialState(),
      [httpAttempt('first', 'succeeded'), httpAttempt('second', 'running')],
      step.published,
    );
    await writes.flush();
    expect(next.published).toHaveLength(2);
    expect(await outboxIds()).toEqual([unsent]);
    await db.query(`DELETE FROM ${outbox}`);
  });

  it('that another write was to delete go back to the queue when its statement fails, and are deleted later', async () => {
    const id = await running('w1');
    const step = await write(id, 'w1', initialState(), [httpAttempt('first', 'running')]);
    expect(await outboxIds()).toEqual(step.published);
    // A statement Postgres refuses (not an execution id): the rows it carried to delete are not dropped.
    await expect(write('not-a-uuid', 'w1', initialState(), [httpAttempt('first', 'running')])).rejects.toThrow();
    await writes.flush();
    expect(await outboxIds()).toEqual([]);
  });
});

describe("a run's start, announced by its first write (DbExecutionStore)", () => {
  const storeFor = async (id: string, owner: string) =>
    new DbExecutionStore(
      (await repo.get(id))!,
      owner,
      { steps: writes, clock: { now: () => new Date() } } as unknown as StoreDependencies,
      true,
    );
  const startedId = (id: string) => deriveEventId('execution-started', id);
  const stepId = (id: string, a: AttemptRecord) => deriveEventId('execution-step', id, a.stepId, a.attempt, String(a.rollback), a.status);

  it('goes in the same statement as the first step write, published ahead of its step event, and not with later writes', async () => {
    const id = await running('w1');
    const store = await storeFor(id, 'w1');
    const first = httpAttempt('first', 'running');
    await store.record(initialState(), first);
    expect(published.map((event) => event.id)).toEqual([startedId(id), stepId(id, first)]);
    expect(published[0].rowCommitted).toBe(true);
    const done = httpAttempt('first', 'succeeded');
    await store.record({ ...initialState(), cursor: 1 }, done);
    expect(published.map((event) => event.id)).toEqual([startedId(id), stepId(id, first), stepId(id, done)]);
    await db.query(`DELETE FROM ${outbox}`);
  });

  it('is staged again by the next write when the first wrote nothing (the lease was elsewhere)', async () => {
    const id = await running('w2');
    const store = await storeFor(id, 'w1');
    await expect(store.record(initialState(), httpAttempt('first', 'running'))).rejects.toBeInstanceOf(LeaseLostError);
    expect(published).toEqual([]);
    await db.query(`UPDATE ${executions} SET lease_owner = 'w1' WHERE id = $1`, [id]);
    await store.record(initialState(), httpAttempt('first', 'running'));
    expect(published.map((event) => event.id)).toEqual([startedId(id), stepId(id, httpAttempt('first', 'running'))]);
    await db.query(`DELETE FROM ${outbox}`);
  });
});
