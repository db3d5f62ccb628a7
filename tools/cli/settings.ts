import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SERVICES as BACKUP_SERVICES } from '../backup/settings';

/**
 * Every service the CLI talks to, with the port `npm start` gives it. The backup tool's table is the source for
 * the names it shares (so `FIREBREAK_URL_MAPPER` means one thing to both tools); the env name follows its rule.
 */
export const SERVICES = {
  ingress: { port: 8080, env: 'FIREBREAK_URL_INGRESS' },
  ...BACKUP_SERVICES,
  'detector-scheduler': { port: 8083, env: 'FIREBREAK_URL_DETECTOR_SCHEDULER' },
  notifier: { port: 8084, env: 'FIREBREAK_URL_NOTIFIER' },
  'slo-reporter': { port: 8085, env: 'FIREBREAK_URL_SLO_REPORTER' },
} as const;

export type ServiceName = keyof typeof SERVICES;
export const SERVICE_NAMES = Object.keys(SERVICES) as ServiceName[];

export interface CliSettings {
  urls: Record<ServiceName, string>;
  token: string | undefined;
  /** Where the token came from, for an error message. */
  tokenFrom: string;
  /** Said on stderr before anything else (e.g. a config file others can read). */
  warnings: string[];
}

export interface SettingsInput {
  env: NodeJS.ProcessEnv;
  /** `--config PATH`; otherwise `$XDG_CONFIG_HOME/firebreak/config.yml` or `~/.config/firebreak/config.yml`. */
  configPath?: string;
  /** `--token`, which wins over everything. */
  token?: string;
}

interface ConfigFile {
  token?: string;
  urls?: Partial<Record<string, string>>;
}

export class SettingsError extends Error {}

export function defaultConfigPath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'firebreak', 'config.yml');
}

/** Token and URLs: flag > env > config file > default (127.0.0.1 and the service's port). */
export function resolveSettings(input: SettingsInput): CliSettings {
  const warnings: string[] = [];
  const path = input.configPath ?? defaultConfigPath(input.env);
  const file = readConfigFile(path, input.configPath !== undefined, warnings);
  const urls = Object.fromEntries(
    SERVICE_NAMES.map((name) => {
      const spec = SERVICES[name];
      const url = input.env[spec.env] || file.urls?.[name] || `http://127.0.0.1:${spec.port}`;
      return [name, url.replace(/\/+$/, '')];
    }),
  ) as Record<ServiceName, string>;
  if (input.token) return { urls, token: input.token, tokenFrom: '--token', warnings };
  if (input.env.FIREBREAK_TOKEN) return { urls, token: input.env.FIREBREAK_TOKEN, tokenFrom: 'FIREBREAK_TOKEN', warnings };
  if (file.token) return { urls, token: file.token, tokenFrom: `the token of ${path}`, warnings };
  return { urls, token: undefined, tokenFrom: 'nowhere (set FIREBREAK_TOKEN or token: in the config file)', warnings };
}

function readConfigFile(path: string, explicit: boolean, warnings: string[]): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !explicit) return {};
    throw new SettingsError(`cannot read the config file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  // A token in a file others can read is a token others have.
  if ((statSync(path).mode & 0o077) !== 0) warnings.push(`warning: ${path} is readable by other users (chmod 600 ${path})`);
  return validateConfig(path, parseYaml(path, text));
}

function parseYaml(path: string, text: string): unknown {
  try {
    return parse(text) ?? {};
  } catch (error) {
    throw new SettingsError(`${path} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
}

function validateConfig(path: string, raw: unknown): ConfigFile {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new SettingsError(`${path}: expected a mapping with token: and urls:`);
  const { token, urls } = raw as Record<string, unknown>;
  if (token !== undefined && typeof token !== 'string') throw new SettingsError(`${path}: token must be a string`);
  if (urls === undefined || urls === null) return { token };
  if (typeof urls !== 'object' || Array.isArray(urls)) throw new SettingsError(`${path}: urls must be a mapping of service → URL`);
  for (const [name, url] of Object.entries(urls)) {
    if (!SERVICE_NAMES.includes(name as ServiceName))
      throw new SettingsError(`${path}: urls.${name} is not a service (one of ${SERVICE_NAMES.join(', ')})`);
    if (typeof url !== 'string') throw new SettingsError(`${path}: urls.${name} must be a string`);
  }
  return { token, urls: urls as Record<string, string> };
}
