import { LineSplitter, formatPrefix, prefixLine } from './prefix';

describe('LineSplitter', () => {
  it('returns each complete line of a chunk', () => {
    const splitter = new LineSplitter();
    expect(splitter.push(Buffer.from('one\ntwo\n'))).toEqual(['one', 'two']);
    expect(splitter.flush()).toBeUndefined();
  });

  it('holds a partial line until the rest arrives', () => {
    const splitter = new LineSplitter();
    expect(splitter.push(Buffer.from('{"level":30,"ms'))).toEqual([]);
    expect(splitter.push(Buffer.from('g":"up"}\nnext'))).toEqual(['{"level":30,"msg":"up"}']);
    expect(splitter.flush()).toBe('next');
  });

  it('keeps a UTF-8 character that is split between two chunks', () => {
    const bytes = Buffer.from('naïve\n');
    const splitter = new LineSplitter();
    expect(splitter.push(bytes.subarray(0, 3))).toEqual([]);
    expect(splitter.push(bytes.subarray(3))).toEqual(['naïve']);
  });

  it('drops the carriage return of CRLF line endings and keeps empty lines', () => {
    const splitter = new LineSplitter();
    expect(splitter.push('a\r\n\r\nb\n')).toEqual(['a', '', 'b']);
  });
});

describe('formatPrefix', () => {
  it('pads the label so that every process lines up', () => {
    expect(formatPrefix('mapper', 10, undefined)).toBe('mapper     │ ');
  });

  it('colors only the label when a color is given', () => {
    expect(formatPrefix('nats', 4, 36)).toBe('\x1b[36mnats\x1b[0m │ ');
  });

  it('leaves a pino JSON line intact after the prefix', () => {
    const json = '{"level":30,"msg":"listening","port":8080}';
    const printed = prefixLine(json, formatPrefix('ingress', 18, 35));
    expect(JSON.parse(printed.slice(printed.indexOf('│ ') + 2))).toEqual({ level: 30, msg: 'listening', port: 8080 });
  });
});
