import { detectors } from './detectors';
import { executions } from './executions';
import { intake } from './intake';
import { buildDashboard, DashboardSpec } from './model';
import { notifications } from './notifications';
import { pipeline } from './pipeline';
import { slo } from './slo';

export const DASHBOARDS: Record<string, DashboardSpec> = { intake, pipeline, notifications, executions, detectors, slo };

/** File name (in deploy/grafana/dashboards) → the dashboard's JSON text. */
export function dashboardFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [name, spec] of Object.entries(DASHBOARDS)) {
    files.set(`${name}.json`, `${JSON.stringify(buildDashboard(spec), null, 2)}\n`);
  }
  return files;
}
