import { redactUrl } from './redact';
import { SERVICES, serviceUrls, type ServiceSpec } from './services';

export interface StackSummary {
  started: readonly Pick<ServiceSpec, 'name' | 'port'>[];
  nats: { url: string; note: string };
  postgres: { url: string; note: string };
  readyAfterMs: number;
}

/** The table printed once everything answers ready. Connection URLs never show a password. */
export function renderSummary(summary: StackSummary): string {
  const startedNames = new Set(summary.started.map((s) => s.name));
  const rows: string[][] = [['service', 'url', 'docs', 'metrics', 'ready']];
  for (const spec of SERVICES) {
    const urls = serviceUrls(spec);
    rows.push(
      startedNames.has(spec.name) ? [spec.name, urls.base, urls.docs, urls.metrics, urls.ready] : [spec.name, 'skipped (not built)'],
    );
  }
  const widths = rows[0].map((_, col) => Math.max(...rows.map((row) => row[col]?.length ?? 0)));
  const table = rows.map((row) => `  ${row.map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col]))).join('  ')}`);
  const seconds = (summary.readyAfterMs / 1000).toFixed(1);
  return [
    '',
    `  Firebreak is up: ${summary.started.length} of ${SERVICES.length} services ready after ${seconds} s`,
    '',
    ...table,
    '',
    `  NATS      ${redactUrl(summary.nats.url)}  (${summary.nats.note})`,
    `  Postgres  ${redactUrl(summary.postgres.url)}  (${summary.postgres.note})`,
    '',
    '  Ctrl-C stops everything.',
    '',
  ].join('\n');
}
