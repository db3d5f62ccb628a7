import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { buildConfig, openDatabase, table } from '@firebreak/platform';
import { resolveDatabaseUrl, uniqueTestId, waitFor } from '@firebreak/testing';
import { AttemptRecord, initialState } from '../engine/engine.types';
import { SERVICE } from '../service';
import { NewExecution } from './execution.types';
import { ExecutionsRepository } from './executions.repository';

// The repository alone on its own schema: no worker here claims behind the test's back.
const schema = uniqueTestId('claims');
const LEASE_MS = 30_000;
let db: DataSource;
let repo: ExecutionsRepository;
let clock = Date.parse('2026-01-01T00:00:00Z');
const tick = () => new Date((clock += 1_000));

beforeAll(async () => {
  const config = buildConfig(SERVICE, { FIREBREAK_DB_SCHEMA: schema, DATABASE_URL: await resolveDatabaseUrl() });
  db = await openDatabase(
    { url: await resolveDatabaseUrl(), schema, migrations: SERVICE.database!.migrations },
    pino({ level: 'silent' }),
    1,
  );
  repo = new ExecutionsRepository(db, config);
});

afterAll(async () => {
  await db?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await db?.destroy();
});

beforeEach(async () => {
  await db.query(`TRUNCATE ${table(schema, 'executions')} CASCADE`);
});

async function queue(runbookId: string, limits: Partial<Pick<NewExecution, 'concurrencyKey' | 'concurrencyLimit' | 'runbookLimit'>> = {}) {
  const id = randomUUID();
  const execution: NewExecution = {
    id,
    requestId: id,
    runbookId,
    definition: null,
    mode: 'live',
    trigger: 'alert',
    severity: 'warning',
    concurrencyKey: limits.concurrencyKey ?? null,
    concurrencyLimit: limits.concurrencyLimit ?? null,
    runbookLimit: limits.runbookLimit ?? null,
    context: {},
    params: {},
    status: 'queued',
    escalate: false,
    createdAt: tick(),
  };
  await db.transaction((manager) => repo.insert(manager, execution));
  return id;
}

const claim = (worker: string, max: number, globalLimit = 100, at = new Date(clock + 60_000), running: string[] = []) =>
  repo.claim(worker, at, LEASE_MS, globalLimit, max, running);

