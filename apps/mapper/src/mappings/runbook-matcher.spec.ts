import { parseMatcher } from '@firebreak/contracts';
import { FileMappings } from './mapping-config';
import { MAPPING_PRECEDENCE, mappingSourceOf, MappingTables, matchRunbook } from './runbook-matcher';

const file: FileMappings = {
  alertnames: new Map([
    ['ServiceDown', 'service_unavailable'],
    ['HighErrorRate', 'high_error_rate'],
  ]),
  rules: [
    { matchers: [parseMatcher('team="db"'), parseMatcher('severity=~"critical|error"')], text: [], runbook: 'db_triage' },
    { matchers: [parseMatcher('team="db"')], text: [], runbook: 'db_generic' },
  ],
};
const tables = (runtime: Record<string, string> = {}): MappingTables => ({ file, runtime: new Map(Object.entries(runtime)) });

describe('alert → runbook mapping, first match wins', () => {
  it('takes the automation_runbook annotation before anything else', () => {
    const mapping = matchRunbook(
      { alertname: 'ServiceDown', team: 'db', severity: 'critical' },
      { automation_runbook: 'custom_fix' },
      tables({ ServiceDown: 'override' }),
    );
    expect(mapping).toEqual({ runbookId: 'custom_fix', source: 'annotation' });
  });

  it('ignores a malformed annotation and falls through', () => {
    expect(matchRunbook({ alertname: 'ServiceDown' }, { automation_runbook: '<script>x</script>' }, tables())).toEqual({
      runbookId: 'service_unavailable',
      source: 'file_alertname',
    });
    expect(matchRunbook({ alertname: 'ServiceDown' }, { automation_runbook: '   ' }, tables())).toMatchObject({ source: 'file_alertname' });
  });

  it('lets a runtime mapping override the file table for its alertname', () => {
    expect(matchRunbook({ alertname: 'ServiceDown' }, {}, tables({ ServiceDown: 'restart_v2' }))).toEqual({
      runbookId: 'restart_v2',
      source: 'runtime',
    });
    expect(matchRunbook({ alertname: 'NewAlert' }, {}, tables({ NewAlert: 'new_runbook' }))).toEqual({
      runbookId: 'new_runbook',
      source: 'runtime',
    });
  });

  it('takes the file alertname table before label rules', () => {
    expect(matchRunbook({ alertname: 'HighErrorRate', team: 'db', severity: 'critical' }, {}, tables())).toEqual({
      runbookId: 'high_error_rate',
      source: 'file_alertname',
    });
  });

  it('tries label rules in order, the first whose matchers all match wins', () => {
    expect(matchRunbook({ alertname: 'SlowQueries', team: 'db', severity: 'error' }, {}, tables())).toEqual({
      runbookId: 'db_triage',
      source: 'file_rule',
      rule: 0,
    });
    expect(matchRunbook({ alertname: 'SlowQueries', team: 'db', severity: 'info' }, {}, tables())).toEqual({
      runbookId: 'db_generic',
      source: 'file_rule',
      rule: 1,
    });
  });

  it('maps nothing when nothing matches', () => {
    expect(matchRunbook({ alertname: 'Unknown', team: 'web' }, {}, tables())).toBeNull();
    expect(matchRunbook({}, {}, tables({ '': 'never' }))).toBeNull();
  });

  it('treats prototype names as ordinary unknown alertnames', () => {
    expect(matchRunbook({ alertname: 'constructor' }, {}, tables())).toBeNull();
    expect(matchRunbook({ alertname: '__proto__' }, {}, tables())).toBeNull();
    expect(matchRunbook({ alertname: 'x' }, { hasOwnProperty: 'y' }, tables())).toBeNull();
  });
});

describe('the source a runbook request says it was chosen by (selectedBy)', () => {
  it('passes every known source through', () => {
    for (const source of MAPPING_PRECEDENCE) expect(mappingSourceOf(source)).toBe(source);
  });

  it('fails closed on a source this release does not know: as chosen by a sender, so the runbook must opt in', () => {
    for (const source of ['', 'file', 'Annotation', 'runtime ', '__proto__']) expect(mappingSourceOf(source)).toBe('annotation');
  });
});
