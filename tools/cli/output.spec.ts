import { formatLabels, formatTable, sanitize } from './output';

describe('sanitize', () => {
  it('removes ANSI escapes so a label cannot clear the screen, recolour or retitle the terminal', () => {
    expect(sanitize('a\x1b[2Jb')).toBe('ab');
    expect(sanitize('\x1b[31mred\x1b[0m')).toBe('red');
    expect(sanitize('x\x1b]0;owned\x07y')).toBe('xy');
    expect(sanitize('x\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\y')).toBe('xlinky');
    expect(sanitize('\x9b2Jz')).toBe('z');
    expect(sanitize('a\x1bcb')).toBe('ab');
  });

  it('turns newlines and tabs into spaces and drops other control and bidi characters', () => {
    expect(sanitize('line1\nline2\r\tend')).toBe('line1 line2  end');
    expect(sanitize('bell\x07 nul\x00 del\x7f')).toBe('bell nul del');
    expect(sanitize('safe\u202eexe.txt')).toBe('safeexe.txt');
  });

  it('keeps ordinary text, Unicode included, and prints non-strings', () => {
    expect(sanitize('Ünïcødé 🔥 <b>html</b> $(rm -rf /)')).toBe('Ünïcødé 🔥 <b>html</b> $(rm -rf /)');
    expect(sanitize(42)).toBe('42');
    expect(sanitize(null)).toBe('');
    expect(sanitize({ a: '\x1b[2J' })).toBe('{"a":"\\u001b[2J"}');
  });
});

describe('tables', () => {
  const columns = [
    { header: 'NAME', value: (row: { name: string; n: number }) => row.name },
    { header: 'N', value: (row: { name: string; n: number }) => row.n },
  ];

  it('aligns plain columns with no trailing spaces', () => {
    expect(
      formatTable(
        [
          { name: 'a', n: 1 },
          { name: 'longer', n: 22 },
        ],
        columns,
      ),
    ).toBe('NAME    N\na       1\nlonger  22\n');
  });

  it('measures and prints cells after sanitising them', () => {
    expect(formatTable([{ name: '\x1b[2Jx\ny', n: 1 }], columns)).toBe('NAME  N\nx y   1\n');
  });

  it('prints only the header for no rows', () => {
    expect(formatTable([], columns)).toBe('NAME  N\n');
  });
});

it('formats labels as name=value pairs', () => {
  expect(formatLabels({ a: 'b', c: 'd=e' })).toBe('a=b, c=d=e');
  expect(formatLabels(null)).toBe('');
});
