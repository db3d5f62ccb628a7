import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkDetectorConfig } from './check-config';

function configDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'detector-check-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('the detector-scheduler config check (what `firebreak check-config` runs for detectors)', () => {
  it('passes the shipped config/', () => {
    expect(checkDetectorConfig(resolve('config')).every((file) => file.ok)).toBe(true);
  });

  it('names the detector with a bad cron, and one on a connection that is not defined', () => {
    const dir = configDir({
      'detectors.yaml': `detectors:
  - { id: nightly, type: http, url: "http://127.0.0.1:1/health", expect: { status: 200 }, cron: "61 * * * *", severity: warning }
  - { id: rows, type: sql, connection: app, query: "select 1", expect: "> 0", interval: 1m, severity: warning }
`,
    });
    const [detectors] = checkDetectorConfig(dir);
    expect(detectors).toMatchObject({ file: join(dir, 'detectors.yaml'), ok: false });
    expect(detectors.problems).toEqual([expect.stringMatching(/^detectors\.0\.cron: .*61/)]);
    const fixedCron = configDir({
      'detectors.yaml': `detectors:\n  - { id: rows, type: sql, connection: app, query: "select 1", expect: "> 0", interval: 1m, severity: warning }\n`,
    });
    expect(checkDetectorConfig(fixedCron)[0].problems).toEqual(['detectors.0.connection: "app" is not defined in connections.yaml']);
  });

  it('needs no Prometheus: an enabled prometheus detector without url is a note that PROMETHEUS_URL must be set', () => {
    const dir = configDir({
      'detectors.yaml': 'detectors:\n  - { id: p95, type: prometheus, query: "up", expect: "== 1", interval: 1m, severity: warning }\n',
    });
    expect(checkDetectorConfig(dir)).toEqual([
      {
        file: join(dir, 'detectors.yaml'),
        ok: true,
        problems: [],
        notes: ['detector p95 queries PROMETHEUS_URL, which must be set where it runs'],
      },
    ]);
  });
});
