import { z } from 'zod';
import { FirebreakApiError } from '../firebreak-api';
import { defineTool } from './tool';

const fingerprint = z
  .string()
  .regex(/^[0-9a-f]{16}$/, 'a 16-hex-digit alert fingerprint')
  .describe("the alert's fingerprint");
const limit = z.number().int().min(1).max(200).default(50).describe('at most this many results');

export const listAlerts = defineTool({
  name: 'list_alerts',
  title: 'List alerts',
  description:
    'Alerts Firebreak knows, newest first, with state (firing, acknowledged, silenced, resolved), severity, labels and annotations.',
  input: z.object({
    status: z
      .array(z.enum(['firing', 'acknowledged', 'resolved', 'silenced']))
      .optional()
      .describe('only these states'),
    severity: z.enum(['critical', 'error', 'warning', 'info']).optional(),
    alertname: z.string().max(256).optional(),
    labels: z.array(z.string().max(1024)).max(20).optional().describe('exact label filters, each "name=value"'),
    limit,
  }),
  write: false,
  run: ({ status, severity, alertname, labels, limit }, { api }) =>
    api.call('mapper', '/v1/alerts', { query: { status: status?.join(','), severity, alertname, label: labels, limit } }),
});

export const getAlert = defineTool({
  name: 'get_alert',
  title: 'Get an alert with its analysis',
  description:
    "One alert with its history, and Firebreak's analysis of it (probable causes, mitigations, diagnostic PromQL, similar incidents, recommended runbooks), or null when none was made.",
  input: z.object({ fingerprint }),
  write: false,
  run: async ({ fingerprint }, { api }) => {
    const alert = await api.call('mapper', `/v1/alerts/${fingerprint}`);
    const analysis = await api.call('knowledge', `/v1/alerts/${fingerprint}/analysis`).catch((error: unknown) => {
      if (error instanceof FirebreakApiError && error.status === 404) return null;
      throw error;
    });
    return { alert, analysis };
  },
});

export const acknowledgeAlert = defineTool({
  name: 'acknowledge_alert',
  title: 'Acknowledge an alert',
  description: 'Marks a firing alert as acknowledged (stops its escalation); recorded in the audit log under the token’s name.',
  input: z.object({ fingerprint, note: z.string().max(2000).optional() }),
  write: true,
  run: ({ fingerprint, note }, { api }) => api.call('mapper', `/v1/alerts/${fingerprint}/acknowledge`, { method: 'POST', body: { note } }),
});

const DURATION = /^(\d+)(m|h|d)$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export const createSilence = defineTool({
  name: 'create_silence',
  title: 'Create a silence',
  description:
    'Silences the alerts matching Alertmanager-style matchers (e.g. ["alertname=\\"HighErrorRate\\"", "service=~\\"api.*\\""]) for a while.',
  input: z.object({
    matchers: z.array(z.string().max(1024)).min(1).max(32),
    duration: z.string().regex(DURATION, 'like 30m, 2h or 1d').describe('how long, e.g. 2h'),
    comment: z.string().min(1).max(2000).describe('why'),
  }),
  write: true,
  run: ({ matchers, duration, comment }, { api }) => {
    const [, amount, unit] = DURATION.exec(duration)!;
    const endsAt = new Date(Date.now() + Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS]).toISOString();
    return api.call('mapper', '/v1/silences', { method: 'POST', body: { matchers, endsAt, comment } });
  },
});
