import { redactUrl } from './redact';
import { CONSOLE_SERVICE, SERVICES, serviceUrls, type ServiceSpec } from './services';

export interface StackSummary {
  started: readonly Pick<ServiceSpec, 'name' | 'port'>[];
  nats: { url: string; note: string };
  postgres: { url: string; note: string };
  readyAfterMs: number;
  /** The first-run admin token the console URL signs in with; undefined when FIREBREAK_API_TOKENS was given. */
  localAdminToken?: string;
  /** Where that token is kept, relative to the checkout (`.data/console-admin-token`). */
  localAdminTokenFile?: string;
  /**
   * Print the token in the URL: only to a terminal, or on the start that made it. Otherwise the output
   * is likely captured (systemd, CI, a log file) and a permanent admin token must not land there.
   */
  revealToken?: boolean;
}

/**
 * The console's address. With the first-run token it goes in the fragment, which browsers never send to
 * a server, so it stays out of access logs; the page reads it, keeps it for the tab and clears the address.
 */
export function consoleLine(summary: Pick<StackSummary, 'started' | 'localAdminToken' | 'localAdminTokenFile' | 'revealToken'>): string {
  if (!summary.started.some((spec) => spec.name === CONSOLE_SERVICE.name)) return '  Console: not started (not built)';
  const url = `${serviceUrls(CONSOLE_SERVICE).base}/`;
  if (!summary.localAdminToken) return `  Console: ${url}  (sign in with one of the tokens of FIREBREAK_API_TOKENS)`;
  if (summary.revealToken) return `  Console: ${url}#token=${summary.localAdminToken}`;
  return `  Console: ${url}  (sign in with the token in ${summary.localAdminTokenFile ?? '.data/console-admin-token'})`;
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
    consoleLine(summary),
    '',
  ].join('\n');
}
