import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError } from '@firebreak/platform';
import { loadDetectors } from './detector-config';
import { IntervalSchedule } from './schedule';

const DB = 'postgres://postgres@127.0.0.1:5432/postgres';

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'detectors-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function problemsOf(yaml: string, extra: Record<string, string> = {}, prometheusUrl?: string): string[] {
  try {
    loadDetectors({ configDir: dirWith({ 'detectors.yaml': yaml, ...extra }), databaseUrl: DB, prometheusUrl });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('config/detectors.yaml', () => {
  it('loads the shipped file: the self-watching detectors on, the user-specific ones off', () => {
    const catalog = loadDetectors({ configDir: resolve(__dirname, '../../../../config'), databaseUrl: DB });
    const enabled = catalog.detectors.filter((d) => d.enabled).map((d) => d.id);
    expect(enabled).toEqual([
      'firebreak-mapper-lag',
      'firebreak-mapper-batch-lag',
      'firebreak-notifier-lag',
      'firebreak-executor-lag',
      'firebreak-dlq',
      'firebreak-database-size',
    ]);
    const seed = [
      'check_api_latency_p95',
      'check_ingest_success_rate',
      'check_scheduler_on_time',
      'check_cash_balance_threshold',
      'check_commission_outliers',
      'check_db_growth',
    ];
    expect(seed.map((id) => catalog.byId.get(id)?.enabled)).toEqual([false, false, false, false, false, false]);
    expect(seed.map((id) => catalog.byId.get(id)?.type)).toEqual(['prometheus', 'sql', 'heartbeat', 'sql', 'sql', 'postgres_size']);
  });

  it('fills the defaults: thresholds 1, enabled, warning, a timeout no longer than the interval, alertname = id', () => {
    const { detectors } = loadDetectors({
      configDir: dirWith({ 'detectors.yaml': 'detectors:\n  - { id: beat, type: heartbeat, window: 1m, interval: 5s }\n' }),
      databaseUrl: DB,
    });
    expect(detectors[0]).toMatchObject({
      id: 'beat',
      name: 'beat',
      failureThreshold: 1,
      successThreshold: 1,
      enabled: true,
      severity: 'warning',
      timeoutMs: 5_000,
    });
    expect((detectors[0].schedule as IntervalSchedule).intervalMs).toBe(5_000);
  });

  it('a heartbeat may be fed by a bus event: a catalogue subject and dotted paths into its data (labels are any key)', () => {
    const { detectors } = loadDetectors({
      configDir: dirWith({
        'detectors.yaml': [
          'detectors:',
          '  - id: watchdog',
          '    type: heartbeat',
          '    window: 5m',
          '    interval: 1m',
          "    event: { subject: alerts.received, match: { alert.labels.alertname: Watchdog, '$.alert.status': firing } }",
          '  - { id: reports, type: heartbeat, window: 1h, interval: 5m, event: { subject: slo.report } }',
          '',
        ].join('\n'),
      }),
      databaseUrl: DB,
    });
    expect(detectors.map((d) => (d.type === 'heartbeat' ? d.event : undefined))).toEqual([
      { subject: 'alerts.received', match: { 'alert.labels.alertname': 'Watchdog', '$.alert.status': 'firing' } },
      { subject: 'slo.report', match: {} },
    ]);
  });

  it('a missing file means no detectors', () => {
    expect(loadDetectors({ configDir: dirWith({}), databaseUrl: DB }).detectors).toEqual([]);
  });

  it.each([
    ['an unknown type', '- { id: a, type: ping, interval: 1m }', 'detectors.0.type'],
    ['a bad duration', '- { id: a, type: heartbeat, window: soon, interval: 1m }', 'detectors.0.window: "soon" is not a duration'],
    ['neither interval nor cron', '- { id: a, type: heartbeat, window: 1m }', 'detectors.0.interval: give exactly one of interval or cron'],
    [
      'both interval and cron',
      "- { id: a, type: heartbeat, window: 1m, interval: 1m, cron: '* * * * *' }",
      'detectors.0.interval: give exactly one',
    ],
    ['a bad cron', "- { id: a, type: heartbeat, window: 1m, cron: '61 * * * *' }", 'detectors.0.cron: is not a cron pattern'],
    [
      'a timeout over the interval',
      '- { id: a, type: heartbeat, window: 1m, interval: 1m, timeout: 2m }',
      'detectors.0.timeout: must not be longer',
    ],
    [
      'a duplicate id',
      '- { id: a, type: heartbeat, window: 1m, interval: 1m }\n  - { id: a, type: heartbeat, window: 1m, interval: 1m }',
      'detectors.1.id',
    ],
    [
      'a bad comparison',
      "- { id: a, type: nats_consumer_lag, stream: S, expect: 'about 5', interval: 1m }",
      'detectors.0.expect: "about 5" is not a comparison',
    ],
    [
      'a non-RE2 regex',
      "- { id: a, type: http, url: 'http://x', interval: 1m, expect: { body: [{ matches: '(?!x)' }] } }",
      'detectors.0.expect.body.0.matches: is not an RE2 regex',
    ],
    [
      'equals without a path',
      "- { id: a, type: http, url: 'http://x', interval: 1m, expect: { body: [{ equals: ok }] } }",
      'detectors.0.expect.body.0',
    ],
    ['an unknown field', '- { id: a, type: heartbeat, window: 1m, interval: 1m, windw: 2m }', 'detectors.0'],
    ['a bad threshold', '- { id: a, type: heartbeat, window: 1m, interval: 1m, failureThreshold: 0 }', 'detectors.0.failureThreshold'],
    [
      'a bad template',
      "- { id: a, type: heartbeat, window: 1m, interval: 1m, annotations: { summary: '{{#x}}' } }",
      'detectors.0.annotations.summary: is not a valid template',
    ],
    [
      'a heartbeat event on a subject outside the catalogue',
      '- { id: a, type: heartbeat, window: 1m, interval: 1m, event: { subject: alerts.recieved } }',
      'detectors.0.event.subject: "alerts.recieved" is not a subject of the event catalogue',
    ],
    [
      'a heartbeat event matching a path its data does not have',
      '- { id: a, type: heartbeat, window: 1m, interval: 1m, event: { subject: alerts.received, match: { alert.label.alertname: Watchdog } } }',
      'detectors.0.event.match.alert.label.alertname: not in the data of alerts.received: alert has no field "label"',
    ],
    [
      'a heartbeat event matching a whole object',
      '- { id: a, type: heartbeat, window: 1m, interval: 1m, event: { subject: alerts.received, match: { alert.labels: x } } }',
      'alert.labels is an object: match one field inside it',
    ],
    [
      'a heartbeat event matching inside a string',
      '- { id: a, type: heartbeat, window: 1m, interval: 1m, event: { subject: alerts.received, match: { source.x: y } } }',
      'source is an enum value: it has no field "x"',
    ],
    [
      'an event on a type other than heartbeat',
      "- { id: a, type: http, url: 'http://x', interval: 1m, event: { subject: alerts.received } }",
      'detectors.0',
    ],
    ['a reserved label', '- { id: a, type: heartbeat, window: 1m, interval: 1m, labels: { alertname: x } }', 'detectors.0.labels'],
    [
      'a cron timeout over five minutes',
      "- { id: a, type: heartbeat, window: 1m, cron: '0 * * * *', timeout: 6m }",
      'detectors.0.timeout: must be at most 5m',
    ],
  ])('%s stops start-up naming the file and field', (_what, entry, expected) => {
    const problems = problemsOf(`detectors:\n  ${entry}\n`);
    expect(problems.join('\n')).toContain('detectors.yaml: ');
    expect(problems.join('\n')).toContain(expected);
  });

  it('an sql detector must name a connection of connections.yaml; prometheus needs a url or PROMETHEUS_URL', () => {
    const yaml =
      "detectors:\n  - { id: q, type: sql, connection: app, query: 'SELECT 1', expect: '== 1', interval: 1m }\n  - { id: p, type: prometheus, query: up, expect: '== 1', interval: 1m }\n";
    expect(problemsOf(yaml)).toEqual([
      expect.stringMatching(/detectors\.yaml: detectors\.0\.connection: "app" is not defined in connections\.yaml$/),
      expect.stringMatching(/detectors\.yaml: detectors\.1\.url: give url, or set PROMETHEUS_URL$/),
    ]);
    expect(
      problemsOf(yaml, { 'connections.yaml': `connections:\n  - { name: app, url: '${DB}', readOnly: true }\n` }, 'http://prom:9090'),
    ).toEqual([]);
  });

  it('a connection a detector uses must be readOnly: true, named by its field in connections.yaml', () => {
    const yaml =
      "detectors:\n  - { id: q, type: sql, connection: app, query: 'SELECT 1', expect: '== 1', interval: 1m }\n  - { id: s, type: postgres_size, connection: app, expect: '< 1GB', interval: 1m }\n";
    const writable = `connections:\n  - { name: other, url: '${DB}' }\n  - { name: app, url: '${DB}' }\n`;
    expect(problemsOf(yaml, { 'connections.yaml': writable })).toEqual([
      expect.stringMatching(
        /connections\.yaml: connections\.1\.readOnly: "app" is used by detector q \(detectors\.0\.connection\), so it must be readOnly: true$/,
      ),
    ]);
    // A disabled detector does not need it; the executor may keep writable connections in the same file.
    expect(problemsOf(yaml.replace(/interval: 1m }/g, 'interval: 1m, enabled: false }'), { 'connections.yaml': writable })).toEqual([]);
  });
});
