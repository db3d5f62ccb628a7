import { formatMatcher, matches, matchesAll, matchesEmptyLabelSet, MatcherError, parseMatcher } from './matcher';

describe('Alertmanager matchers', () => {
  it('parses the four operators, quoted and bare, with spaces around them', () => {
    expect(parseMatcher('severity="critical"')).toMatchObject({ name: 'severity', type: '=', value: 'critical' });
    expect(parseMatcher(' env != "prod" ')).toMatchObject({ name: 'env', type: '!=', value: 'prod' });
    expect(parseMatcher('job=~"api|web"')).toMatchObject({ name: 'job', type: '=~', value: 'api|web' });
    expect(parseMatcher('instance!~db-.*')).toMatchObject({ name: 'instance', type: '!~', value: 'db-.*' });
    expect(parseMatcher('team=')).toMatchObject({ name: 'team', type: '=', value: '' });
  });

  it('unescapes \\" \\\\ and \\n like Alertmanager, keeping other backslashes literal', () => {
    expect(parseMatcher('msg="say \\"hi\\""').value).toBe('say "hi"');
    expect(parseMatcher('path="C:\\\\dir"').value).toBe('C:\\dir');
    expect(parseMatcher('text="a\\nb"').value).toBe('a\nb');
    expect(parseMatcher('re=~"\\d+"').value).toBe('\\d+');
  });

  it('rejects what Alertmanager rejects, saying why', () => {
    expect(() => parseMatcher('no operator')).toThrow(/bad matcher format/);
    expect(() => parseMatcher('1abc="x"')).toThrow(MatcherError);
    expect(() => parseMatcher('a="unterminated')).toThrow(/closing double quote/);
    expect(() => parseMatcher('a="x"y"')).toThrow(/unescaped double quote/);
    expect(() => parseMatcher('a=~"(unclosed"')).toThrow(/invalid regex/);
    expect(() => parseMatcher(`a="${'x'.repeat(2000)}"`)).toThrow(/longer than/);
  });

  it('anchors regexes at both ends', () => {
    const matcher = parseMatcher('job=~"api"');
    expect(matches(matcher, { job: 'api' })).toBe(true);
    expect(matches(matcher, { job: 'api-gateway' })).toBe(false);
    expect(matches(matcher, { job: 'my-api' })).toBe(false);
    expect(matches(parseMatcher('job=~"a|b"'), { job: 'ab' })).toBe(false);
  });

  it('treats a missing label as the empty string', () => {
    expect(matches(parseMatcher('team=""'), {})).toBe(true);
    expect(matches(parseMatcher('team!="ops"'), {})).toBe(true);
    expect(matches(parseMatcher('team=~".*"'), {})).toBe(true);
    expect(matches(parseMatcher('team=~".+"'), {})).toBe(false);
    expect(matches(parseMatcher('team!~"ops"'), { team: 'dev' })).toBe(true);
  });

  it('reads only own labels, so prototype names are plain missing labels', () => {
    expect(matches(parseMatcher('constructor=""'), {})).toBe(true);
    expect(matches(parseMatcher('toString=~".+"'), {})).toBe(false);
  });

  it('takes RE2 whole-pattern (?i) as case-insensitive and named groups in Go spelling', () => {
    expect(matches(parseMatcher('env=~"(?i)prod"'), { env: 'PROD' })).toBe(true);
    expect(matches(parseMatcher('env=~"(?P<x>pr)od"'), { env: 'prod' })).toBe(true);
  });

  it('refuses nested unbounded quantifiers that could hang on a hostile 5000-character label', () => {
    expect(() => parseMatcher('a=~"(a+)+"')).toThrow(/nests quantifiers/);
    expect(() => parseMatcher('a=~"(\\\\w*\\\\s?)*x"')).toThrow(/nests quantifiers/);
    expect(parseMatcher('a=~"([a-z+])+"').regex).toBeInstanceOf(RegExp);
    expect(parseMatcher('a=~"(ab)+c*"').regex).toBeInstanceOf(RegExp);
  });

  it('matches hostile values literally', () => {
    const hostile = '<script>alert(1)</script> $(rm -rf /); DROP TABLE alerts; --';
    expect(matches(parseMatcher(`x="${hostile}"`), { x: hostile })).toBe(true);
    expect(matches(parseMatcher('x=~".*DROP TABLE.*"'), { x: hostile })).toBe(true);
  });

  it('requires every matcher of a list', () => {
    const list = ['severity="critical"', 'team=~"db|infra"'].map(parseMatcher);
    expect(matchesAll(list, { severity: 'critical', team: 'db' })).toBe(true);
    expect(matchesAll(list, { severity: 'critical', team: 'web' })).toBe(false);
  });

  it('knows a matcher list that would match every alert', () => {
    expect(matchesEmptyLabelSet(['team=~".*"', 'env!="prod"'].map(parseMatcher))).toBe(true);
    expect(matchesEmptyLabelSet(['team=~".*"', 'alertname="X"'].map(parseMatcher))).toBe(false);
  });

  it('formats back to the canonical quoted form that parses to the same matcher', () => {
    for (const text of ['a="x\\"y"', 'b!~"\\\\d+"', 'c=~"multi\\nline"', 'd=bare']) {
      const matcher = parseMatcher(text);
      const again = parseMatcher(formatMatcher(matcher));
      expect({ ...again, regex: undefined }).toEqual({ ...matcher, regex: undefined });
    }
  });
});
