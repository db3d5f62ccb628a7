import { cut, isHttpUrl, prefixFittingEscaped, storableText } from './text';

describe('text helpers', () => {
  it('cuts to the limit with a marker, leaving short text alone', () => {
    expect(cut('abcdef', 10)).toBe('abcdef');
    expect(cut('abcdef', 4)).toBe('abc…');
    expect(cut('abcdef', 4, '[cut]')).toBe('[cut]');
    expect(cut('a'.repeat(5000), 4096)).toHaveLength(4096);
  });

  it('never splits a surrogate pair', () => {
    const result = cut('ab😀cd', 4);
    expect(result).toBe('ab…');
    expect(cut('😀😀😀', 3)).toBe('😀…');
  });

  it('finds the raw prefix whose escaped form fits, without splitting an entity', () => {
    const html = (c: string) => ({ '&': 5, '<': 4, '>': 4 })[c] ?? c.length;
    expect(prefixFittingEscaped('a&b', 5, html)).toBe('a');
    expect(prefixFittingEscaped('a&b', 6, html)).toBe('a&');
    expect(prefixFittingEscaped('<<<', 9, html)).toBe('<<');
    expect(prefixFittingEscaped('x😀y', 3, html)).toBe('x😀');
  });

  it('strips what Postgres cannot store (NUL, lone surrogates) and cuts without splitting a pair', () => {
    expect(storableText('ok\u0000done')).toBe('okdone');
    expect(storableText('a\uD83Db')).toBe('ab');
    expect(storableText('a\uDE00b\uD83D')).toBe('ab');
    expect(storableText('\uDE00\uD83D\uDE00\uD83D')).toBe('😀');
    expect(storableText('émoji 😀 kept')).toBe('émoji 😀 kept');
    expect(storableText('ab😀cd', 3)).toBe('ab');
    expect(storableText('\u0000'.repeat(10) + 'abc', 2)).toBe('ab');
  });

  it('accepts only http(s) URLs as links', () => {
    expect(isHttpUrl('https://grafana/x?a=1&b=2')).toBe(true);
    expect(isHttpUrl('javascript:alert(1)')).toBe(false);
    expect(isHttpUrl('')).toBe(false);
    expect(isHttpUrl('not a url')).toBe(false);
  });
});
