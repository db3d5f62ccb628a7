import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type AlertmanagerFixtureName = 'firing-group' | 'partially-resolved' | 'resolved' | 'truncated-max-alerts';

export interface AlertmanagerFixtureAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
  [field: string]: unknown;
}

/** Alertmanager webhook payload, version "4". Loose on purpose: newer Alertmanagers add fields. */
export interface AlertmanagerFixture {
  version: string;
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: AlertmanagerFixtureAlert[];
  [field: string]: unknown;
}

export interface FingerprintVector {
  labels: Record<string, string>;
  fingerprint: string;
  note?: string;
}

export interface AlertmanagerRequestHeaders {
  path: string;
  /** Header names lowercased, as node's `IncomingMessage.headers` has them. */
  headers: Record<string, string>;
}

/** A fresh parse each call, so a test may mutate what it gets. */
export function alertmanagerFixture(name: AlertmanagerFixtureName): AlertmanagerFixture {
  return JSON.parse(readFixture(`${name}.json`)) as AlertmanagerFixture;
}

export function fingerprintVectors(): FingerprintVector[] {
  return JSON.parse(readFixture('fingerprint-vectors.json')) as FingerprintVector[];
}

/** request-headers.txt: one block per captured request, the path on the first line, blocks split by a blank line. */
export function alertmanagerRequestHeaders(): AlertmanagerRequestHeaders[] {
  return readFixture('request-headers.txt')
    .split(/\r?\n\s*\r?\n/)
    .map((block) => block.split(/\r?\n/).filter((line) => line.trim() !== ''))
    .filter((lines) => lines.length > 0)
    .map(([path, ...headerLines]) => ({
      path: path.trim(),
      headers: Object.fromEntries(
        headerLines.map((line) => {
          const colon = line.indexOf(':');
          return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
        }),
      ),
    }));
}

function readFixture(file: string): string {
  return readFileSync(join(alertmanagerFixtureDir(), file), 'utf8');
}

let fixtureDir: string | undefined;

/** Beside the sources under jest; from dist/ the fixtures may not be copied, so search upward for the repo's. */
export function alertmanagerFixtureDir(): string {
  if (fixtureDir) return fixtureDir;
  const sibling = join(__dirname, '..', 'fixtures', 'alertmanager');
  if (existsSync(sibling)) return (fixtureDir = sibling);
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'libs', 'testing', 'fixtures', 'alertmanager');
    if (existsSync(candidate)) return (fixtureDir = candidate);
    if (dirname(dir) === dir) break;
  }
  throw new Error(`libs/testing/fixtures/alertmanager not found above ${__dirname}`);
}
