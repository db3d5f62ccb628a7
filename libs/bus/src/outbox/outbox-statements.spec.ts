import { outboxStatements } from './outbox-statements';

const row = (id: string, size: number) => ({ id, event: 'é'.repeat(size / 2) });

describe('outbox statements', () => {
  it('keeps rows in order and cuts by row count', () => {
    const rows = Array.from({ length: 5 }, (_, index) => row(String(index), 2));
    expect(outboxStatements(rows, 2, 1_000).map((chunk) => chunk.map((r) => r.id))).toEqual([['0', '1'], ['2', '3'], ['4']]);
  });

  it('cuts by UTF-8 bytes, not characters, and sends a row larger than the budget alone', () => {
    const rows = [row('a', 40), row('b', 40), row('c', 200), row('d', 20)];
    expect(outboxStatements(rows, 100, 100).map((chunk) => chunk.map((r) => r.id))).toEqual([['a', 'b'], ['c'], ['d']]);
    expect(outboxStatements(rows, 100, 79).map((chunk) => chunk.map((r) => r.id))).toEqual([['a'], ['b'], ['c'], ['d']]);
  });

  it('makes no statement for no rows', () => {
    expect(outboxStatements([])).toEqual([]);
  });
});
