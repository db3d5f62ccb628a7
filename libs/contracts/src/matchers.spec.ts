import {
  formatMatcher,
  labelValue,
  matches,
  matchesAll,
  matchesEmptyLabelSet,
  MatcherError,
  parseMatcher,
  parseMatchers,
} from './matchers';

const matchOne = (text: string, labels: Record<string, string>) => matchesAll(parseMatchers(text), labels);

describe('Alertmanager matchers', () => {
  it('parses the four operators, quoted and bare, with spaces around them', () => {
    expect(parseMatcher('severity="critical"')).toMatchObject({ name: 'severity', type: '=', value: 'critical' });
    expect(parseMatcher(' env != "prod" ')).toMatchObject({ name: 'env', type: '!=', value: 'prod' });
    expect(parseMatcher(' team != ops ')).toMatchObject({ name: 'team', type: '!=', value: 'ops' });
    expect(parseMatcher('job=~"api|web"')).toMatchObject({ name: 'job', type: '=~', value: 'api|web' });
    expect(parseMatcher('instance!~db-.*')).toMatchObject({ name: 'instance', type: '!~', value: 'db-.*' });
    expect(parseMatcher('team=')).toMatchObject({ name: 'team', type: '=', value: '' });
  });

  it('takes label names with colons, as Alertmanager does', () => {
    expect(parseMatcher('job:rate5m="1"')).toMatchObject({ name: 'job:rate5m', type: '=', value: '1' });
  });

  it('unescapes \\" \\\\ and \\n like Alertmanager, keeping other backslashes literal', () => {
    expect(parseMatcher('msg="say \\"hi\\""').value).toBe('say "hi"');
    expect(parseMatcher('path="C:\\\\dir"').value).toBe('C:\\dir');
    expect(parseMatcher('text="a\\nb"').value).toBe('a\nb');
    expect(parseMatcher('re=~"\\d+"').value).toBe('\\d+');
    expect(parseMatcher(String.raw`msg="say \"hi\"\\n"`).value).toBe('say "hi"\\n');
    expect(parseMatcher(String.raw`a="\q"`).value).toBe('\\q');
    expect(parseMatcher('a=x\\').value).toBe('x\\');
  });

  it('rejects what Alertmanager rejects, saying why', () => {
    expect(() => parseMatcher('no operator')).toThrow(/bad matcher format/);
    expect(() => parseMatcher('severity')).toThrow(/expected name="value"/);
    expect(() => parseMatcher('1abc="x"')).toThrow(MatcherError);
    expect(() => parseMatcher('a="unterminated')).toThrow(/closing double quote/);
    expect(() => parseMatcher('a="x"y"')).toThrow(/unescaped double quote/);
    expect(() => parseMatcher('a="x" b')).toThrow(/unescaped double quote/);
    expect(() => parseMatcher('a=x"y')).toThrow(/unescaped double quote/);
    expect(() => parseMatcher('a=~"(unclosed"')).toThrow(/invalid regex/);
    expect(() => parseMatcher(`a="${'x'.repeat(2000)}"`)).toThrow(/longer than/);
  });

  it('anchors regexes at both ends', () => {
    const matcher = parseMatcher('job=~"api"');
    expect(matches(matcher, { job: 'api' })).toBe(true);
    expect(matches(matcher, { job: 'api-gateway' })).toBe(false);
    expect(matches(matcher, { job: 'my-api' })).toBe(false);
    expect(matches(parseMatcher('job=~"a|b"'), { job: 'ab' })).toBe(false);
    expect(matchOne('severity=~"warning|error"', { severity: 'error' })).toBe(true);
    expect(matchOne('severity=~"warning|error"', { severity: 'warnings' })).toBe(false);
    expect(matchOne('severity=~"crit"', { severity: 'critical' })).toBe(false);
    expect(matchOne('env!~"dev.*"', { env: 'prod' })).toBe(true);
    expect(matchOne('env!~"dev.*"', { env: 'dev-1' })).toBe(false);
  });

  it('treats a missing label as the empty string', () => {
    expect(matches(parseMatcher('team=""'), {})).toBe(true);
    expect(matches(parseMatcher('team!="ops"'), {})).toBe(true);
    expect(matches(parseMatcher('team=~".*"'), {})).toBe(true);
    expect(matches(parseMatcher('team=~".+"'), {})).toBe(false);
    expect(matches(parseMatcher('team="ops"'), {})).toBe(false);
    expect(matches(parseMatcher('team!~"ops"'), { team: 'dev' })).toBe(true);
  });

  it('reads only own labels, so prototype names are plain missing labels', () => {
    expect(matches(parseMatcher('constructor=""'), {})).toBe(true);
    expect(matches(parseMatcher('toString=~".+"'), {})).toBe(false);
    expect(labelValue({}, '__proto__')).toBe('');
    expect(labelValue({ team: 'db' }, 'team')).toBe('db');
  });

  it('takes RE2 whole-pattern (?i) as case-insensitive and named groups in Go spelling', () => {
    expect(matches(parseMatcher('env=~"(?i)prod"'), { env: 'PROD' })).toBe(true);
    expect(matches(parseMatcher('env=~"(?P<x>pr)od"'), { env: 'prod' })).toBe(true);
  });

  // Each of these took seconds on a backtracking engine with 29 characters; RE2 is linear.
  it.each(['((a+))+', '((a|b)+)+', '(a|a)*', '(a+)+b', '(\\\\w*\\\\s?)*x', '(.*a){12}'])(
    'matches %s against a 65,536-character hostile value in bounded time',
    (pattern) => {
      const matcher = parseMatcher(`a=~"${pattern}"`);
      const hostile = `${'a'.repeat(65_536)}!`;
      const started = performance.now();
      expect(matches(matcher, { a: hostile })).toBe(false);
      // Generous for a slow shared machine; a backtracking engine would take far longer than the age of the universe.
      expect(performance.now() - started).toBeLessThan(5_000);
    },
  );

  it('refuses what RE2 lacks (backreferences, lookarounds), as Alertmanager does', () => {
    expect(() => parseMatcher('a=~"(x)\\\\1"')).toThrow(/invalid regex/);
    expect(() => parseMatcher('a=~"(?=x)x"')).toThrow(/invalid regex/);
    expect(() => parseMatcher('a=~"(?<!x)y"')).toThrow(/invalid regex/);
  });

  it('reads RE2 Unicode classes', () => {
    expect(matches(parseMatcher('city=~"\\\\pL+"'), { city: 'Zürich' })).toBe(true);
    expect(matches(parseMatcher('city=~"\\\\pL+"'), { city: 'Zürich 1' })).toBe(false);
  });

  it('matches hostile values literally', () => {
    const hostile = '<script>alert(1)</script> $(rm -rf /); DROP TABLE alerts; --';
    expect(matches(parseMatcher(`x="${hostile}"`), { x: hostile })).toBe(true);
    expect(matches(parseMatcher('x=~".*DROP TABLE.*"'), { x: hostile })).toBe(true);
    expect(matchOne('alertname="<script>"', { alertname: '<script>' })).toBe(true);
    expect(matchOne('x=~".*"', { x: "'; DROP TABLE alerts; --" })).toBe(true);
  });

  it('requires every matcher of a list', () => {
    const list = ['severity="critical"', 'team=~"db|infra"'].map(parseMatcher);
    expect(matchesAll(list, { severity: 'critical', team: 'db' })).toBe(true);
    expect(matchesAll(list, { severity: 'critical', team: 'web' })).toBe(false);
    expect(matchesAll([], {})).toBe(true);
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
    expect(parseMatchers('{a="x\\",y", b="z"}').map((m) => m.value)).toEqual(['x",y', 'z']);
    expect(parseMatchers('{}')).toEqual([]);
    expect(parseMatchers(' team="db" ')).toMatchObject([{ name: 'team', type: '=', value: 'db' }]);
  });

  it('names the matcher text at fault when reading a string or set', () => {
    expect(() => parseMatchers('severity')).toThrow(MatcherError);
    expect(() => parseMatchers('severity')).toThrow(/^"severity" is not a matcher: bad matcher format/);
    expect(() => parseMatchers('1abc="x"')).toThrow(/not a matcher/);
    expect(() => parseMatchers('{a="b", c="d}')).toThrow(/^"c="d" is not a matcher: .*closing double quote/);
    expect(() => parseMatchers('{a="b", c=~"("}')).toThrow(/^"c=~"\("" is not a matcher: invalid regex/);
    expect(() => parseMatchers('{a="b"')).toThrow(/must end with/);
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