describe('claiming several executions at once', () => {
  it('takes the oldest runnable ones up to the number asked for', async () => {
    const ids = [await queue('a'), await queue('b'), await queue('c')];
    expect((await claim('w1', 2)).map((row) => row.id)).toEqual(ids.slice(0, 2));
    expect((await claim('w1', 5)).map((row) => row.id)).toEqual(ids.slice(2));
    expect(await claim('w1', 5)).toEqual([]);
  });

  it('admits no more of a runbook than its limit leaves, counting what already runs', async () => {
    const first = await queue('limited', { runbookLimit: 2 });
    expect((await claim('w1', 1)).map((row) => row.id)).toEqual([first]);
    const waiting = [await queue('limited', { runbookLimit: 2 }), await queue('limited', { runbookLimit: 2 })];
    const other = await queue('free');
    expect((await claim('w1', 10)).map((row) => row.id)).toEqual([waiting[0], other]);
  });

  it('admits one execution per key when the key allows one, oldest first, and skips past a full key', async () => {
    const k1 = [
      await queue('keyed', { concurrencyKey: 'k1', concurrencyLimit: 1 }),
      await queue('keyed', { concurrencyKey: 'k1', concurrencyLimit: 1 }),
    ];
    const k2 = [
      await queue('keyed', { concurrencyKey: 'k2', concurrencyLimit: 1 }),
      await queue('keyed', { concurrencyKey: 'k2', concurrencyLimit: 1 }),
    ];
    expect((await claim('w1', 10)).map((row) => row.id)).toEqual([k1[0], k2[0]]);
    expect(await claim('w1', 10)).toEqual([]);
    const k3 = await queue('keyed', { concurrencyKey: 'k3', concurrencyLimit: 1 });
    expect((await claim('w1', 10)).map((row) => row.id)).toEqual([k3]);
  });

  it('fills the global limit and no more, and a row refused by its key does not use a global slot', async () => {
    await queue('running');
    await claim('w1', 1);
    const keyed = [
      await queue('keyed', { concurrencyKey: 'k', concurrencyLimit: 1 }),
      await queue('keyed', { concurrencyKey: 'k', concurrencyLimit: 1 }),
    ];
    const free = [await queue('free'), await queue('free')];
    // 1 running, global 3: two slots, for the first keyed row and the first free one.
    expect((await claim('w1', 10, 3)).map((row) => row.id)).toEqual([keyed[0], free[0]]);
  });

  it('takes executions whose worker lost its lease first, marked as recovered', async () => {
    const queued = await queue('fresh');
    const crashed = await queue('crashed');
    await db.query(`UPDATE ${table(schema, 'executions')} SET created_at = created_at + interval '1 hour' WHERE id = $1`, [crashed]);
    await db.query(`UPDATE ${table(schema, 'executions')} SET status = 'running', lease_owner = 'dead', lease_until = $2 WHERE id = $1`, [
      crashed,
      new Date(clock),
    ]);
    const rows = await claim('w2', 10);
    expect(rows.map((row) => [row.id, row.prev_status, row.lease_owner, row.claims])).toEqual([
      [crashed, 'running', 'w2', 1],
      [queued, 'queued', 'w2', 1],
    ]);
  });

  it('ranks the whole queue before cutting to the number asked for: a full key does not crowd out a newer runnable row', async () => {
    const keyed = [];
    for (let i = 0; i < 4; i++) keyed.push(await queue('keyed', { concurrencyKey: 'k', concurrencyLimit: 1 }));
    const other = await queue('other');
    expect((await claim('w1', 4)).map((row) => row.id)).toEqual([keyed[0], other]);
  });

  it('does not recover an execution from the worker still running it, even when its lease ran out', async () => {
    const id = await queue('long-step');
    const at = new Date(clock + 60_000);
    expect((await claim('w1', 1, 100, at)).map((row) => row.id)).toEqual([id]);
    // An outage longer than the lease: the lease ran out while w1 is still in the step.
    const later = new Date(at.getTime() + LEASE_MS + 1_000);
    expect(await claim('w1', 5, 100, later, [id])).toEqual([]);
    const taken = await claim('w2', 5, 100, later);
    expect(taken.map((row) => [row.id, row.prev_status, row.lease_owner])).toEqual([[id, 'running', 'w2']]);
  });

  it('recovers its own expired execution once the worker no longer runs it (its run gave up)', async () => {
    const id = await queue('abandoned');
    const at = new Date(clock + 60_000);
    await claim('w1', 1, 100, at);
    const taken = await claim('w1', 5, 100, new Date(at.getTime() + LEASE_MS + 1_000), []);
    expect(taken.map((row) => [row.id, row.prev_status, row.claims])).toEqual([[id, 'running', 2]]);
  });

  it('two workers claiming at the same moment share the runbook limit and never take the same row', async () => {
    for (let i = 0; i < 6; i++) await queue('shared', { runbookLimit: 3 });
    const [one, two] = await Promise.all([claim('w1', 10), claim('w2', 10)]);
    const ids = [...one, ...two].map((row) => row.id);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
  });
});

describe('claiming from a backlog of executions without limits (read from their own index)', () => {
  it('counts an older row without limits towards the limit of the runbook rows behind it, and takes it once', async () => {
    const unlimited = await queue('changed');
    await queue('changed', { runbookLimit: 1 });
    await queue('changed', { runbookLimit: 1 });
    const other = await queue('plain');
    expect((await claim('w1', 10)).map((row) => row.id)).toEqual([unlimited, other]);
  });

  it('two workers on their own connections, claiming at once until the queue is empty, take every row exactly once', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 24; i++) ids.add(await queue(`many-${i % 3}`));
    const second = await openDatabase(
      { url: await resolveDatabaseUrl(), schema, migrations: SERVICE.database!.migrations },
      pino({ level: 'silent' }),
      1,
    );
    try {
      const config = buildConfig(SERVICE, { FIREBREAK_DB_SCHEMA: schema, DATABASE_URL: await resolveDatabaseUrl() });
      const repos = [repo, new ExecutionsRepository(second, config)];
      const taken: string[] = [];
      const drain = async (index: number) => {
        for (;;) {
          const rows = await repos[index].claim(`w${index}`, new Date(clock + 60_000), LEASE_MS, 100, 5);
          if (rows.length === 0) return;
          taken.push(...rows.map((row) => row.id));
        }
      };
      await Promise.all([drain(0), drain(1)]);
      expect(taken).toHaveLength(24);
      expect(new Set(taken)).toEqual(ids);
    } finally {
      await second.destroy();
    }
  });
});

