import { z } from 'zod';
import { defineTool } from './tool';

const runbookId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,99}$/, 'a runbook id (lower-case letters, digits, _ and -)')
  .describe('the runbook id');

export const searchRunbooks = defineTool({
  name: 'search_runbooks',
  title: 'Search runbooks and knowledge',
  description:
    'Full-text search over runbook prose, documents and incident write-ups, each result with a relevance score (0–1) and a summary.',
  input: z.object({ query: z.string().min(1).max(500), limit: z.number().int().min(1).max(50).default(10) }),
  write: false,
  run: ({ query, limit }, { api }) => api.call('knowledge', '/v1/knowledge/search', { query: { q: query, limit } }),
});

export const getRunbook = defineTool({
  name: 'get_runbook',
  title: 'Get a runbook',
  description: 'A runbook: its steps (which ones change something), where it comes from, and its prose (Markdown).',
  input: z.object({ id: runbookId }),
  write: false,
  run: ({ id }, { api }) => api.call('runbook-executor', `/v1/runbooks/${id}`),
});

export const recommendRunbooks = defineTool({
  name: 'recommend_runbooks',
  title: 'Recommend runbooks for an alert',
  description:
    'Catalogue runbooks ranked for an alert by how often they fixed alerts like it (Wilson lower bound), text relevance and label overlap, each with its evidence.',
  input: z.object({
    fingerprint: z
      .string()
      .regex(/^[0-9a-f]{16}$/)
      .optional(),
    alertname: z.string().max(200).optional(),
  }),
  write: false,
  run: ({ fingerprint, alertname }, { api }) =>
    api.call('knowledge', '/v1/knowledge/recommendations', { query: { fingerprint, alertname } }),
});

export const executeRunbook = defineTool({
  name: 'execute_runbook',
  title: 'Run a runbook',
  description:
    'Starts a runbook. A dry run (the default, and the only mode without write tools) goes through every step without changing anything and records what it would have done.',
  input: z.object({
    id: runbookId,
    dry_run: z.boolean().default(true),
    labels: z
      .record(z.string().max(100), z.string().max(4000))
      .optional()
      .describe("the alert labels the runbook reads (its context's alert_labels)"),
    reason: z.string().max(1000).optional(),
  }),
  // Offered without write tools too: it is then forced to a dry run.
  write: false,
  run: ({ id, dry_run, labels, reason }, { api, writeTools }) => {
    const mode = writeTools && !dry_run ? 'live' : 'dry_run';
    const context = labels ? { alert_labels: labels, ...(labels.alertname ? { alert_name: labels.alertname } : {}) } : undefined;
    return api.call('runbook-executor', `/v1/runbooks/${id}/execute`, { method: 'POST', body: { mode, reason, context } });
  },
});
