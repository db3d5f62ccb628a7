import { z } from 'zod';
import { ConfigError, loadYamlConfig } from '@firebreak/platform';
import { durationSchema } from './duration';
import type { ExecutorConfig } from '../service';

/** config/automation.yaml: defaults a runbook can override. Every field is optional. */
const AutomationFileSchema = z.strictObject({
  circuitBreaker: z
    .strictObject({ failures: z.number().int().min(1).max(1_000).default(3), window: durationSchema.default(30 * 60_000) })
    .prefault({}),
  loopProtection: z
    .strictObject({ maxRuns: z.number().int().min(1).max(1_000).default(3), window: durationSchema.default(60 * 60_000) })
    .prefault({}),
  approvalTimeout: durationSchema.default(30 * 60_000),
  drillTarget: durationSchema.default(2 * 60_000),
  stepTimeout: durationSchema.default(60_000),
  runbookTimeout: durationSchema.default(30 * 60_000),
});

/** config/connections.yaml: the named databases `sql` steps may use. */
const ConnectionsFileSchema = z.strictObject({
  connections: z
    .array(
      z
        .strictObject({
          name: z.string().regex(/^[a-z][a-z0-9_-]*$/, 'must be lowercase letters, digits, _ or -'),
          url: z
            .string()
            .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
            .optional(),
          /** Firebreak's own database (DATABASE_URL), e.g. for VACUUM. */
          serviceDatabase: z.boolean().default(false),
          readOnly: z.boolean().default(false),
        })
        .refine((entry) => !!entry.url !== entry.serviceDatabase, 'give either url or serviceDatabase: true'),
    )
    .default([]),
});

/**
 * config/services.yaml: service (the `job` label) → its instances as `host:port` (`*` is one DNS label or
 * octet, as in FIREBREAK_RUNBOOK_HTTP_ALLOW). The port is required: a host that also runs other services
 * must not let a sender pick a closed port on it and so report this service down.
 */
const ServicesFileSchema = z.strictObject({
  services: z
    .record(
      z.string().min(1).max(200),
      z
        .array(
          z
            .string()
            .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9*][A-Za-z0-9*.-]*):\d{1,5}$/, 'must be host:port (the port is required)')
            .refine((entry) => Number(entry.slice(entry.lastIndexOf(':') + 1)) <= 65_535, 'the port must be at most 65535'),
        )
        .min(1),
    )
    .default({}),
});

export type AutomationSettings = z.infer<typeof AutomationFileSchema>;

/** A database `sql` steps may use, by the name runbooks give it. */
export interface SqlConnection {
  name: string;
  url: string;
  readOnly: boolean;
}

export interface ExecutorSettings {
  automation: AutomationSettings;
  connections: Map<string, SqlConnection>;
  vars: Record<string, string>;
  /** Service → its `host:port` instances, for `http` steps with `instanceOf` (config/services.yaml). */
  services: Map<string, string[]>;
}

export const SETTINGS = Symbol('runbook-executor:settings');

function parseVars(spec: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const entry of spec
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const match = /^([a-z][a-z0-9_]*)=(.*)$/.exec(entry);
    if (!match) throw new ConfigError([`FIREBREAK_RUNBOOK_VARS: "${entry.slice(0, 40)}" must be name=value with a lowercase name`]);
    vars[match[1]] = match[2];
  }
  return vars;
}

export function loadSettings(config: ExecutorConfig): ExecutorSettings {
  const automation = loadYamlConfig(config.FIREBREAK_CONFIG_DIR, 'automation.yaml', AutomationFileSchema, { optional: true });
  const file = loadYamlConfig(config.FIREBREAK_CONFIG_DIR, 'connections.yaml', ConnectionsFileSchema, { optional: true });
  const connections = new Map<string, SqlConnection>(
    file.connections.map((entry) => [
      entry.name,
      { name: entry.name, url: entry.serviceDatabase ? config.DATABASE_URL : entry.url!, readOnly: entry.readOnly },
    ]),
  );
  const services = loadYamlConfig(config.FIREBREAK_CONFIG_DIR, 'services.yaml', ServicesFileSchema, { optional: true });
  return {
    automation,
    connections,
    vars: parseVars(config.FIREBREAK_RUNBOOK_VARS),
    services: new Map(Object.entries(services.services)),
  };
}
