import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import {
  CONFIG_MOUNT,
  CONFIG_READERS,
  labels,
  NAMES,
  NAMESPACE,
  RUNBOOKS_MOUNT,
  SERVICES,
  serviceObjectName,
  ServiceName,
  STREAM_REPLICAS,
} from './settings';

/** Settings that are not secret, shared by every service (configMapKeyRef by name). */
export function environment(): Record<string, string> {
  const upstreams = Object.fromEntries(
    SERVICES.filter((s) => s.name !== 'console').map((s) => [
      `FIREBREAK_URL_${s.name.toUpperCase().replace(/-/g, '_')}`,
      `http://${serviceObjectName(s.name)}:${s.port}`,
    ]),
  );
  return {
    NATS_URL: `nats://${NAMES.nats}:4222`,
    FIREBREAK_STREAM_REPLICAS: String(STREAM_REPLICAS),
    FIREBREAK_CONFIG_DIR: CONFIG_MOUNT,
    FIREBREAK_RUNBOOKS_DIR: RUNBOOKS_MOUNT,
    LOG_LEVEL: 'info',
    // Where the slo-reporter and the prometheus detectors/steps query: point it at your Prometheus.
    PROMETHEUS_URL: 'http://prometheus.monitoring.svc:9090',
    // The notifier's public URL for Telegram's button callbacks (https://<notifier>/api/v1/chat/telegram/webhook); empty: no Telegram buttons.
    FIREBREAK_TELEGRAM_WEBHOOK_URL: '',
    ...upstreams,
  };
}

/** Secrets the services read directly (beyond the `${VAR}` references of config/); DATABASE_URL only where `database`. */
export const REQUIRED_SECRETS = ['DATABASE_URL'] as const;
export const OPTIONAL_SECRETS = [
  'FIREBREAK_API_TOKENS',
  'FIREBREAK_WEBHOOK_TOKENS',
  'FIREBREAK_WEBHOOK_BASIC_AUTH',
  'FIREBREAK_LLM_API_KEY',
  // The notifier's chat buttons: Slack's signing secret and the secret Telegram sends back with each press.
  'FIREBREAK_SLACK_SIGNING_SECRET',
  'FIREBREAK_TELEGRAM_WEBHOOK_SECRET',
] as const;

/** `${NAME}` references outside comments in config/*.yaml: channel tokens, connection URLs. */
export function configReferences(configDir: string): string[] {
  return [...new Set([...configReferencesByFile(configDir).values()].flat())].sort();
}

/** The `${NAME}` references of each file of config/ (file name → sorted names). */
export function configReferencesByFile(configDir: string): Map<string, string[]> {
  const byFile = new Map<string, string[]>();
  for (const [file, text] of readFlatDir(configDir)) {
    const names = new Set<string>();
    for (const line of text.split('\n')) {
      const code = line.replace(/(^|\s)#.*$/, '');
      for (const match of code.matchAll(/\$\{([A-Z_][A-Z0-9_]*)\}/g)) names.add(match[1]);
    }
    byFile.set(file, [...names].sort());
  }
  return byFile;
}

/**
 * The references of the files `service` loads. A file with references that no service is known to load
 * stops the generator: guessing would hand its secrets to everyone or to no one.
 */
export function serviceConfigReferences(byFile: Map<string, string[]>, service: ServiceName): string[] {
  const names = new Set<string>();
  for (const [file, references] of byFile) {
    if (references.length === 0) continue;
    const readers = CONFIG_READERS[file];
    if (!readers)
      throw new Error(`config/${file} references ${references.join(', ')} but no service is known to load it: add it to CONFIG_READERS`);
    if (readers.includes(service)) references.forEach((name) => names.add(name));
  }
  return [...names].sort();
}

export function namespace(): Namespace {
  return new Namespace({ metadata: { name: NAMESPACE, labels: labels('firebreak') } });
}

/** config/ and runbooks/ as they are in the repository, mounted where the services look. */
export function configMaps(root: string): ConfigMap[] {
  return [
    fileConfigMap(NAMES.config, join(root, 'config')),
    fileConfigMap(NAMES.runbooks, join(root, 'runbooks')),
    new ConfigMap({ metadata: meta(NAMES.env), data: environment() }),
  ];
}

/** A template: DATABASE_URL must be filled in; an empty optional value means "not set". */
export function secretTemplate(root: string): Secret {
  const keys = [...REQUIRED_SECRETS, ...OPTIONAL_SECRETS, ...configReferences(join(root, 'config'))];
  const stringData = Object.fromEntries(keys.map((key) => [key, '']));
  stringData.DATABASE_URL = 'postgres://firebreak:CHANGE_ME@postgres.example.invalid:5432/firebreak?sslmode=require';
  return new Secret({ metadata: meta(NAMES.secret), type: 'Opaque', stringData });
}

function fileConfigMap(name: string, dir: string): ConfigMap {
  return new ConfigMap({ metadata: meta(name), data: Object.fromEntries(readFlatDir(dir)) });
}

function readFlatDir(dir: string): Array<[string, string]> {
  return readdirSync(dir)
    .filter((file) => statSync(join(dir, file)).isFile())
    .sort()
    .map((file) => [file, readFileSync(join(dir, file), 'utf8')]);
}

function meta(name: string) {
  return { name, namespace: NAMESPACE, labels: labels('firebreak') };
}
