import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { CloudEvent, AlertsReceivedBatch } from '@firebreak/contracts';
import { uniqueTestId, waitFor } from '@firebreak/testing';
import { AlertInput, BusProbe, closeInstallation, ManualClock, processed, startMapper, useInstallation } from '../testing/mapper-harness';

/** Enough alerts of these labels to fill several pages of `alerts`, were they packed full. */
const ALERTS = 80;

/**
 * A re-sent firing alert (occurrences, last_seen) changes no indexed column of its row: with room on
 * its page Postgres writes the new version there and touches no index (a HOT update). This checks the
 * room (every row of a group re-sent at once stays on its page) and that the updates were HOT. Packed full, the rows of the full pages
 * moved to other pages, each move adding an entry to every index of `alerts`.
 */
describe('mapper: a repeat updates its alert in place (real NATS and Postgres)', () => {
  const id = uniqueTestId('mapper_in_place');
  let app: NestFastifyApplication;
  let bus: BusProbe;
  let clock: ManualClock;
  let db: DataSource;

  beforeAll(async () => {
    bus = await useInstallation(id, {
      tokens: 'viewer-token-1:viewer:vera',
      config: { 'mappings.yaml': 'alertnames: {}\n', 'escalation.yaml': 'escalation: {}\n' },
    });
    app = await startMapper();
    clock = new ManualClock(app, new Date());
    db = app.get(DataSource);
  });

  afterAll(() => closeInstallation(id, app, bus));

  /** The group as sent in round `round` (its own message id: a re-send within JetStream's duplicate window is not dropped). */
  const group = (startsAt: Date, round: number): AlertInput[] =>
    Array.from({ length: ALERTS }, (_, index) => ({
      id: `${id}-${round}-${index}`,
      labels: { alertname: 'GroupDown', instance: `host-${index}.example.internal:9100`, job: 'node', severity: 'warning' },
      annotations: { summary: `host-${index} has been down for more than five minutes` },
      startsAt,
      receivedAt: clock.now(),
    }));
  const committed = (batch: CloudEvent<AlertsReceivedBatch>) =>
    Promise.all(batch.data.alerts.map((alert) => processed(app, `${alert.id}@${alert.data.receivedAt}`)));
  /** Each alert's page in the table and its occurrences. */
  const rows = async (): Promise<Map<string, { page: string; occurrences: number }>> => {
    const found: Array<{ fingerprint: string; page: string; occurrences: number }> = await db.query(
      `SELECT fingerprint, (ctid::text::point)[0]::text AS page, occurrences FROM "${id}".alerts`,
    );
    return new Map(found.map(({ fingerprint, page, occurrences }) => [fingerprint, { page, occurrences }]));
  };

  /** Updates of `alerts` so far, and how many of them were HOT (Postgres flushes these counts within ~10 s). */
  const updates = async (): Promise<{ all: number; hot: number }> => {
    const [row] = await db.query(
      `SELECT n_tup_upd::int AS all, n_tup_hot_upd::int AS hot FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'alerts'`,
      [id],
    );
    return row ?? { all: 0, hot: 0 };
  };

  it('keeps every row of a re-sent group on its page, each a HOT update', async () => {
    const startsAt = clock.now();
    await committed(await bus.publishBatch(group(startsAt, 1)));
    const before = await rows();
    expect(before.size).toBe(ALERTS);
    // Not one page: otherwise the test would pass however full pages are packed.
    expect(new Set([...before.values()].map((row) => row.page)).size).toBeGreaterThan(2);

    clock.advance(60_000);
    await committed(await bus.publishBatch(group(startsAt, 2)));

    const after = await rows();
    for (const [fingerprint, { page }] of before) expect(after.get(fingerprint)).toEqual({ page, occurrences: 2 });
    // On its page is not yet HOT: an index on a column a repeat changes would add an entry for every repeat all the same.
    await waitFor(async () => (await updates()).all >= ALERTS, { timeoutMs: 30_000, message: 'the updates never reached the statistics' });
    expect(await updates()).toEqual({ all: ALERTS, hot: ALERTS });
  });
});
