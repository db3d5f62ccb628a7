import { formatJson, formatLabels, formatTable, sanitize } from './output';

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

  it('drops the Arabic letter mark, zero-width characters and the BOM that hide or reorder text', () => {
    expect(sanitize('a\u061cb\u200bc\u200cd\u200de\ufefff')).toBe('abcdef');
  });

  it('keeps ordinary text, Unicode included, and prints non-strings', () => {
    expect(sanitize('Ünïcødé 🔥 <b>html</b> $(rm -rf /)')).toBe('Ünïcødé 🔥 <b>html</b> $(rm -rf /)');
    expect(sanitize(42)).toBe('42');
    expect(sanitize(null)).toBe('');
    expect(sanitize({ a: '\x1b[2J' })).toBe('{"a":"\\u001b[2J"}');
  });
});

describe('formatJson', () => {
  const hostile = 'a\u0085b\u009bc\u007fd\u061ce\u200bf\u200dg\u202eh\u2066i\ufeffj';

  it('escapes C1 controls, DEL, bidi and zero-width characters as \\uXXXX', () => {
    const text = formatJson({ label: hostile, [`k\u202e`]: 1 });
    expect(text).toContain('"a\\u0085b\\u009bc\\u007fd\\u061ce\\u200bf\\u200dg\\u202eh\\u2066i\\ufeffj"');
    expect(text).toContain('"k\\u202e": 1');
    expect(text).not.toMatch(/[\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/);
  });

  it('stays JSON that parses back to the same value, Unicode text untouched', () => {
    const value = { label: hostile, text: 'Ünïcødé 🔥 \u00a0', n: [1, null], esc: '\x1b[2J' };
    expect(JSON.parse(formatJson(value))).toEqual(value);
    expect(formatJson(value)).toContain('Ünïcødé 🔥 \u00a0');
    expect(formatJson(undefined)).toBe('null\n');
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
