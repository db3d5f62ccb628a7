import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { EventOf, RunbookRequested } from '@firebreak/contracts';
import { PermanentError } from '@firebreak/bus';
import { uniqueTestId, waitFor } from '@firebreak/testing';
import { ExecutorHarness } from '../testing/executor-harness';
import { RequestsRecorder } from './requests-recorder';

let h: ExecutorHarness;

// Every request here has the same (empty) loop key: loop protection is left to `looped`.
const waiting = {
  id: 'waiting',
  title: 'Waits',
  severity: 'info',
  loop: { maxRuns: 1000, window: '1h' },
  steps: [{ id: 'pause', uses: 'wait', with: { duration: '50ms' } }],
};
const looped = {
  id: 'looped',
  title: 'Asked for again and again',
  severity: 'warning',
  concurrency: { key: '{{ alert.labels.instance }}' },
  loop: { maxRuns: 3, window: '1h' },
  steps: [{ id: 'pause', uses: 'wait', with: { duration: '50ms' } }],
};

beforeAll(async () => {
  h = await new ExecutorHarness({ 'waiting.yaml': waiting, 'looped.yaml': looped }).start(process.env);
});

afterAll(async () => {
  await h?.stop();
});

type Requested = EventOf<'runbooks.requested'>;

function requested(data: Partial<RunbookRequested> = {}, eventId = uniqueTestId('evt')): Requested {
  const full = { requestId: uniqueTestId('req'), runbookId: 'waiting', mode: 'live', trigger: 'alert', context: {}, params: {}, ...data };
  return { id: eventId, data: full } as Requested;
}

/** Submitted in one turn of the event loop, as a burst of deliveries is: the recorder gathers them into one batch. */
const recordAll = (events: Requested[], consumer = 'batch-test') =>
  Promise.allSettled(events.map((event) => h.app.get(RequestsRecorder).record(event, consumer)));

const rowsFor = async (requestIds: string[]) =>
  (await h.app
    .get(DataSource)
    .query(`SELECT request_id, status, status_reason FROM "${h.id}".executions WHERE request_id = ANY($1)`, [requestIds])) as Array<{
    request_id: string;
    status: string;
    status_reason: string | null;
  }>;

