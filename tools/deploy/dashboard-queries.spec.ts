import { dashboardQueries, exposedNames, metricNames, substitute, variableSelector } from './dashboard-queries';

describe('metricNames', () => {
  it('finds the selected metrics and leaves out functions, labels, grouping and durations', () => {
    const expr =
      'histogram_quantile(0.99, sum by (le, channel) (rate(firebreak_x_bucket{channel=~"a|b", le!="1e3"}[5m]))) ' +
      '/ on (channel) group_left (severity) clamp_min(firebreak_y_total offset 1h, 1) > bool 1e9';
    expect(metricNames(expr)).toEqual(['firebreak_x_bucket', 'firebreak_y_total']);
  });

  it('reads a bare selector, `or vector(0)` and the names inside strings as labels only', () => {
    expect(metricNames('count(max by (runbook) (firebreak_circuit{x="firebreak_fake"}) > 0) or vector(0)')).toEqual(['firebreak_circuit']);
    expect(metricNames('firebreak_only')).toEqual(['firebreak_only']);
  });
});

describe('substitute', () => {
  const defined = new Set(['datasource', 'channel']);

  it("replaces Grafana's interval variables and the dashboard's own in every syntax", () => {
    expect(substitute('rate(m{c=~"$channel", d=~"${channel:regex}", e=~"[[channel]]"}[$__rate_interval])', defined, 'here')).toBe(
      'rate(m{c=~".*", d=~".*", e=~".*"}[5m])',
    );
    expect(substitute('increase(m[${__range}])', defined, 'here')).toBe('increase(m[6h])');
  });

  it('refuses a variable the dashboard does not define, naming it', () => {
    expect(() => substitute('m{job=~"$job"}', defined, 'intake: panel 1')).toThrow(
      'intake: panel 1: $job is not a variable the dashboard defines',
    );
  });
});

describe('variableSelector', () => {
  it('turns label_values(metric, label) into the metric selector', () => {
    expect(variableSelector('label_values(firebreak_a{x="1"}, channel)')).toBe('firebreak_a{x="1"}');
    expect(variableSelector('sum(firebreak_b)')).toBe('sum(firebreak_b)');
  });
});

describe('dashboardQueries', () => {
  it('collects panel targets (rows included) and query variables, substituted', () => {
    const dashboard = {
      templating: {
        list: [
          { name: 'datasource', type: 'datasource', query: 'prometheus' },
          { name: 'slo', type: 'query', query: { query: 'label_values(firebreak_slo_burn_rate, slo)' } },
        ],
      },
      panels: [
        {
          id: 1,
          type: 'row',
          title: 'Row',
          panels: [{ id: 2, title: 'Inner', targets: [{ refId: 'A', expr: 'firebreak_a{slo=~"$slo"}' }] }],
        },
        { id: 3, title: 'Outer', targets: [{ refId: 'B', expr: 'rate(firebreak_b[$__rate_interval])' }] },
      ],
    };
    expect(dashboardQueries('slo', dashboard).map((q) => [q.where, q.expr])).toEqual([
      ['panel 2 "Inner" A', 'firebreak_a{slo=~".*"}'],
      ['panel 3 "Outer" B', 'rate(firebreak_b[5m])'],
      ['variable slo', 'firebreak_slo_burn_rate'],
    ]);
  });
});

describe('exposedNames', () => {
  it('expands histograms to their series and keeps counters and gauges as named', () => {
    const exposition = [
      '# HELP firebreak_d_seconds Duration.',
      '# TYPE firebreak_d_seconds histogram',
      '# TYPE firebreak_c_total counter',
      '# TYPE firebreak_g gauge',
      '# TYPE firebreak_s summary',
      'firebreak_g 1',
    ].join('\n');
    expect([...exposedNames(exposition)].sort()).toEqual([
      'firebreak_c_total',
      'firebreak_d_seconds_bucket',
      'firebreak_d_seconds_count',
      'firebreak_d_seconds_sum',
      'firebreak_g',
      'firebreak_s',
      'firebreak_s_count',
      'firebreak_s_sum',
    ]);
  });
});
