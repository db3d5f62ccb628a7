import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allPanels, dashboardQueries } from './dashboard-queries';
import { DASHBOARDS_DIR, findRoot } from './generate';

const dir = join(findRoot(), DASHBOARDS_DIR);
const files = readdirSync(dir).filter((file) => file.endsWith('.json'));
/* eslint-disable @typescript-eslint/no-explicit-any -- Grafana's JSON as read */
const dashboards = files.map((file) => ({ file, json: JSON.parse(readFileSync(join(dir, file), 'utf8')) as any }));

describe('the Grafana dashboards', () => {
  it('cover intake, pipeline latency, notifications, executions, detectors and SLO budgets', () => {
    expect(files.sort()).toEqual(['detectors.json', 'executions.json', 'intake.json', 'notifications.json', 'pipeline.json', 'slo.json']);
  });

  it.each(files)('%s: schema 39+, unique uid, unique panel ids, a ${datasource} variable that every query uses', (file) => {
    const { json } = dashboards.find((d) => d.file === file)!;
    expect(json.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(json.uid).toMatch(/^firebreak-[a-z-]+$/);
    const ids = allPanels(json).map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(json.templating.list.find((v: any) => v.name === 'datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const panel of allPanels(json).filter((p) => p.type !== 'row') as any[]) {
      expect([panel.title, panel.datasource.uid]).toEqual([panel.title, '${datasource}']);
      expect(panel.targets.length).toBeGreaterThan(0);
      for (const target of panel.targets)
        expect([panel.title, target.datasource.uid, target.expr.length > 0]).toEqual([panel.title, '${datasource}', true]);
    }
    // Every $variable a query uses is defined (dashboardQueries throws naming one that is not).
    expect(dashboardQueries(file, json).length).toBeGreaterThan(0);
  });

  it('have uids unique across dashboards, and panels that do not overlap', () => {
    expect(new Set(dashboards.map((d) => d.json.uid)).size).toBe(dashboards.length);
    for (const { json } of dashboards) {
      const taken = new Set<string>();
      for (const { gridPos } of allPanels(json) as any[]) {
        for (let x = gridPos.x; x < gridPos.x + gridPos.w; x++) {
          for (let y = gridPos.y; y < gridPos.y + gridPos.h; y++) {
            expect(taken.has(`${x},${y}`)).toBe(false);
            taken.add(`${x},${y}`);
          }
        }
        expect(gridPos.x + gridPos.w).toBeLessThanOrEqual(24);
      }
    }
  });
});
