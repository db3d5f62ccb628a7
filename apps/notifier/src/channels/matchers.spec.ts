import { matchesAll, MatcherError, parseMatcher, parseMatchers } from './matchers';

const matchOne = (text: string, labels: Record<string, string>) => matchesAll(parseMatchers(text), labels);

describe('Alertmanager matchers', () => {
  it('parses the four operators with quoted and unquoted values', () => {
    expect(parseMatcher('severity="critical"')).toMatchObject({ name: 'severity', type: '=', value: 'critical' });
    expect(parseMatcher(' team != ops ')).toMatchObject({ name: 'team', type: '!=', value: 'ops' });
    expect(parseMatcher('severity=~"warning|error"')).toMatchObject({ type: '=~', value: 'warning|error' });
    expect(parseMatcher('env!~"dev.*"')).toMatchObject({ type: '!~', value: 'dev.*' });
  });

  it('unescapes quoted values', () => {
    expect(parseMatcher(String.raw`msg="say \"hi\"\\n"`).value).toBe('say "hi"\\n');
    expect(parseMatcher(String.raw`msg="a\nb"`).value).toBe('a\nb');
  });

  it('anchors regexes at both ends', () => {
    expect(matchOne('severity=~"warning|error"', { severity: 'error' })).toBe(true);
    expect(matchOne('severity=~"warning|error"', { severity: 'warnings' })).toBe(false);
    expect(matchOne('severity=~"crit"', { severity: 'critical' })).toBe(false);
    expect(matchOne('env!~"dev.*"', { env: 'prod' })).toBe(true);
    expect(matchOne('env!~"dev.*"', { env: 'dev-1' })).toBe(false);
  });

  it('treats a missing label as the empty string', () => {
    expect(matchOne('team=""', {})).toBe(true);
    expect(matchOne('team!="ops"', {})).toBe(true);
    expect(matchOne('team=~".+"', {})).toBe(false);
    expect(matchOne('team="ops"', {})).toBe(false);
  });

  it('reads a {...} set, with commas inside quotes kept', () => {
    const set = parseMatchers('{severity="critical", msg=~"a,b|c", team!="x"}');
    expect(set.map((m) => [m.name, m.type, m.value])).toEqual([
      ['severity', '=', 'critical'],
      ['msg', '=~', 'a,b|c'],
      ['team', '!=', 'x'],
    ]);
    expect(matchesAll(set, { severity: 'critical', msg: 'a,b' })).toBe(true);
    expect(matchesAll(set, { severity: 'critical', msg: 'a,b', team: 'x' })).toBe(false);
  });

  it('rejects malformed matchers saying what is wrong', () => {
    expect(() => parseMatcher('severity')).toThrow(MatcherError);
    expect(() => parseMatcher('severity')).toThrow(/expected name="value"/);
    expect(() => parseMatcher('1abc="x"')).toThrow(/not a matcher/);
    expect(() => parseMatcher('a="x')).toThrow(/missing closing quote/);
    expect(() => parseMatcher('a="x" b')).toThrow(/after the closing quote/);
    expect(() => parseMatcher(String.raw`a="\q"`)).toThrow(/unknown escape/);
    expect(() => parseMatcher('a=~"("')).toThrow(/invalid regular expression/);
    expect(() => parseMatchers('{a="b"')).toThrow(/must end with/);
  });

  it('keeps hostile label values as data', () => {
    expect(matchOne('alertname="<script>"', { alertname: '<script>' })).toBe(true);
    expect(matchOne('x=~".*"', { x: "'; DROP TABLE alerts; --" })).toBe(true);
  });
});
