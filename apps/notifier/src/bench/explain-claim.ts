import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { resolveDatabaseUrl, uniqueTestId } from '@firebreak/testing';
import { AppModule } from '../app.module';
import { DeliveriesRepository } from '../delivery/deliveries.repository';
import { NewDelivery } from '../delivery/delivery.types';
import { fingerprint, NotifierHarness } from '../testing/notifier-harness';

// `node …/apps/notifier/src/bench/explain-claim.js [pending] [limit] [stale]` (10000, 64): records that many pending
// deliveries (one per alert, plus a resolve behind every tenth) on a channel no loop serves, then prints
// EXPLAIN (ANALYZE, BUFFERS) of one claim of `limit`, run in a transaction that is rolled back.

/** The claim's statement as the repository sends it, caught instead of run. */
class Caught {
  constructor(
    readonly sql: string,
    readonly parameters: unknown[],
  ) {}
}

async function main(): Promise<void> {
  const pending = Number(process.argv[2] ?? 10_000);
  const limit = Number(process.argv[3] ?? 64);
  const stale = process.argv[4] === 'stale';
  const id = uniqueTestId('notifier-explain');
  const h = new NotifierHarness(
    id,
    id,
    NotifierHarness.writeConfig(`
channels:
  - { name: other, type: webhook, url: "http://127.0.0.1:9/hook" }
routes:
  - { matchers: [], channels: [other] }
`),
  );
  await h.start(AppModule, await h.useEnvironment({ LOG_LEVEL: 'silent' }));
  try {
    const db = h.app.get(DataSource);
    const repo = h.app.get(DeliveriesRepository);
    const at = Date.now() - 60_000;
    const rows: NewDelivery[] = [];
    for (let i = 0; rows.length < pending; i++) {
      const fp = fingerprint();
      const kinds = i % 10 === 0 ? (['firing', 'resolved'] as const) : (['firing'] as const);
      for (const [n, kind] of kinds.entries())
        rows.push({
          id: randomUUID(),
          announcementId: randomUUID(),
          announcementSubject: 'alerts.notify',
          channel: 'explain',
          channelType: 'webhook',
          target: 'default',
          kind,
          severity: 'critical',
          fingerprint: fp,
          title: `alert ${i}`,
          content: { kind, title: `alert ${i}`, details: [['started', new Date(at).toISOString()]] } as never,
          status: 'pending',
          receivedAt: new Date(at + i),
          orderedAt: new Date(at + i + n),
        });
    }
    await db.transaction((manager) => repo.insert(manager, rows.slice(0, pending), new Date(at)));
    // `stale`: the planner's statistics still say the table is empty, as in the first seconds of a storm.
    if (!stale) await db.query(`ANALYZE "${h.schema}".deliveries`);
    const catcher = {
      query: (sql: string, parameters: unknown[]) => Promise.reject(new Caught(sql, parameters)),
    } as unknown as EntityManager;
    const now = new Date();
    const caught = await repo.claimDue(catcher, 'explain', limit, now, new Date(now.getTime() + 60_000)).then(
      () => undefined,
      (error: unknown) => (error instanceof Caught ? error : undefined),
    );
    if (!caught) throw new Error('the claim sent no statement');
    const runner = db.createQueryRunner();
    try {
      await runner.startTransaction();
      const plan = rowsOfPlan(await runner.query(`EXPLAIN (ANALYZE, BUFFERS) ${caught.sql}`, caught.parameters));
      await runner.rollbackTransaction();
      process.stdout.write(`${plan.join('\n')}\n`);
    } finally {
      await runner.release();
    }
  } finally {
    await h.stop(await resolveDatabaseUrl());
  }
}

function rowsOfPlan(result: Array<Record<string, string>>): string[] {
  return result.map((row) => row['QUERY PLAN']);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`explain-claim failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
