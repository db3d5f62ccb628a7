import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DashboardQuery, dashboardQueries, exposedNames, metricNames } from './dashboard-queries';
import { DASHBOARDS_DIR, findRoot } from './generate';
import { checkWithPromtool } from './promtool';
import { RunningServices } from './running-services';

const root = findRoot();
/** The services whose /metrics the dashboards read (apps/e2e's APPS; the console exposes only the common metrics). */
const APPS = ['ingress', 'mapper', 'runbook-executor', 'detector-scheduler', 'notifier', 'slo-reporter', 'knowledge'];

function committedQueries(): DashboardQuery[] {
  const dir = join(root, DASHBOARDS_DIR);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .flatMap((file) => dashboardQueries(file, JSON.parse(readFileSync(join(dir, file), 'utf8'))));
}

function unknownMetrics(queries: DashboardQuery[], exposed: Set<string>): string[] {
  return queries.flatMap((q) =>
    metricNames(q.expr)
      .filter((name) => !exposed.has(name))
      .map((name) => `${q.dashboard} ${q.where}: ${name}`),
  );
}

describe('every dashboard query', () => {
  const queries = committedQueries();

  it('is PromQL that promtool parses', () => {
    expect(spawnSync('promtool', ['--version']).status).toBe(0);
    expect(queries.length).toBeGreaterThan(50);
    const result = checkWithPromtool(queries);
    expect(result).toEqual({ ok: true, output: expect.stringContaining('SUCCESS') });
  });

  it('is refused by the same check when it does not parse, naming the dashboard and panel', () => {
    const broken: DashboardQuery = {
      dashboard: 'intake.json',
      where: 'panel 9 "Broken" A',
      raw: '',
      expr: 'sum(rate(firebreak_alerts_received_total[5m])',
    };
    const result = checkWithPromtool([...queries.slice(0, 3), broken]);
    expect(result.ok).toBe(false);
    expect(result.output).toContain('intake.json panel 9 "Broken" A');
  });

  describe('against the metrics the running services expose', () => {
    const services = new RunningServices(root);
    const exposed = new Set<string>();

    beforeAll(async () => {
      await services.start(APPS);
      for (const service of services.services) {
        const text = await (await fetch(`${service.url}/metrics`)).text();
        for (const name of exposedNames(text)) exposed.add(name);
      }
    }, 300_000);

    afterAll(() => services.stopAndCleanUp(), 60_000);

    it('names only metrics a service exposes (histograms as _bucket, _sum, _count)', () => {
      expect(exposed.has('firebreak_notification_delivery_latency_seconds_bucket')).toBe(true);
      expect(unknownMetrics(queries, exposed)).toEqual([]);
    });

    it('would fail on a metric no service exposes', () => {
      const typo: DashboardQuery = {
        dashboard: 'x.json',
        where: 'panel 1 "Typo" A',
        raw: '',
        expr: 'sum(rate(firebreak_alerts_recieved_total[5m]))',
      };
      expect(unknownMetrics([typo], exposed)).toEqual(['x.json panel 1 "Typo" A: firebreak_alerts_recieved_total']);
    });
  });
});
