import { z } from 'zod';
import { defineTool } from './tool';

export const getSloStatus = defineTool({
  name: 'get_slo_status',
  title: 'SLO status',
  description:
    'Every SLO with its remaining error budget and burn rates; with an id, that SLO in detail (budget, burn per window, a series).',
  input: z.object({ id: z.string().max(200).optional().describe('one SLO (its metadata.name)') }),
  write: false,
  run: ({ id }, { api }) => api.call('slo-reporter', id ? `/v1/slos/${encodeURIComponent(id)}` : '/v1/slos'),
});

export const listDetectors = defineTool({
  name: 'list_detectors',
  title: 'List detectors',
  description: "Firebreak's own health checks with their schedule and last result.",
  input: z.object({}),
  write: false,
  run: (_args, { api }) => api.call('detector-scheduler', '/v1/detectors'),
});
