import { AlertTransaction } from './alert-transaction';

function clockReading(...times: number[]) {
  let index = 0;
  return { now: () => new Date(times[Math.min(index++, times.length - 1)]) };
}

describe('the time an alert change is stamped with', () => {
  // Only the clock matters here; the transaction and repositories are not touched.
  const transaction = (clock: { now(): Date }) => new AlertTransaction({ manager: {} } as never, {} as never, clock);

  it('moves to the moment the rows were locked, so a transaction that waited is not stamped before the one it waited for', () => {
    const tx = transaction(clockReading(100, 250));
    expect(tx.now.getTime()).toBe(100);
    tx.locked();
    expect(tx.now.getTime()).toBe(250);
  });

  it('never moves backwards', () => {
    const tx = transaction(clockReading(300, 200));
    tx.locked();
    expect(tx.now.getTime()).toBe(300);
  });
});
