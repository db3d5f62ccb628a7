import { Command, InvalidArgumentError } from 'commander';
import { parseDuration } from '@firebreak/platform';
import { alertmanagerPayload, DEMO_RUNBOOK, hostPort, sampleAlerts, type SampleAlert } from './sample-alerts';

interface DemoOptions {
  resolve: boolean;
  resolveAfter: number;
}

interface DemoSettings {
  ingressUrl: string;
  consoleUrl: string;
  webhookToken?: string;
}

/** FIREBREAK_URL_INGRESS / FIREBREAK_URL_CONSOLE as the other tools read them; the first webhook token if any. */
function readSettings(env: NodeJS.ProcessEnv): DemoSettings {
  const trim = (url: string) => url.replace(/\/+$/, '');
  const webhookToken = (env.FIREBREAK_WEBHOOK_TOKENS ?? '')
    .split(',')
    .map((token) => token.trim())
    .find(Boolean);
  return {
    ingressUrl: trim(env.FIREBREAK_URL_INGRESS || 'http://127.0.0.1:8080'),
    consoleUrl: trim(env.FIREBREAK_URL_CONSOLE || 'http://127.0.0.1:8090'),
    webhookToken,
  };
}

class DemoError extends Error {}

async function post(settings: DemoSettings, body: unknown): Promise<void> {
  const url = `${settings.ingressUrl}/api/v1/alerts/alertmanager`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  // Without FIREBREAK_WEBHOOK_TOKENS the ingress takes callers on its own host (FIREBREAK_WEBHOOK_AUTH=loopback).
  if (settings.webhookToken) headers.authorization = `Bearer ${settings.webhookToken}`;
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new DemoError(
      `the ingress at ${settings.ingressUrl} is unreachable (${cause}): start Firebreak with npm start, or set FIREBREAK_URL_INGRESS`,
    );
  }
  if (!response.ok) {
    const text = (await response.text()).replace(/\s+/g, ' ').slice(0, 300);
    throw new DemoError(`the ingress at ${settings.ingressUrl} answered ${response.status}: ${text}`);
  }
}

function describe(alerts: SampleAlert[], settings: DemoSettings, options: DemoOptions): string {
  const rows = alerts.map((alert) => {
    const runbook = alert.annotations.automation_runbook ? `  runbook ${alert.annotations.automation_runbook}` : '';
    return `  ${alert.labels.alertname.padEnd(26)} instance=${alert.labels.instance}${runbook}`;
  });
  return [
    `Sent ${alerts.length} sample alerts to ${settings.ingressUrl}/api/v1/alerts/alertmanager (Alertmanager webhook):`,
    ...rows,
    '',
    `Watch them in the console: ${settings.consoleUrl}/ (sign in with the URL npm start printed)`,
    '  - each alert arrives and is analysed (Alerts, then the alert for its analysis)',
    `  - FirebreakDemoProbe runs ${DEMO_RUNBOOK}, an http probe of the ingress, which succeeds (Executions)`,
    options.resolve
      ? `  - they resolve in ${Math.round(options.resolveAfter / 1000)} s (Ctrl-C now leaves them firing)`
      : '  - they stay firing (--no-resolve): resolve them from the console',
    '',
  ].join('\n');
}

async function run(options: DemoOptions): Promise<void> {
  const settings = readSettings(process.env);
  const alerts = sampleAlerts(hostPort(settings.ingressUrl));
  const startsAt = new Date();
  await post(settings, alertmanagerPayload(alerts, 'firing', startsAt, startsAt));
  process.stdout.write(describe(alerts, settings, options));
  if (!options.resolve) return;
  await new Promise((resolve) => setTimeout(resolve, options.resolveAfter));
  await post(settings, alertmanagerPayload(alerts, 'resolved', new Date(), startsAt));
  process.stdout.write(`Resolved the ${alerts.length} sample alerts.\n`);
}

function duration(value: string): number {
  const parsed = /^\d+$/.test(value.trim()) ? Number(value) * 1000 : parseDuration(value);
  if (parsed === undefined || parsed <= 0) throw new InvalidArgumentError('must be a duration such as 30s, 2m or a number of seconds');
  return parsed;
}

const program = new Command('demo')
  .description('Posts a few sample alerts to the ingress, then resolves them: watch them go through Firebreak in the console.')
  .option('--no-resolve', 'leave the alerts firing')
  .option('--resolve-after <duration>', 'how long they fire before they are resolved (30s, 2m, or seconds)', duration, 60_000)
  .addHelpText(
    'after',
    '\nEnvironment:\n  FIREBREAK_URL_INGRESS     default http://127.0.0.1:8080\n  FIREBREAK_WEBHOOK_TOKENS  its first token is sent, when set\n  FIREBREAK_URL_CONSOLE     default http://127.0.0.1:8090 (only printed)',
  )
  .action((options: DemoOptions) => run(options));

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(
    `demo: ${error instanceof DemoError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
