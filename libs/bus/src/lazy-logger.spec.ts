import pino, { Logger } from 'pino';
import { lazyChild } from './lazy-logger';

/** A real pino logger at `info` writing to memory, counting the children made of it. */
function countingLogger(): { parent: Logger; lines: Array<Record<string, unknown>>; children: () => number } {
  const lines: Array<Record<string, unknown>> = [];
  const parent = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  let made = 0;
  const child = parent.child;
  // Unbound: pino's children inherit this method, and a grandchild must be made of its own parent.
  parent.child = function (this: Logger, ...args: Parameters<Logger['child']>) {
    made++;
    return child.apply(this, args);
  } as Logger['child'];
  return { parent, lines, children: () => made };
}

describe('lazyChild', () => {
  it('makes no child while nothing is written at an enabled level', () => {
    const { parent, lines, children } = countingLogger();
    const log = lazyChild(parent, () => ({ eventId: 'e1' }));
    log.debug('below the level');
    log.trace({ detail: 1 }, 'further below');
    expect(children()).toBe(0);
    expect(lines).toEqual([]);
  });

  it('writes with the bindings known when the first line is written, making the child once', () => {
    const { parent, lines, children } = countingLogger();
    const bindings: Record<string, unknown> = { consumer: 'c' };
    const log = lazyChild(parent, () => bindings);
    bindings.eventId = 'e1';
    log.info({ n: 1 }, 'first');
    log.warn('second');
    expect(children()).toBe(1);
    expect(lines).toEqual([
      expect.objectContaining({ consumer: 'c', eventId: 'e1', n: 1, msg: 'first', level: 30 }),
      expect.objectContaining({ consumer: 'c', eventId: 'e1', msg: 'second', level: 40 }),
    ]);
  });

  it('answers everything else as the child would: its own children, its level', () => {
    const { parent, lines } = countingLogger();
    const log = lazyChild(parent, () => ({ eventId: 'e1' }));
    expect(log.level).toBe('info');
    expect(log.isLevelEnabled('debug')).toBe(false);
    log.child({ part: 'inner' }).error('inner');
    expect(lines).toEqual([expect.objectContaining({ eventId: 'e1', part: 'inner', msg: 'inner' })]);
  });
});
