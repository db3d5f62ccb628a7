import { Counter, Gauge, register } from 'prom-client';

function counter(name: string, help: string, labelNames: string[]): Counter {
  return (register.getSingleMetric(name) as Counter) ?? new Counter({ name, help, labelNames });
}
function gauge(name: string, help: string, labelNames: string[]): Gauge {
  return (register.getSingleMetric(name) as Gauge) ?? new Gauge({ name, help, labelNames });
}

/**
 * Label values are bounded: `result` is a fixed set, `runbook` comes only from the catalogue (a few
 * dozen ids), never from alert labels or search text.
 */
export const knowledgeMetrics = {
  searches: counter('firebreak_knowledge_searches_total', 'Knowledge searches answered, by result (hits, empty, rejected).', ['result']),
  runbookRuns: counter(
    'firebreak_knowledge_runbook_runs_total',
    'Runbook runs for alerts the knowledge base learnt from, by runbook and outcome (succeeded, failed, fixed).',
    ['runbook', 'outcome'],
  ),
  runbookSuccessRate: gauge(
    'firebreak_knowledge_runbook_success_ratio',
    'Share of learnt runs of a runbook that verifiably fixed their alert (fixed / runs), as of the last resolution.',
    ['runbook'],
  ),
};
