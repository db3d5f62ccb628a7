import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { Severity } from '@firebreak/contracts';
import { ConfigError } from '@firebreak/platform';
import { Channel, ChannelSet, parseChannelSet } from './channel-set';
import { resolveRoutes, Route, routingLabels } from './routing';

export interface ChannelView {
  name: string;
  type: Channel['type'];
  enabled: boolean;
  disabledReason?: string;
  targets: string[];
  rateLimit: { perMinute: number; burst: number };
  fold: boolean;
}

/** The channels and routes of channels.yaml, loaded once at start. */
export class ChannelRegistry {
  private readonly byName: Map<string, Channel>;

  constructor(private readonly set: ChannelSet) {
    this.byName = new Map(set.channels.map((channel) => [channel.name, channel]));
  }

  static load(dir: string, file: string, env: NodeJS.ProcessEnv, logger: Logger): ChannelRegistry {
    const path = resolve(dir, file);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new ConfigError([`${path}: cannot read (${(error as Error).message})`]);
    }
    const registry = new ChannelRegistry(parseChannelSet(text, env, path));
    registry.announce(path, logger);
    return registry;
  }

  get(name: string): Channel | undefined {
    return this.byName.get(name);
  }

  all(): Channel[] {
    return this.set.channels;
  }

  enabled(): Channel[] {
    return this.set.channels.filter((channel) => channel.enabled);
  }

  /** The routes in file order (for tracing which matched and why). */
  routes(): readonly Route[] {
    return this.set.routes;
  }

  /** Channel names the routes pick for these labels and severity. */
  route(labels: Record<string, string>, severity: Severity): string[] {
    return resolveRoutes(this.set.routes, routingLabels(labels, severity), severity);
  }

  /** What the API shows: never a token, URL or key. */
  view(channel: Channel): ChannelView {
    return {
      name: channel.name,
      type: channel.type,
      enabled: channel.enabled,
      ...(channel.disabledReason ? { disabledReason: channel.disabledReason } : {}),
      targets: channel.targets,
      rateLimit: channel.config.rateLimit,
      fold: channel.fold,
    };
  }

  routesView(): Array<{ matchers: string[]; channels: string[]; minSeverity?: Severity; continue: boolean }> {
    return this.set.routes.map((route) => ({
      matchers: route.matchers.map((m) => `${m.name}${m.type}${JSON.stringify(m.value)}`),
      channels: route.channels,
      ...(route.minSeverity ? { minSeverity: route.minSeverity } : {}),
      continue: route.continue,
    }));
  }

  private announce(path: string, logger: Logger): void {
    for (const channel of this.set.channels.filter((c) => !c.enabled)) {
      logger.warn(
        { channel: channel.name, type: channel.type, reason: channel.disabledReason, file: path },
        `CHANNEL DISABLED: ${channel.name} (${channel.type}) sends nothing because ${channel.disabledReason}; messages routed to it are recorded as skipped`,
      );
    }
    const enabled = this.enabled().map((c) => c.name);
    if (enabled.length === 0) logger.warn({ file: path }, 'NO CHANNEL IS ENABLED: the notifier will record announcements but tell nobody');
    else logger.info({ channels: enabled, routes: this.set.routes.length }, 'channels loaded');
  }
}
