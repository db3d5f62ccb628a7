import { rowsOf, table } from './sql';

describe('table', () => {
  it('qualifies a table with the quoted schema', () => {
    expect(table('mapper', 'alerts')).toBe('"mapper".alerts');
    expect(table('t_ab12', 'alert_history')).toBe('"t_ab12".alert_history');
  });

  it('refuses a name that is not a plain identifier', () => {
    expect(() => table('mapper', 'alerts; DROP TABLE x')).toThrow(/not a table name/);
  });
});

describe('rowsOf', () => {
  it('unwraps the [rows, count] answer of UPDATE ... RETURNING', () => {
    expect(rowsOf<{ id: number }>([[{ id: 1 }], 1])).toEqual([{ id: 1 }]);
  });

  it('keeps the rows of a SELECT as they are', () => {
    expect(rowsOf<{ id: number }>([{ id: 1 }, { id: 2 }])).toEqual([{ id: 1 }, { id: 2 }]);
  });
});
