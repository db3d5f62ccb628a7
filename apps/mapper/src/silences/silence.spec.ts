import { readSilence } from './silence';

const window = { startsAt: new Date('2026-01-01T00:00:00Z'), endsAt: new Date('2026-01-01T01:00:00Z') };
const read = (matchers: unknown) => readSilence({ id: 's1', matchers: matchers as string[], ...window });

describe('reading a stored silence for matching', () => {
  it('parses the stored matcher texts', () => {
    const result = read(['alertname="DiskFull"', 'team=~"ops|infra"']);
    expect(result).toMatchObject({ ok: true, silence: { id: 's1', ...window } });
    expect(result.ok && result.silence.matchers.map((matcher) => matcher.type)).toEqual(['=', '=~']);
  });

  it.each([
    ['a lookahead', 'instance=~"(?!canary).*"'],
    ['a lookbehind', 'instance=~"(?<!x)y"'],
    ['a backreference', 'job=~"(a)\\\\1"'],
    ['[^]', 'job=~"[^]"'],
    ['\\cA', 'job=~"\\\\cA"'],
    ['\\Z', 'job=~"a\\\\Z"'],
    ['\\k<n>', 'job=~"(?<n>a)\\\\k<n>"'],
  ])('reports a pattern JavaScript accepted and RE2 refuses (%s) instead of throwing, naming the matcher', (_, text) => {
    expect(read(['alertname="X"', text])).toEqual({ ok: false, id: 's1', problem: expect.stringMatching(/^matchers\.1: invalid regex/) });
  });

  it('reports a row that is not a list of matcher texts (a manual edit)', () => {
    for (const matchers of [null, 'alertname="X"', [], [1], [{ name: 'a' }]]) {
      expect(read(matchers)).toEqual({ ok: false, id: 's1', problem: 'matchers: not a list of matcher texts' });
    }
    expect(read(['nonsense'])).toEqual({ ok: false, id: 's1', problem: expect.stringMatching(/^matchers\.0: bad matcher format/) });
  });
});
