import { parse } from 'yaml';
import { parseSloFile } from '../definitions/slo-config';
import { prometheusRules } from './prometheus-rules';

const slo = (window: string) =>
  parseSloFile(
    `apiVersion: openslo/v1
kind: SLO
metadata: { name: api }
spec:
  service: api
  indicator:
    spec:
      ratioMetric:
        bad: { metricSource: { type: Prometheus, spec: { query: 'sum(increase(r_total{code="500"}[{{.window}}]))' } } }
        total: { metricSource: { type: Prometheus, spec: { query: 'sum(increase(r_total[{{.window}}]))' } } }
  timeWindow: [${window}]
  budgetingMethod: Occurrences
  objectives: [{ target: 0.999 }]
firebreak: { minEvents: 20 }
`,
    'slos.yaml',
  )[0];

type Rules = { groups: Array<{ rules: Array<{ alert?: string; expr: string; labels?: Record<string, string> }> }> };
const alerts = (text: string) => (parse(text) as Rules).groups[1].rules;

describe('generated Prometheus rules', () => {
  it('fire at the same burn the reporter fires at (>=), guarded by minEvents, the budget alert too', () => {
    const result = prometheusRules(slo('{ duration: 30d, isRolling: true }'));
    if (!('text' in result)) throw new Error(result.problem);
    const [pageFast] = alerts(result.text);
    expect(pageFast.expr).toBe(
      [
        '(slo:sli_error:ratio_rate1h{slo="api"} >= (14.4 * 0.001)',
        'and slo:sli_error:ratio_rate5m{slo="api"} >= (14.4 * 0.001))',
        'and slo:sli_total:increase5m{slo="api"} >= 20',
      ].join('\n'),
    );
    const exhausted = alerts(result.text).find((rule) => rule.alert === 'SLOErrorBudgetExhausted')!;
    expect(exhausted.expr).toBe('slo:sli_error:ratio_rate30d{slo="api"} >= 0.001\nand slo:sli_total:increase30d{slo="api"} >= 20');
    expect(result.text.startsWith('groups:')).toBe(true);
  });

  it('say that a calendar month becomes a rolling 30 days in Prometheus', () => {
    const result = prometheusRules(slo('{ duration: 1M, isRolling: false }'));
    if (!('text' in result)) throw new Error(result.problem);
    expect(result.text).toMatch(/^# SLO api is budgeted over the UTC calendar month; .* rolling 30-day window/s);
    expect(alerts(result.text).find((rule) => rule.alert === 'SLOErrorBudgetExhausted')!.expr).toContain('ratio_rate30d');
  });
});
