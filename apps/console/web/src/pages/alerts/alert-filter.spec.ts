import { commonLabels, filterByMatchers, groupByAlertname, matchersFor, parseFilter } from './alert-filter';

const alert = (alertname: string, labels: Record<string, string>) => ({ alertname, labels: { alertname, ...labels } });

describe('the alerts filter bar', () => {
  it('takes matchers with or without braces, separated by commas or lines', () => {
    const items = [
      alert('A', { severity: 'critical', service: 'api-1' }),
      alert('B', { severity: 'critical', service: 'db' }),
      alert('C', { severity: 'warning', service: 'api-2' }),
    ];
    for (const text of [
      'severity="critical", service=~"api.*"',
      '{severity="critical",service=~"api.*"}',
      'severity="critical"\nservice=~"api.*"',
    ]) {
      const parsed = parseFilter(text);
      if ('error' in parsed) throw new Error(parsed.error);
      expect(filterByMatchers(items, parsed.matchers).map((item) => item.alertname)).toEqual(['A']);
    }
  });

  it('names the matcher at fault', () => {
    expect(parseFilter('severity=critical"')).toEqual({ error: expect.stringContaining('severity=critical"') });
    expect(parseFilter('service=~"(("')).toEqual({ error: expect.stringContaining('invalid regex') });
    expect(parseFilter('  ')).toEqual({ matchers: [] });
  });

  it('builds silence matchers that match exactly the alert, hostile values escaped', () => {
    const labels = { alertname: 'X', evil: '"><img src=x onerror=alert(1)>', path: 'a\\b' };
    const parsed = parseFilter(matchersFor(labels));
    if ('error' in parsed) throw new Error(parsed.error);
    expect(filterByMatchers([{ labels }, { labels: { ...labels, evil: 'other' } }], parsed.matchers)).toEqual([{ labels }]);
  });
});

describe('grouping by alertname', () => {
  it('keeps in the header only the labels every alert of the group shares', () => {
    const groups = groupByAlertname([
      alert('B', { job: 'api', instance: 'a' }),
      alert('A', { job: 'db' }),
      alert('B', { job: 'api', instance: 'b' }),
    ]);
    expect(groups.map((group) => [group.alertname, group.items.length, group.common])).toEqual([
      ['A', 1, { alertname: 'A', job: 'db' }],
      ['B', 2, { alertname: 'B', job: 'api' }],
    ]);
    expect(commonLabels([{ constructor: 'x' }, {}])).toEqual({});
  });
});
