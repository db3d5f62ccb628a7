import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { serviceNodeArgs } from '@firebreak/contracts';
import { LauncherError } from './errors';
import type { Output } from './output';
import { describeExit, spawnManaged } from './processes';
import type { Stack } from './stack';

/** Started last: it forwards to the others, and its page is the summary's last line. */
export const CONSOLE_SERVICE = { name: 'console', port: 8090 } as const;

export const SERVICES = [
  { name: 'ingress', port: 8080 },
  { name: 'mapper', port: 8081 },
  { name: 'runbook-executor', port: 8082 },
  { name: 'detector-scheduler', port: 8083 },
  { name: 'notifier', port: 8084 },
  { name: 'slo-reporter', port: 8085 },
  { name: 'knowledge', port: 8086 },
  CONSOLE_SERVICE,
] as const;

export type ServiceSpec = (typeof SERVICES)[number];

export interface ServiceUrls {
  base: string;
  docs: string;
  metrics: string;
  ready: string;
}

export function serviceUrls(spec: Pick<ServiceSpec, 'port'>): ServiceUrls {
  const base = `http://127.0.0.1:${spec.port}`;
  return { base, docs: `${base}/docs`, metrics: `${base}/metrics`, ready: `${base}/health/ready` };
}

/**
 * FIREBREAK_RUNBOOK_VARS with `firebreak_ingress_url` (the demo runbook's only target: this stack's ingress)
 * added when the operator did not set it. An operator's own value always wins.
 */
export function runbookVarsWithIngress(given: string | undefined): string {
  const entries = (given ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  if (entries.some((entry) => entry.startsWith('firebreak_ingress_url='))) return entries.join(',');
  const ingress = SERVICES.find((spec) => spec.name === 'ingress')!;
  return [...entries, `firebreak_ingress_url=${serviceUrls(ingress).base}`].join(',');
}

export function entryPoint(rootDir: string, service: string, file: 'main.js' | 'migrate.js'): string {
  return join(rootDir, 'dist', 'apps', service, 'src', file);
}

/** Each service's `migrate.js`, one after the other; the first failure stops the launch with its output. */
export async function runMigrations(rootDir: string, env: NodeJS.ProcessEnv, stack: Stack, out: Output): Promise<void> {
  for (const { name } of SERVICES) {
    const script = entryPoint(rootDir, name, 'migrate.js');
    if (!existsSync(script) || stack.isStopping) continue;
    const started = Date.now();
    const lines: string[] = [];
    const task = spawnManaged(`${name}:migrate`, process.execPath, [script], {
      cwd: rootDir,
      env,
      onLine: (line) => lines.push(line),
    });
    stack.add(task, 'task');
    const info = await task.exited;
    if (stack.isStopping) return;
    if (info.code !== 0) {
      for (const line of lines) out.line(name, line, 'stderr');
      throw new LauncherError(
        'migration_failed',
        `migrations of ${name} failed: ${relative(rootDir, script)} ${describeExit(info)} (its output is above)`,
      );
    }
    out.info(`migrated ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
}

/** Starts every built service; returns those started. Unbuilt ones are skipped with a warning. */
export function startServices(rootDir: string, env: NodeJS.ProcessEnv, stack: Stack, out: Output): ServiceSpec[] {
  const started: ServiceSpec[] = [];
  for (const spec of SERVICES) {
    const main = entryPoint(rootDir, spec.name, 'main.js');
    if (!existsSync(main)) {
      out.warn(`${spec.name}: ${relative(rootDir, main)} does not exist (not written or not built yet); skipping it`);
      continue;
    }
    // Each child gets its own port explicitly: an inherited FIREBREAK_HTTP_PORT would put them all on one.
    const child = spawnManaged(spec.name, process.execPath, [...serviceNodeArgs(spec.name, env.NODE_OPTIONS), main], {
      cwd: rootDir,
      env: { ...env, FIREBREAK_HTTP_PORT: String(spec.port) },
      onLine: (line, stream) => out.line(spec.name, line, stream),
    });
    stack.add(child, 'service');
    started.push(spec);
  }
  if (started.length === 0) {
    throw new LauncherError('nothing_to_start', 'none of the services is built yet (dist/apps/<service>/src/main.js); nothing to run');
  }
  return started;
}