describe('the claim lock', () => {
  it("a claim waits for another replica's claim in progress and counts what that one took towards the global limit", async () => {
    const ids = [await queue('a'), await queue('a'), await queue('a'), await queue('a')];
    const lockKey = `${table(schema, 'executions')}:claim`;
    const other = await openDatabase({ url: await resolveDatabaseUrl(), schema, migrations: [] }, pino({ level: 'silent' }), 1);
    const replica = other.createQueryRunner();
    try {
      // Another replica's claim, not committed yet: it holds the claim lock and has taken two rows (the newest, so the
      // oldest two are what a claim that did not wait would see as queued and fitting the limit).
      await replica.startTransaction();
      await replica.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockKey]);
      await replica.query(
        `UPDATE ${table(schema, 'executions')} SET status = 'running', lease_owner = 'w0', lease_until = $2 WHERE id = ANY($1)`,
        [ids.slice(2), new Date(clock + 3_600_000)],
      );
      let settled = false;
      const claiming = claim('w1', 5, 2).finally(() => (settled = true));
      const waiting = async () =>
        (
          await replica.query(
            `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid::bigint = hashtext($1)::bigint & 4294967295`,
            [lockKey],
          )
        )[0].n > 0;
      await waitFor(async () => settled || (await waiting()), { timeoutMs: 10_000, message: 'the claim neither waited nor ended' });
      await replica.commitTransaction();
      // Its snapshot is taken once it has the lock: it sees the two running, and the global limit of 2 admits no more.
      expect(await claiming).toEqual([]);
    } finally {
      await replica.release();
      await other.destroy();
    }
  });
});

describe('the state and attempts of one write', () => {
  const attempt = (stepId: string, status: AttemptRecord['status'], excerpt?: string): AttemptRecord => ({
    stepId,
    stepType: 'http',
    attempt: 1,
    rollback: false,
    status,
    startedAt: new Date(clock),
    finishedAt: status === 'running' ? undefined : new Date(clock),
    excerpt,
  });

  it('writes the state and the attempts in the order given, one row per attempt', async () => {
    const id = await queue('written');
    await claim('w1', 1);
    const state = { ...initialState(), cursor: 1 };
    expect(
      await db.transaction((m) =>
        repo.saveStateWithAttempts(m, id, 'w1', state, [
          attempt('first', 'running'),
          attempt('first', 'succeeded', 'HTTP 200'),
          attempt('second', 'running'),
        ]),
      ),
    ).toBe(true);
    expect(await db.transaction((m) => repo.saveStateWithAttempts(m, id, 'w1', state, [attempt('second', 'succeeded')]))).toBe(true);
    const rows = await repo.attempts(id);
    expect(rows.map((row) => [row.step_id, row.status, row.output_excerpt])).toEqual([
      ['first', 'succeeded', 'HTTP 200'],
      ['second', 'succeeded', null],
    ]);
    expect((await repo.get(id))?.state).toMatchObject({ cursor: 1 });
  });

  it('writes nothing, state or attempts, for a worker that no longer holds the lease', async () => {
    const id = await queue('taken');
    await claim('w1', 1);
    const saved = await db.transaction((m) =>
      repo.saveStateWithAttempts(m, id, 'someone-else', { ...initialState(), cursor: 3 }, [attempt('first', 'succeeded')]),
    );
    expect(saved).toBe(false);
    expect(await repo.attempts(id)).toEqual([]);
    expect((await repo.get(id))?.state).toEqual({});
  });
});
