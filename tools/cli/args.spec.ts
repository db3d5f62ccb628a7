import { InvalidArgumentError } from 'commander';
import { formatMatcher, matchesAll } from '@firebreak/contracts';
import { MAX_LABEL_FILTERS, parseDuration, parseKeyValues, parseMatcherArgs, positiveInt, serverFilters } from './args';
import { CliError } from './errors';

describe('matcher arguments', () => {
  it('reads amtool-style matchers, quoted or bare, and a bare first word as the alertname', () => {
    const matchers = parseMatcherArgs(['HighLatency', 'severity!=info', 'service=~"api|web"', 'env!~"dev.*"']);
    expect(matchers.map(formatMatcher)).toEqual(['alertname="HighLatency"', 'severity!="info"', 'service=~"api|web"', 'env!~"dev.*"']);
    expect(matchesAll(matchers, { alertname: 'HighLatency', severity: 'critical', service: 'web', env: 'prod' })).toBe(true);
    expect(matchesAll(matchers, { alertname: 'HighLatency', severity: 'info', service: 'web', env: 'prod' })).toBe(false);
  });

  it('takes a {…} set as one argument and keeps a regex anchored as Alertmanager does', () => {
    const matchers = parseMatcherArgs(['{alertname=~"High.*", team="db,ops"}']);
    expect(matchers.map(formatMatcher)).toEqual(['alertname=~"High.*"', 'team="db,ops"']);
    expect(matchesAll(matchers, { alertname: 'XHighLatency', team: 'db,ops' })).toBe(false);
  });

  it('says which argument is not a matcher, as a CliError (exit 1)', () => {
    expect(() => parseMatcherArgs(['alertname=a', 'bad matcher'])).toThrow(CliError);
    expect(() => parseMatcherArgs(['job=~"("'])).toThrow('"job=~"("" is not a matcher: invalid regex');
  });

  it('sends only non-empty equality matchers to the mapper, the first alertname as its own filter', () => {
    const matchers = parseMatcherArgs(['alertname=A', 'team=db', 'env=""', 'severity!=info', 'alertname=B']);
    expect(serverFilters(matchers)).toEqual({
      alertname: 'A',
      labels: [
        ['team', 'db'],
        ['alertname', 'B'],
      ],
    });
  });
  it('sends at most the 20 label filters the mapper takes; the rest are applied here only', () => {
    const names = Array.from({ length: 25 }, (_, i) => `l${i}`);
    const matchers = parseMatcherArgs(['alertname=A', ...names.map((name) => `${name}=v`)]);
    const filters = serverFilters(matchers);
    expect(MAX_LABEL_FILTERS).toBe(20);
    expect(filters.alertname).toBe('A');
    expect(filters.labels.map(([name]) => name)).toEqual(names.slice(0, 20));
    const labels = Object.fromEntries(names.map((name) => [name, 'v']));
    expect(matchesAll(matchers, { alertname: 'A', ...labels })).toBe(true);
    expect(matchesAll(matchers, { alertname: 'A', ...labels, l24: 'other' })).toBe(false);
  });
});

describe('key=value options', () => {
  it('splits at the first = and nests dotted keys', () => {
    expect(parseKeyValues(['alert_name=X', 'alert_labels.job=api', 'alert_labels.expr=a=b'], '--context')).toEqual({
      alert_name: 'X',
      alert_labels: { job: 'api', expr: 'a=b' },
    });
  });

  it('refuses a pair without a key or a dotted key under a value', () => {
    expect(() => parseKeyValues(['novalue'], '--context')).toThrow('--context "novalue" must be key=value');
    expect(() => parseKeyValues(['=v'], '--param')).toThrow(CliError);
    expect(() => parseKeyValues(['a.=v'], '--param')).toThrow('empty key');
    expect(() => parseKeyValues(['a=1', 'a.b=2'], '--param')).toThrow('a is already a value');
  });
});

describe('durations', () => {
  it('reads amtool durations, compound ones too', () => {
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
  });

  it('refuses what is not a positive duration', () => {
    for (const bad of ['', 'soon', '1x', '0m', '-1h', '1h garbage', '10']) expect(() => parseDuration(bad)).toThrow(CliError);
  });
});

it('a count option is a positive whole number, else a usage error', () => {
  expect(positiveInt('20')).toBe(20);
  for (const bad of ['0', '-1', '1.5', 'ten']) expect(() => positiveInt(bad)).toThrow(InvalidArgumentError);
});
