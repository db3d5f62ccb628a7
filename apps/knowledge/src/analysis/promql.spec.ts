import { allLabelsSelector, diagnosticQueries, isLabelName, promqlString, selectorOf } from './promql';

/** Reads a PromQL double-quoted literal back the way Prometheus does (Go escapes), to prove the round trip. */
function unquote(literal: string): string {
  expect(literal.startsWith('"') && literal.endsWith('"')).toBe(true);
  return JSON.parse(literal.replace(/\\u([0-9a-f]{4})/g, '\\u$1')) as string;
}

describe('PromQL from hostile labels', () => {
  const hostile = [
    'plain',
    'a"b',
    'back\\slash',
    'ends with backslash\\',
    'new\nline',
    'cr\rlf',
    '"}) or vector(1) or up{x="',
    '\\"} or on() vector(1) #',
    'tab\there',
    'sep\u2028arator',
    '',
  ];

  it.each(hostile)('quotes %j so that it reads back exactly and nothing escapes the literal', (value) => {
    const literal = promqlString(value);
    expect(unquote(literal)).toBe(value);
    // No raw quote, newline or backslash-quote that could close the literal early.
    const inner = literal.slice(1, -1);
    expect(inner).not.toMatch(/\n|\r/);
    expect(inner.replace(/\\\\/g, '').replace(/\\"/g, '')).not.toContain('"');
  });

  it('keeps only valid label names, so a name cannot inject a matcher', () => {
    expect(isLabelName('job')).toBe(true);
    expect(isLabelName('_x9')).toBe(true);
    expect(isLabelName('9x')).toBe(false);
    expect(isLabelName('a-b')).toBe(false);
    expect(isLabelName('x="1"} or vector(1) or up{y')).toBe(false);
    // Prometheus's reserved names: `__name__` in ALERTS{...} would select another metric.
    expect(isLabelName('__name__')).toBe(false);
    expect(allLabelsSelector({ __name__: 'up', alertname: 'A' })).toBe('{alertname="A"}');
    const selector = allLabelsSelector({ alertname: 'HighCPU', 'x="1"} or vector(1) or up{y': 'v', job: 'a"pi' });
    expect(selector).toBe('{alertname="HighCPU",job="a\\"pi"}');
  });

  it('builds queries whose every selector is balanced and whose values are escaped', () => {
    const labels = { alertname: 'Boom"}', job: 'api\n', instance: 'h\\:9100', severity: 'critical' };
    const queries = diagnosticQueries(labels);
    expect(queries.length).toBeGreaterThanOrEqual(4);
    expect(selectorOf(labels)).toBe('{job="api\\n",instance="h\\\\:9100"}');
    for (const { promql } of queries) {
      expect(promql).not.toMatch(/\n/);
      // Strip the literals: what is left must be plain PromQL with balanced braces and no stray quote.
      const code = promql.replace(/"(?:[^"\\]|\\.)*"/g, '""');
      expect(code).not.toMatch(/vector\(1\)/);
      expect(code.split('{').length).toBe(code.split('}').length);
    }
    expect(queries[0].promql).toBe('ALERTS{alertname="Boom\\"}",instance="h\\\\:9100",job="api\\n",severity="critical"}');
  });

  it('stays within the size limit with huge label values', () => {
    const queries = diagnosticQueries({ alertname: 'X', job: 'j'.repeat(5000), huge: 'h'.repeat(5000) });
    for (const q of queries) expect(q.promql.length).toBeLessThanOrEqual(2000);
    expect(queries[0].promql).toBe('ALERTS{alertname="X"}');
  });

  it('narrows nothing when the alert has no identifying label', () => {
    expect(selectorOf({ alertname: 'X' })).toBe('{}');
    expect(diagnosticQueries({ alertname: 'X' }).map((q) => q.promql)).toContain('up{}');
  });
});
