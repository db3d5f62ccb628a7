import { outboxStatements } from './outbox-statements';

const row = (id: string, chars: number) => ({ id, event: 'é'.repeat(chars) });

describe('outbox statements', () => {
  it('keeps rows in order and cuts by characters of event JSON', () => {
    const rows = Array.from({ length: 5 }, (_, index) => row(String(index), 2));
    expect(outboxStatements(rows, 4).map((chunk) => chunk.map((r) => r.id))).toEqual([['0', '1'], ['2', '3'], ['4']]);
  });

  it('fills a statement up to the budget exactly and sends a row larger than the budget alone', () => {
    const rows = [row('a', 40), row('b', 40), row('c', 200), row('d', 20)];
    expect(outboxStatements(rows, 80).map((chunk) => chunk.map((r) => r.id))).toEqual([['a', 'b'], ['c'], ['d']]);
    expect(outboxStatements(rows, 79).map((chunk) => chunk.map((r) => r.id))).toEqual([['a'], ['b'], ['c'], ['d']]);
  });

  it('makes no statement for no rows', () => {
    expect(outboxStatements([])).toEqual([]);
  });
});
