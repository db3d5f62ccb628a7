import { parseDocument } from 'yaml';
import { ConfigError, expandEnvReferences } from '@firebreak/platform';
import { describeZodError } from '@firebreak/contracts';
import { ChannelConfig, ChannelsFileSchema, ChannelSchema, chatIdsOf, checkSecrets, checkShape, parseRoute } from './channels.config';
import { Route } from './routing';

export interface Channel {
  config: ChannelConfig;
  name: string;
  type: ChannelConfig['type'];
  enabled: boolean;
  /** Why a channel is off, e.g. "TELEGRAM_BOT_TOKEN is not set". */
  disabledReason?: string;
  /** Where one announcement goes inside the channel: each Telegram chat, or the one endpoint. */
  targets: string[];
  /** Folding a backlog into one summary suits people, not machines (PagerDuty incidents, webhooks). */
  fold: boolean;
}

export interface ChannelSet {
  channels: Channel[];
  routes: Route[];
}

const FOLD_BY_DEFAULT: Record<ChannelConfig['type'], boolean> = { telegram: true, slack: true, pagerduty: false, webhook: false };

/**
 * channels.yaml → channels and routes. A channel whose `${ENV}` secret is unset is disabled (so a
 * fresh machine starts); anything else wrong stops start-up with every problem named by entry.
 */
export function parseChannelSet(text: string, env: NodeJS.ProcessEnv, path: string): ChannelSet {
  const document = parseDocument(text);
  if (document.errors.length > 0) throw new ConfigError(document.errors.map((error) => `${path}: ${error.message}`));
  const file = ChannelsFileSchema.safeParse(document.toJS() ?? {});
  if (!file.success) throw new ConfigError(describeZodError(file.error).map((issue) => `${path}: ${issue}`));

  const problems: string[] = [];
  const channels = file.data.channels.flatMap((raw, index) => {
    const channel = parseChannel(raw, env, `channels[${index}]${typeof raw.name === 'string' ? ` (${raw.name})` : ''}`, problems);
    return channel ? [channel] : [];
  });
  const names = new Set<string>();
  for (const channel of channels) {
    if (names.has(channel.name)) problems.push(`channels: the name "${channel.name}" is used twice`);
    names.add(channel.name);
  }
  // A channel already reported as invalid is not reported again by every route that names it.
  const declared = new Set(file.data.channels.map((raw) => raw.name));
  const routes = file.data.routes.flatMap((raw, index) => {
    const where = `routes[${index}]`;
    const missing: string[] = [];
    const route = parseRoute(expandAll(raw, env, missing), where, problems);
    problems.push(...missing.map((name) => `${where}: references \${${name}}, which is not set`));
    route?.channels.forEach((name, i) => declared.has(name) || problems.push(`${where}.channels[${i}]: unknown channel "${name}"`));
    return route ? [route] : [];
  });
  if (problems.length > 0) throw new ConfigError(problems.map((problem) => `${path}: ${problem}`));
  return { channels, routes };
}

function parseChannel(raw: Record<string, unknown>, env: NodeJS.ProcessEnv, where: string, problems: string[]): Channel | undefined {
  const missing: string[] = [];
  const result = ChannelSchema.safeParse(expandAll(raw, env, missing));
  if (!result.success) {
    problems.push(...describeZodError(result.error).map((issue) => `${where}: ${issue}`));
    return undefined;
  }
  const config = result.data;
  const shape = checkShape(config);
  if (shape.length > 0) {
    problems.push(...shape.map((issue) => `${where}: ${issue}`));
    return undefined;
  }
  const enabled = missing.length === 0;
  if (enabled) problems.push(...checkSecrets(config).map((issue) => `${where}: ${issue}`));
  const targets = config.type === 'telegram' ? chatIdsOf(config) : [];
  return {
    config,
    name: config.name,
    type: config.type,
    enabled,
    ...(enabled ? {} : { disabledReason: `${[...new Set(missing)].join(', ')} ${missing.length > 1 ? 'are' : 'is'} not set` }),
    targets: targets.length > 0 ? targets : ['default'],
    fold: config.fold ?? FOLD_BY_DEFAULT[config.type],
  };
}

function expandAll(raw: unknown, env: NodeJS.ProcessEnv, missing: string[]): unknown {
  return JSON.parse(JSON.stringify(raw ?? null), (_key, value: unknown) =>
    typeof value === 'string' ? expandEnvReferences(value, env, missing) : value,
  );
}
