import { DataSource } from 'typeorm';
import { FakeWebhook, resolveDatabaseUrl, uniqueTestId, waitFor } from '@firebreak/testing';
import { AppModule } from '../app.module';
import { alertNotify, fingerprint, NotifierHarness } from '../testing/notifier-harness';

const ALERTS = 200;

interface Sent {
  id: string;
  data: { kind: string; alert: { fingerprint: string } };
}

/**
 * A burst of announcements many times the old intake concurrency (32) is taken in at once (intake
 * batches of 200 × 4): each is still delivered exactly once, and an alert's resolve never before its
 * trigger, whatever batch or slot each landed in.
 */
describe('notifier intake: a burst far wider than the old concurrency', () => {
  const webhook = new FakeWebhook();
  let h: NotifierHarness;

  beforeAll(async () => {
    await webhook.start();
    const id = uniqueTestId('notifier_burst');
    h = new NotifierHarness(
      id,
      id,
      NotifierHarness.writeConfig(`
channels:
  - { name: hook, type: webhook, url: "${webhook.url}/hook", concurrency: 16, rateLimit: { perMinute: 100000, burst: 10000 } }
routes:
  - { matchers: [], channels: [hook] }
`),
    );
    await h.start(AppModule, await h.useEnvironment({ LOG_LEVEL: 'silent', FIREBREAK_NOTIFY_POLL_MS: '50' }));
  });

  afterAll(async () => {
    await h?.stop(await resolveDatabaseUrl());
    await webhook.stop();
  });

  it('delivers every announcement exactly once, each alert’s trigger before its resolve', async () => {
    const fps = Array.from({ length: ALERTS }, () => fingerprint());
    // Per alert the trigger is published before its resolve; across alerts everything is in flight at once.
    await Promise.all(
      fps.map(async (fp) => {
        await h.announce(alertNotify('firing', fp, 'critical'));
        await h.announce(alertNotify('resolved', fp, 'critical'));
      }),
    );
    await waitFor(() => webhook.bodies.length >= 2 * ALERTS, { timeoutMs: 60_000, message: () => `received ${webhook.bodies.length}` });
    // Anything sent twice would have gone out by the time nothing is pending.
    const db = h.app.get(DataSource);
    await waitFor(async () => (await db.query(`SELECT 1 FROM "${h.schema}".deliveries WHERE status = 'pending' LIMIT 1`)).length === 0, {
      message: 'deliveries still pending',
    });
    const sent = webhook.bodies as Sent[];
    expect(sent).toHaveLength(2 * ALERTS);
    expect(new Set(sent.map((body) => body.id)).size).toBe(sent.length);
    const kindsByAlert = new Map<string, string[]>();
    for (const body of sent)
      kindsByAlert.set(body.data.alert.fingerprint, [...(kindsByAlert.get(body.data.alert.fingerprint) ?? []), body.data.kind]);
    expect([...kindsByAlert.keys()].sort()).toEqual([...fps].sort());
    for (const kinds of kindsByAlert.values()) expect(kinds).toEqual(['firing', 'resolved']);
  });
});
