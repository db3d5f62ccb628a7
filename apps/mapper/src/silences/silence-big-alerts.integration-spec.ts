import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource, EntityManager } from 'typeorm';
import { uniqueTestId } from '@firebreak/testing';
import { receiptId } from '../alerts/alert-ingest.service';
import { BusProbe, closeInstallation, http, ManualClock, processed, startMapper, useInstallation } from '../testing/mapper-harness';

const MINUTE = 60_000;
const OPERATOR = 'operator-token-1';
/** The mapper's byte budget per write statement here: two of these alerts' rows fit in one, not three. */
const BUDGET = 16 * 1024;
const ALERTS = 6;

/**
 * A batch's rows of a table used to go out as one JSON document whatever they weighed: a page of big
 * alerts could pass Postgres's jsonb limit and fail on every sweep. Now the rows are cut into
 * statements by bytes. The real limit is 16 MiB; here it is 16 KiB, with alerts of ~6 KiB.
 */
describe('mapper: writes of alerts bigger than a statement takes (real NATS and Postgres)', () => {
  const id = uniqueTestId('mapper_bigrows');
  let app: NestFastifyApplication;
  let bus: BusProbe;
  let clock: ManualClock;
  let db: DataSource;
  let call: ReturnType<typeof http>;

  beforeAll(async () => {
    bus = await useInstallation(id, {
      tokens: `${OPERATOR}:operator:otto`,
      config: { 'mappings.yaml': 'alertnames: {}\n', 'escalation.yaml': 'escalation:\n  critical: 5m\n' },
      env: { FIREBREAK_TIMER_POLL_MS: '100', FIREBREAK_WRITE_STATEMENT_MAX_BYTES: String(BUDGET) },
    });
    app = await startMapper();
    clock = new ManualClock(app, new Date());
    db = app.get(DataSource);
    call = http(app);
  });

  afterAll(() => closeInstallation(id, app, bus));
  afterEach(() => jest.restoreAllMocks());

  /** Every statement the mapper sends while `work` runs. */
  async function statementsDuring(work: () => Promise<unknown>): Promise<string[]> {
    const sent: string[] = [];
    const query = EntityManager.prototype.query;
    jest.spyOn(EntityManager.prototype, 'query').mockImplementation(function (
      this: EntityManager,
      sql: string,
      params?: Parameters<EntityManager['query']>[1],
    ) {
      sent.push(sql);
      return query.call(this, sql, params);
    });
    await work();
    jest.restoreAllMocks();
    return sent;
  }
  const occurrences = (statements: string[], sql: string) => statements.reduce((n, statement) => n + statement.split(sql).length - 1, 0);

  const rows = async (fingerprints: string[]) =>
    db.query(
      `SELECT fingerprint, status, silence_id AS "silenceId", length(annotations->>'description') AS described
         FROM "${id}".alerts WHERE fingerprint = ANY($1) ORDER BY fingerprint`,
      [fingerprints],
    );
  const historyTo = async (fingerprints: string[], to: string): Promise<Record<string, number>> => {
    const counted: Array<{ fingerprint: string; n: number }> = await db.query(
      `SELECT fingerprint, count(*)::int AS n FROM "${id}".alert_history WHERE fingerprint = ANY($1) AND to_status = $2 GROUP BY 1`,
      [fingerprints, to],
    );
    return Object.fromEntries(counted.map((row) => [row.fingerprint, row.n]));
  };
  const timers = async (fingerprints: string[]): Promise<number> =>
    (await db.query(`SELECT count(*)::int AS n FROM "${id}".escalation_timers WHERE fingerprint = ANY($1)`, [fingerprints]))[0].n;
  const each = (fingerprints: string[], value: number) => Object.fromEntries(fingerprints.map((fingerprint) => [fingerprint, value]));

  it('inserts, silences and releases the alerts in several statements, each alert written once with all it holds', async () => {
    const description = 'x'.repeat(6_000);
    const events = await Promise.all(
      Array.from({ length: ALERTS }, (_, n) =>
        bus.publishAlert({
          labels: { alertname: 'BigAlert', job: 'big', instance: `i-${n}`, severity: 'critical' },
          annotations: { description },
          startsAt: clock.now(),
          receivedAt: clock.now(),
        }),
      ),
    );
    for (const event of events) await processed(app, receiptId(event));
    const fingerprints = events.map((event) => event.data.alert.fingerprint).sort();
    expect(await rows(fingerprints)).toEqual(
      fingerprints.map((fingerprint) => ({ fingerprint, status: 'firing', silenceId: null, described: description.length })),
    );
    expect(await timers(fingerprints)).toBe(ALERTS);

    let silenceId = '';
    const silencing = await statementsDuring(async () => {
      const response = await call('POST', '/api/v1/silences', OPERATOR, {
        matchers: ['job="big"'],
        endsAt: new Date(clock.now().getTime() + 60 * MINUTE).toISOString(),
        comment: 'maintenance window',
      });
      expect(response.statusCode).toBe(201);
      silenceId = response.json<{ id: string }>().id;
    });
    // Six rows of ~6 KiB, two to a 16 KiB statement.
    expect(occurrences(silencing, `UPDATE "${id}".alerts a SET`)).toBe(ALERTS / 2);
    expect(await rows(fingerprints)).toEqual(
      fingerprints.map((fingerprint) => ({ fingerprint, status: 'silenced', silenceId, described: description.length })),
    );
    expect(await historyTo(fingerprints, 'silenced')).toEqual(each(fingerprints, 1));
    expect(await timers(fingerprints)).toBe(0);

    const releasing = await statementsDuring(async () => {
      expect((await call('DELETE', `/api/v1/silences/${silenceId}`, OPERATOR)).statusCode).toBe(200);
    });
    expect(occurrences(releasing, `UPDATE "${id}".alerts a SET`)).toBe(ALERTS / 2);
    expect(await rows(fingerprints)).toEqual(
      fingerprints.map((fingerprint) => ({ fingerprint, status: 'firing', silenceId: null, described: description.length })),
    );
    expect(await historyTo(fingerprints, 'firing')).toEqual(each(fingerprints, 2));
  });
});
