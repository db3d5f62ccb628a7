/** Where snapshots go unless --out or FIREBREAK_BACKUP_DIR says otherwise (relative: to the working directory). */
export const DEFAULT_BACKUP_DIR = '.data/backups';

/** The services the backup reads and restores, with the ports `npm start` gives them. */
export const SERVICES = {
  mapper: { port: 8081, env: 'FIREBREAK_URL_MAPPER' },
  'runbook-executor': { port: 8082, env: 'FIREBREAK_URL_RUNBOOK_EXECUTOR' },
  knowledge: { port: 8086, env: 'FIREBREAK_URL_KNOWLEDGE' },
} as const;

export type ServiceName = keyof typeof SERVICES;

export interface ToolSettings {
  urls: Record<ServiceName, string>;
  token: string | undefined;
  /** Where the token came from, to name in an error. */
  tokenFrom: string;
}

/**
 * Service URLs: `FIREBREAK_URL_<SERVICE>` (service name upper-cased, `-` → `_`), else 127.0.0.1 and the
 * default port. Token: `FIREBREAK_TOKEN`, else the first admin token of `FIREBREAK_API_TOKENS`
 * (`token:role[:name],…`, the services' own setting, so `npm start`'s environment is enough).
 */
export function readSettings(env: NodeJS.ProcessEnv): ToolSettings {
  const urls = Object.fromEntries(
    Object.entries(SERVICES).map(([name, spec]) => [name, (env[spec.env] || `http://127.0.0.1:${spec.port}`).replace(/\/+$/, '')]),
  ) as Record<ServiceName, string>;
  if (env.FIREBREAK_TOKEN) return { urls, token: env.FIREBREAK_TOKEN, tokenFrom: 'FIREBREAK_TOKEN' };
  const admin = firstAdminToken(env.FIREBREAK_API_TOKENS);
  return admin
    ? { urls, token: admin, tokenFrom: 'the first admin token of FIREBREAK_API_TOKENS' }
    : { urls, token: undefined, tokenFrom: 'nowhere (neither FIREBREAK_TOKEN nor an admin token in FIREBREAK_API_TOKENS is set)' };
}

/**
 * A service URL as a manifest may record it: without `user:password@`, query string or fragment (a token put
 * there must not end up in a snapshot that is committed to git). Not a URL: recorded as `(not a URL)`.
 */
export function publicUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    parsed.hash = '';
    return parsed.toString().replace(/\/+$/, '');
  } catch {
    return '(not a URL)';
  }
}

export function publicUrls(urls: Record<ServiceName, string>): Record<ServiceName, string> {
  return Object.fromEntries(Object.entries(urls).map(([name, url]) => [name, publicUrl(url)])) as Record<ServiceName, string>;
}

export function firstAdminToken(spec: string | undefined): string | undefined {
  for (const part of (spec ?? '').split(',')) {
    const [token, role] = part.trim().split(':');
    if (token && role === 'admin') return token;
  }
  return undefined;
}

export const ENV_HELP = [
  'Environment:',
  ...Object.entries(SERVICES).map(([name, spec]) => `  ${spec.env.padEnd(32)} ${name} (default http://127.0.0.1:${spec.port})`),
  `  ${'FIREBREAK_TOKEN'.padEnd(32)} API token (backup: viewer is enough; restore: admin)`,
  `  ${'FIREBREAK_API_TOKENS'.padEnd(32)} used when FIREBREAK_TOKEN is unset: its first admin token`,
].join('\n');