describe('recording runbooks.requested in batches', () => {
  it('records each request of a redelivered batch once: repeats in the same batch and in a later one are duplicates', async () => {
    const events = Array.from({ length: 20 }, () => requested());
    // Every event twice in one burst (a redelivery that arrives while the first delivery waits), then all again.
    const first = await recordAll([...events, ...events]);
    const created = first.filter((r) => r.status === 'fulfilled' && !r.value.duplicate);
    expect(first.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(created).toHaveLength(20);
    const again = await recordAll(events);
    expect(again).toEqual(events.map(() => ({ status: 'fulfilled', value: { duplicate: true } })));
    const rows = await rowsFor(events.map((event) => event.data.requestId));
    expect(rows.map((row) => row.request_id).sort()).toEqual(events.map((event) => event.data.requestId).sort());
  });

  it('records one execution for a request id sent in several events of one batch', async () => {
    const requestId = uniqueTestId('req');
    const results = await recordAll(Array.from({ length: 5 }, () => requested({ requestId })));
    const values = results.map((r) => (r.status === 'fulfilled' ? r.value : r.reason));
    expect(values.filter((value) => value.duplicate === false)).toHaveLength(1);
    expect(values.filter((value) => value.duplicate === true)).toHaveLength(4);
    expect(await rowsFor([requestId])).toHaveLength(1);
  });

  it('refuses a request Postgres cannot store on its own, with a permanent error, and records its batch-mates', async () => {
    const good = Array.from({ length: 8 }, () => requested());
    const bad = requested({ context: { alert_labels: { instance: 'db-1\u0000; drop' } } });
    const results = await recordAll([...good.slice(0, 4), bad, ...good.slice(4)]);
    const refused = results[4];
    expect(refused.status).toBe('rejected');
    expect((refused as PromiseRejectedResult).reason).toBeInstanceOf(PermanentError);
    expect((refused as PromiseRejectedResult).reason.message).toMatch(/NUL character or a lone surrogate/);
    expect(results.filter((r) => r.status === 'fulfilled' && !r.value.duplicate)).toHaveLength(8);
    expect(await rowsFor(good.map((event) => event.data.requestId))).toHaveLength(8);
    expect(await rowsFor([bad.data.requestId])).toEqual([]);
  });

  it('runs a batch that fails in Postgres again request by request: only the failing request fails, the others are recorded once', async () => {
    const good = Array.from({ length: 6 }, () => requested());
    // Unknown, so recorded as skipped, under an id too large for its index: Postgres refuses that row alone.
    const bad = requested({ runbookId: randomBytes(6_000).toString('hex') });
    const results = await recordAll([...good.slice(0, 3), bad, ...good.slice(3)]);
    expect(results[3].status).toBe('rejected');
    expect(results.filter((r) => r.status === 'fulfilled' && !r.value.duplicate)).toHaveLength(6);
    expect(await rowsFor(good.map((event) => event.data.requestId))).toHaveLength(6);
    expect(await rowsFor([bad.data.requestId])).toEqual([]);
  });

  it('queues a run whose concurrency key, cut at 500 characters, would end in half an emoji', async () => {
    const instance = `${'x'.repeat(499)}\u{1F600}tail`;
    const event = requested({ runbookId: 'looped', context: { alert_labels: { instance } } });
    const [result] = await recordAll([event]);
    expect(result).toEqual({ status: 'fulfilled', value: expect.objectContaining({ duplicate: false }) });
    const [row] = (await h.app
      .get(DataSource)
      .query(`SELECT status, concurrency_key FROM "${h.id}".executions WHERE request_id = $1`, [event.data.requestId])) as Array<{
      status: string;
      concurrency_key: string;
    }>;
    expect(row.status).not.toBe('skipped');
    expect(row.concurrency_key).toBe('x'.repeat(499));
  });

  it('applies loop protection within a batch: runs admitted earlier in it count towards later ones of their key', async () => {
    const instance = uniqueTestId('host');
    const events = Array.from({ length: 5 }, () => requested({ runbookId: 'looped', context: { alert_labels: { instance } } }));
    const other = requested({ runbookId: 'looped', context: { alert_labels: { instance: `${instance}-other` } } });
    await recordAll([...events, other]);
    const rows = await rowsFor(events.map((event) => event.data.requestId));
    expect(rows.filter((row) => row.status !== 'skipped')).toHaveLength(3);
    expect(rows.filter((row) => row.status === 'skipped').map((row) => row.status_reason)).toEqual([
      expect.stringContaining('loop protection: 3 automatic runs'),
      expect.stringContaining('loop protection: 3 automatic runs'),
    ]);
    expect((await rowsFor([other.data.requestId]))[0].status).not.toBe('skipped');
  });

  it('does not count a request recorded before, asked for again in a batch, towards the loop protection of its batch-mates', async () => {
    const instance = uniqueTestId('host');
    const context = { alert_labels: { instance } };
    const first = requested({ runbookId: 'looped', context });
    await recordAll([first]);
    // The same request under another event id (a chained publish step can do this), with two new ones of its key.
    const again = requested({ ...first.data }, uniqueTestId('evt'));
    const fresh = [requested({ runbookId: 'looped', context }), requested({ runbookId: 'looped', context })];
    const results = await recordAll([again, ...fresh]);
    expect(results[0]).toEqual({ status: 'fulfilled', value: { duplicate: true } });
    const rows = await rowsFor(fresh.map((event) => event.data.requestId));
    expect(rows.map((row) => row.status)).not.toContain('skipped');
    expect(await rowsFor([first.data.requestId])).toHaveLength(1);
  });

  it('dead-letters a request that cannot be stored, from the bus, and records the ones published with it', async () => {
    const ids = await Promise.all(Array.from({ length: 6 }, () => h.request({ runbookId: 'waiting' })));
    const bad = await h.request({ runbookId: 'waiting', context: { alert_labels: { instance: 'a\u0000b' } } });
    for (const id of ids) await h.waitForStatus(id, ['queued', 'running', 'succeeded']);
    await waitFor(() => h.eventsOf('dlq.runbooks.requested').length > 0, { message: 'the bad request to be dead-lettered' });
    expect(h.eventsOf('dlq.runbooks.requested')).toEqual([
      expect.objectContaining({ reason: 'permanent_error', error: expect.stringContaining('NUL character') }),
    ]);
    expect(await h.executionByRequest(bad)).toBeUndefined();
  });

  it('answers a run started by API with data Postgres cannot store with a clear 400, and records nothing', async () => {
    const before = (await h.app.get(DataSource).query(`SELECT count(*)::int AS n FROM "${h.id}".executions`))[0].n;
    const response = await h.inject('POST', '/api/v1/runbooks/waiting/execute', {
      token: 'operator',
      payload: { params: { note: 'x\u0000y' }, reason: 'test' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'unstorable_request', message: expect.stringContaining('NUL character') } });
    expect((await h.app.get(DataSource).query(`SELECT count(*)::int AS n FROM "${h.id}".executions`))[0].n).toBe(before);
  });
});
