import type { ApiClient } from '../client';
import { CliError } from '../errors';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export interface MappingAnswer {
  runbook: string | null;
  source: string | null;
  rule?: { index: number; matchers: string[] };
  why: string;
  notes: string[];
}

export interface RouteStep {
  index: number;
  matchers: string[];
  channels: string[];
  minSeverity?: string;
  continue: boolean;
  matched: boolean;
  why: string;
}

export interface RoutingAnswer {
  severity: string;
  labels: Record<string, string>;
  routes: RouteStep[];
  channels: string[];
  channelStates: Array<{ name: string; type?: string; enabled: boolean; disabledReason?: string }>;
}

export interface RoutesTestAnswer {
  mapping: MappingAnswer;
  routing: RoutingAnswer;
}

/** `name=value` arguments (split at the first `=`, one pair of surrounding double quotes dropped) into a label set. */
export function parseLabelArgs(args: readonly string[], what = 'label'): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const arg of args) {
    const at = arg.indexOf('=');
    const name = at < 0 ? '' : arg.slice(0, at);
    if (!LABEL_NAME.test(name))
      throw new CliError(`${what} "${arg.slice(0, 60)}" must be name=value with a name matching [a-zA-Z_][a-zA-Z0-9_]*`);
    const raw = arg.slice(at + 1);
    labels[name] = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
  }
  return labels;
}

/**
 * Asks the services themselves: the mapper's resolver for the runbook, the notifier's routing for the channels,
 * so the answer is what an alert with these labels would really get (nothing is stored or sent).
 */
export async function testRoutes(
  client: ApiClient,
  labels: Record<string, string>,
  annotations: Record<string, string> = {},
  severity?: string,
): Promise<RoutesTestAnswer> {
  const [mapping, routing] = await Promise.all([
    client.post<MappingAnswer>('mapper', '/api/v1/mappings/test', { labels, annotations }, { readOnly: true }),
    client.post<RoutingAnswer>('notifier', '/api/v1/routes/test', { labels, ...(severity ? { severity } : {}) }, { readOnly: true }),
  ]);
  return { mapping, routing };
}

/** One row per channel the alert reaches: its type, whether it sends, and the route that picked it. */
export function channelRows(routing: RoutingAnswer): Array<{ channel: string; type: string; state: string; route: string }> {
  return routing.channelStates.map((state) => {
    const route = routing.routes.find((step) => step.matched && step.channels.includes(state.name));
    return {
      channel: state.name,
      type: state.type ?? '?',
      state: state.enabled ? 'enabled' : `disabled: ${state.disabledReason ?? 'unknown reason'}`,
      route: route ? `routes[${route.index}] ${route.matchers.join(', ') || '(any)'}` : '',
    };
  });
}

/** The lines above the table: the runbook and why, the severity the routes saw, and what was passed over. */
export function summaryLines(answer: RoutesTestAnswer): string[] {
  const { mapping, routing } = answer;
  const runbook = mapping.runbook ? `runbook: ${mapping.runbook} (from ${mapping.why})` : `runbook: none (${mapping.why})`;
  const notes = mapping.notes.map((note) => `note: ${note}`);
  const routes = routing.routes.map((step) => `route ${step.index} [${step.matchers.join(', ') || 'any'}]: ${step.why}`);
  const channels = routing.channels.length === 0 ? ['channels: none (no route matched)'] : [];
  return [runbook, ...notes, `severity: ${routing.severity}`, ...routes, ...channels];
}
